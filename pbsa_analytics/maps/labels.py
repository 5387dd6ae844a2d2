"""Place labels for the map: beside the dot where they fit, on a leader line where dots crowd, else listed.

Placement is computed once for the map's opening view (web-mercator pixels at its zoom); zooming in only
spreads dots apart, so labels that fit at the opening zoom keep fitting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

TILE_SIZE = 512  # deck.gl's world is 512 px wide at zoom 0
EARTH_CIRCUMFERENCE_M = 40_075_016.686
CHAR_WIDTH_PX = 7.0
LABEL_HEIGHT_PX = 16.0
DOT_RADIUS_PX = 9.0
GAP_PX = 4.0
# Beside the dot: right, then left (dx, dy of the label's anchor, text anchor).
NEAR_OFFSETS = ((15, 0, "start"), (-15, 0, "end"))
# A label beside its dot must keep this far from every other dot, or it would read as that dot's name.
OTHER_DOT_MARGIN_PX = 8.0
CROWD_MARGIN_PX = 12.0
LEADER_DISTANCES_PX = (46, 70, 96, 124, 156, 190)
LEADER_ANGLES_DEG = (0, 180, -30, 30, 150, -150, -60, 60, 120, -120, 90, -90, -15, 15, 165, -165, -45, 45, 135, -135)


class Placement(StrEnum):
    NEAR = "near"
    LEADER = "leader"
    LISTED = "listed"


@dataclass(frozen=True)
class Label:
    place_id: str
    text: str
    placement: Placement
    anchor_lonlat: tuple[float, float]  # where the text is drawn (the dot itself for NEAR)
    offset_px: tuple[float, float]  # pixel offset of the text from anchor_lonlat
    text_anchor: str


@dataclass(frozen=True)
class _Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: _Box) -> bool:
        return not (
            self.right + GAP_PX <= other.left
            or other.right + GAP_PX <= self.left
            or self.bottom + GAP_PX <= other.top
            or other.bottom + GAP_PX <= self.top
        )


def to_pixels(lon: float, lat: float, *, zoom: float) -> tuple[float, float]:
    """Web-mercator world pixels of a point at a zoom level."""
    scale = TILE_SIZE * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale
    return x, y


def to_lonlat(x: float, y: float, *, zoom: float) -> tuple[float, float]:
    """Inverse of to_pixels."""
    scale = TILE_SIZE * 2**zoom
    lon = x / scale * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))
    return lon, lat


def _text_box(x: float, y: float, text: str, anchor: str) -> _Box:
    width = CHAR_WIDTH_PX * len(text)
    left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return _Box(left, y - LABEL_HEIGHT_PX / 2, left + width, y + LABEL_HEIGHT_PX / 2)


def metres_per_pixel(lat: float, *, zoom: float) -> float:
    """Ground metres one screen pixel spans at a latitude and zoom (deck.gl's 512-pixel world)."""
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (TILE_SIZE * 2**zoom)


def _dot_box(x: float, y: float, *, radius: float = DOT_RADIUS_PX, margin: float = 0.0) -> _Box:
    reach = radius + margin
    return _Box(x - reach, y - reach, x + reach, y + reach)


def _free(box: _Box, taken: list[_Box]) -> bool:
    return not any(box.overlaps(other) for other in taken)


def _segment_meets(a: tuple[float, float], b: tuple[float, float], box: _Box) -> bool:
    """Whether the straight line a-b passes through a box (sampled every pixel or so)."""
    steps = max(2, int(math.dist(a, b)))
    for i in range(steps + 1):
        x = a[0] + (b[0] - a[0]) * i / steps
        y = a[1] + (b[1] - a[1]) * i / steps
        if box.left <= x <= box.right and box.top <= y <= box.bottom:
            return True
    return False


def _segments_cross(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    """Whether segments a-b and c-d properly cross each other."""

    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _trim(a: tuple[float, float], b: tuple[float, float], dot: _Box) -> tuple[tuple[float, float], ...]:
    """The part of a leader outside its own dot and a little beyond (where crowded dots' lines may meet)."""
    reach = (dot.right - dot.left) / 2 + CROWD_MARGIN_PX
    length = math.dist(a, b)
    if length <= reach:
        return b, b
    t = reach / length
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), b


@dataclass
class _Layout:
    """What is already on the map: dots, drawn label boxes and leader lines."""

    dots: dict[str, _Box]
    boxes: list[_Box]
    leaders: list[tuple[tuple[float, float], tuple[float, float]]]

    def text_fits(self, box: _Box, *, near: list[_Box] = ()) -> bool:
        """A label box clear of every dot, label and leader line (and, beside a dot, of the other dots' margins)."""
        return _free(box, [*self.dots.values(), *self.boxes, *near]) and not any(
            _segment_meets(a, b, box) for a, b in self.leaders
        )

    def leader_fits(self, start: tuple[float, float], end: tuple[float, float], pid: str) -> bool:
        """A leader clear of drawn labels, other leaders and other dots (except a dot its own dot sits inside)."""
        blockers = [
            box
            for other, box in self.dots.items()
            if other != pid and not (box.left <= start[0] <= box.right and box.top <= start[1] <= box.bottom)
        ]
        # Inside a crowd of touching dots a line cannot help crossing its neighbours; beyond it, it must not.
        trimmed = _trim(start, end, self.dots[pid])
        return (
            not any(_segment_meets(*trimmed, box) for box in blockers)
            and not any(_segment_meets(start, end, box) for box in self.boxes)
            and not any(_segments_cross(*trimmed, *_trim(a, b, self._dot_at(a))) for a, b in self.leaders)
        )

    def _dot_at(self, point: tuple[float, float]) -> _Box:
        return next(box for box in self.dots.values() if math.isclose((box.left + box.right) / 2, point[0]) and
                    math.isclose((box.top + box.bottom) / 2, point[1]))  # fmt: skip


def _leader_spot(
    x: float, y: float, text: str, pid: str, layout: _Layout, *, start: float = 0.0
) -> tuple[float, float, str, _Box] | None:
    for distance in (start + d for d in LEADER_DISTANCES_PX):
        for angle in LEADER_ANGLES_DEG:
            lx = x + distance * math.cos(math.radians(angle))
            ly = y + distance * math.sin(math.radians(angle))
            anchor = "start" if math.cos(math.radians(angle)) >= 0 else "end"
            box = _text_box(lx, ly, text, anchor)
            if layout.text_fits(box) and layout.leader_fits((x, y), (lx, ly), pid):
                return lx, ly, anchor, box
    return None


def place_labels(
    *, points: list[tuple[str, str, float, float]], zoom: float, radii_px: dict[str, float] | None = None
) -> list[Label]:
    """Labels for (place_id, text, lon, lat) points: beside the dot, else on a leader line, else listed.

    radii_px gives each dot's drawn radius in pixels (dots sized by a metric); others are DOT_RADIUS_PX.
    No two drawn labels overlap each other, any dot or any leader line at the given zoom, and no leader line
    crosses a label or another dot.
    """
    pixels = {pid: to_pixels(lon, lat, zoom=zoom) for pid, _, lon, lat in points}
    radius = {pid: max(DOT_RADIUS_PX, (radii_px or {}).get(pid, DOT_RADIUS_PX)) for pid in pixels}
    layout = _Layout(dots={pid: _dot_box(*xy, radius=radius[pid]) for pid, xy in pixels.items()}, boxes=[], leaders=[])
    # Crowded dots first, so they get the scarce nearby space; then west to east for a stable result.
    crowding = {pid: sum(1 for other in pixels.values() if math.dist(pixels[pid], other) < 40) for pid, *_ in points}
    order = sorted(points, key=lambda p: (-crowding[p[0]], pixels[p[0]][0]))
    labels = []
    for pid, text, lon, lat in order:
        x, y = pixels[pid]
        label = None
        others = [
            _dot_box(*xy, radius=radius[other], margin=OTHER_DOT_MARGIN_PX)
            for other, xy in pixels.items()
            if other != pid
        ]
        for near_dx, dy, anchor in NEAR_OFFSETS:
            # Beside a big dot the text starts past its edge, not inside it.
            dx = math.copysign(abs(near_dx) + radius[pid] - DOT_RADIUS_PX, near_dx)
            box = _text_box(x + dx, y + dy, text, anchor)
            if layout.text_fits(box, near=others):
                layout.boxes.append(box)
                label = Label(pid, text, Placement.NEAR, (lon, lat), (dx, dy), anchor)
                break
        if label is None:
            spot = _leader_spot(x, y, text, pid, layout, start=radius[pid] - DOT_RADIUS_PX)
            if spot is not None:
                lx, ly, anchor, box = spot
                layout.boxes.append(box)
                layout.leaders.append(((x, y), (lx, ly)))
                label = Label(pid, text, Placement.LEADER, to_lonlat(lx, ly, zoom=zoom), (0, 0), anchor)
            else:
                label = Label(pid, text, Placement.LISTED, (lon, lat), (0, 0), "start")
        labels.append(label)
    return sorted(labels, key=lambda label: label.text)

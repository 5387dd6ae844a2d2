"""Anonymising for a partnership or a projected room: every other place becomes a 'Partnership A, B, ...' label.

Labels follow a keyed hash of the place id (a per-deployment secret), not the alphabet, so a label cannot be
matched to a name by counting through a named list elsewhere; they are stable for as long as the secret is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

# Separators a name may appear with inside a longer token: "east marsh", "east_marsh", "east-marsh", "eastmarsh".
_SEPARATOR = r"[\s_\-]*"
# Shorter terms match only as whole alphanumeric tokens, so they do not eat unrelated words.
_SUBSTRING_MIN = 4
# Columns that locate a place on a map: kept only for the focus place (a location cannot be relabelled).
LOCATING_COLUMNS = ("latitude", "longitude")
# Other places on a map become one unlabelled point per region, at a fixed centre of the region (approximate ONS
# region centroids, WGS84): never at, or averaged from, a real place's location, and never carrying a label, phase
# or figure that could tie a "Partnership K" elsewhere to a region.
REGION_CENTRES: dict[str, tuple[float, float]] = {
    "North East": (55.00, -1.90),
    "North West": (54.05, -2.65),
    "Yorkshire and The Humber": (53.95, -1.30),
    "East Midlands": (52.95, -0.85),
    "West Midlands": (52.48, -2.27),
    "East of England": (52.24, 0.55),
    "London": (51.50, -0.12),
    "South East": (51.30, -0.75),
    "South West": (50.95, -3.35),
    "Wales": (52.33, -3.77),
    "Scotland": (56.80, -4.20),
    "Northern Ireland": (54.60, -6.70),
}
OTHERS_ID_PREFIX = "others-in-"


def partnership_label(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the index-th other place."""
    letters = string.ascii_uppercase
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = letters[remainder] + name
    return f"Partnership {name}"


def label_id(label: str) -> str:
    """The stand-in id of a label: 'Partnership K' -> 'partnership-k'."""
    return label.lower().replace(" ", "-")


def keyed_order(place_ids: list[str], *, secret: bytes) -> list[str]:
    """Place ids in the order of a keyed hash: fixed for one secret, unrelated to names or ids."""
    return sorted(place_ids, key=lambda place_id: hmac.new(secret, place_id.encode(), hashlib.sha256).hexdigest())


def term_pattern(term: str) -> str:
    """Regex for one identifying term, matched case-insensitively inside longer tokens and across separators."""
    words = [re.escape(word) for word in re.split(r"[\s_\-]+", term.strip()) if word]
    body = _SEPARATOR.join(words)
    if len(term) >= _SUBSTRING_MIN:
        return body
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


def is_others_id(place_id: object) -> bool:
    """True for the stand-in id of a map point that groups a region's other (anonymised) places."""
    return isinstance(place_id, str) and place_id.startswith(OTHERS_ID_PREFIX)


def others_name(count: int) -> str:
    """The name shown for a region's group of other places: '1 other partnership', '3 other partnerships'."""
    return f"{count} other partnership{'' if count == 1 else 's'}"


def _region_groups(others: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per region for other places on a map: its fixed centre and how many there are, nothing else."""
    rows = []
    for region, group in others.groupby("region", sort=True):
        if region not in REGION_CENTRES:
            continue  # no fixed centre: leave them off rather than place them anywhere near where they are
        latitude, longitude = REGION_CENTRES[region]
        row: dict[str, object] = dict.fromkeys(columns)
        row |= {
            "place_id": OTHERS_ID_PREFIX + re.sub(r"[^a-z0-9]+", "-", str(region).lower()),
            "place_name": others_name(len(group)),
            "region": region,
            "latitude": latitude,
            "longitude": longitude,
        }
        if "places" in columns:
            row["places"] = len(group)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _normal(term: str) -> str:
    return re.sub(r"[\s_\-]+", "", term).lower()


@dataclass(frozen=True)
class Anonymiser:
    """Maps other places to labels and scrubs their names, ids, codes and organisations from text."""

    focus_place_id: str
    labels: dict[str, str]
    _pattern: re.Pattern | None = field(default=None, repr=False)
    _replacements: dict[str, str] = field(default_factory=dict, repr=False)
    _focus_name: str = ""

    @classmethod
    def build(cls, *, focus_place_id: str, variants: pd.DataFrame, secret: bytes) -> Anonymiser:
        """From rows of (place_id, place_name, name): label other places in keyed-hash order."""
        other_rows = variants[variants["place_id"] != focus_place_id]
        others = keyed_order(sorted(set(other_rows["place_id"])), secret=secret)
        labels = {place_id: partnership_label(i) for i, place_id in enumerate(others)}
        focus_terms = {str(n) for n in variants.loc[variants["place_id"] == focus_place_id, "name"].dropna()}
        focus_normal = {_normal(term) for term in focus_terms}
        replacements: dict[str, str] = {}
        for row in other_rows.itertuples():
            terms = [row.name, row.place_id, row.place_name]
            for term in (str(t) for t in terms if isinstance(t, str) and t.strip()):
                # A name the focus place also uses (a shared organisation) would unmask nothing; keep it.
                if _normal(term) not in focus_normal:
                    replacements[_normal(term)] = labels[row.place_id]
        # The focus place's own names match first (longest wins), so "North East Lincolnshire" keeps "Lincoln".
        for term in focus_terms:
            replacements.setdefault(_normal(term), "")
        ordered = sorted({*(t for t in focus_terms), *_terms(other_rows)}, key=len, reverse=True)
        ordered = [term for term in ordered if _normal(term) in replacements]
        pattern = re.compile("|".join(f"(?:{term_pattern(term)})" for term in ordered), re.IGNORECASE)
        focus_rows = variants.loc[variants["place_id"] == focus_place_id, "place_name"]
        focus_name = str(focus_rows.iloc[0]) if len(focus_rows) else ""
        return cls(focus_place_id, labels, pattern if ordered else None, replacements, focus_name)

    def rank(self, place_id: object) -> int:
        """Row order for a place: the focus place first, then others in label order (never by name)."""
        if place_id == self.focus_place_id:
            return -1
        return self._ranks.get(place_id, len(self._ranks))

    @cached_property
    def _ranks(self) -> dict[str, int]:
        return {place_id: position for position, place_id in enumerate(self.labels)}

    def label(self, place_id: str, real_name: str) -> str:
        """The name to show for a place: its own name if it is the focus place (or a region's group), else its label;
        a row about no place (no id, e.g. a count per period) keeps its empty name."""
        if not isinstance(place_id, str) or place_id == self.focus_place_id or is_others_id(place_id):
            return real_name
        return self.labels.get(place_id, "Another partnership")

    def place_id(self, place_id: object) -> object:
        """The id to expose: the focus place's own (or a region group's), else the label's stand-in id."""
        if not isinstance(place_id, str) or place_id == self.focus_place_id or is_others_id(place_id):
            return place_id
        return label_id(self.labels.get(place_id, "another partnership"))

    def _replace(self, match: re.Match) -> str:
        return self._replacements.get(_normal(match.group(0))) or match.group(0)

    def text(self, value: object) -> object:
        """Replace every other place's names, ids, codes and organisations in a text value, even inside tokens."""
        if not isinstance(value, str) or self._pattern is None:
            return value
        return self._shuffle_list(self._pattern.sub(self._replace, value))

    def _shuffle_list(self, text: str) -> str:
        """A comma-separated list of labels keeps no trace of the names' alphabetical order: sort it by label."""
        items = text.split(", ")
        known = set(self.labels.values())
        if len(items) < 2 or not all(item in known or item == self.focus_name for item in items):
            return text
        return ", ".join(sorted(items, key=lambda item: (item != self.focus_name, len(item), item)))

    @property
    def focus_name(self) -> str:
        return self._focus_name

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Copy of a table with place names relabelled, other places' locations grouped or dropped, text scrubbed.

        Other places on a map (rows with a location and a region) become one point per region at the region's
        fixed centre, counting them; without a region they are dropped.
        """
        safe = frame.copy()
        if "place_id" in safe.columns and any(column in safe.columns for column in LOCATING_COLUMNS):
            others = safe[safe["place_id"] != self.focus_place_id]
            safe = safe[safe["place_id"] == self.focus_place_id]
            if "region" in safe.columns and set(LOCATING_COLUMNS) <= set(safe.columns) and len(others):
                groups = _region_groups(others, list(safe.columns))
                safe = (
                    pd.concat([safe.astype(object), groups.astype(object)], ignore_index=True) if len(safe) else groups
                )
        if "place_id" in safe.columns:
            # Rows ordered by name would give the labels' alphabetical order away; order them by label instead.
            order = sorted(range(len(safe)), key=lambda i: self.rank(safe["place_id"].iloc[i]))
            safe = safe.iloc[order].reset_index(drop=True)
        if {"place_id", "place_name"} <= set(safe.columns):
            safe["place_name"] = [self.label(p, n) for p, n in zip(safe["place_id"], safe["place_name"], strict=True)]
        if "place_id" in safe.columns:
            safe["place_id"] = [self.place_id(p) for p in safe["place_id"]]
        for column in safe.columns:
            if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                safe[column] = safe[column].map(self.text)
        safe.columns = [self.text(str(column)) for column in safe.columns]
        return safe


def _terms(rows: pd.DataFrame) -> set[str]:
    terms = set()
    for column in ("name", "place_id", "place_name"):
        terms |= {str(t) for t in rows[column].dropna() if str(t).strip()}
    return terms

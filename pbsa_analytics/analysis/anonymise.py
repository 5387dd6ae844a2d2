"""Anonymising for a partnership or a projected room: every other place becomes a 'Partnership A, B, ...' label.

Labels follow a keyed hash of the place id (a per-deployment secret), not the alphabet, so a label cannot be
matched to a name by counting through a named list elsewhere; they are stable for as long as the secret is.

Names are found in text with one Aho-Corasick automaton (pyahocorasick) over every identifying term, lower-cased and
without separators, so a text costs its own length, not the number of places: a regular expression with one
alternative per term (20,000 at 10,000 places) took 5-15 ms per cell. Frames are treated column by column, and each
text column once per distinct value.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import hmac
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import ahocorasick
import numpy as np
import pandas as pd

# Separators a name may appear with inside a longer token: "east marsh", "east_marsh", "east-marsh", "eastmarsh".
_SEPARATORS = re.compile(r"[\s_\-]")
_KEPT = re.compile(r"[^\s_\-]+")
# Shorter terms match only as whole alphanumeric tokens, so they do not eat unrelated words.
_SUBSTRING_MIN = 4
_TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits)
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


@functools.lru_cache(maxsize=4)
def _labels(count: int) -> tuple[str, ...]:
    """The first `count` partnership labels, made once for the anonymisers around every place."""
    return tuple(partnership_label(index) for index in range(count))


def label_id(label: str) -> str:
    """The stand-in id of a label: 'Partnership K' -> 'partnership-k'."""
    return label.lower().replace(" ", "-")


def keyed_order(place_ids: list[str], *, secret: bytes) -> list[str]:
    """Place ids in the order of a keyed hash: fixed for one secret, unrelated to names or ids."""
    return sorted(place_ids, key=lambda place_id: hmac.new(secret, place_id.encode(), hashlib.sha256).hexdigest())


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


def _lowered(run: str, start: int) -> tuple[str, Sequence[int]]:
    """A run of text lower-cased, with each lowered character's index in the text."""
    lowered = run.lower().replace("ς", "σ")  # final sigma depends on context: one form everywhere
    if len(lowered) == len(run):
        return lowered, range(start, start + len(run))
    pieces = [character.lower().replace("ς", "σ") for character in run]  # one may lower to two ("İ")
    return "".join(pieces), [start + i for i, piece in enumerate(pieces) for _ in piece]


def _folded(text: str) -> tuple[str, Sequence[int]]:
    """The text lower-cased without separators, and for each of its characters the index of the one it came from."""
    if not _SEPARATORS.search(text):
        return _lowered(text, 0)
    if len(text) >= _LONG_TEXT:
        lowered = text.lower().replace("ς", "σ")
        if len(lowered) == len(text):  # each character lowers to one: pick the kept ones by position
            return _kept_characters(text, lowered)
    return _folded_by_runs(text)


# From this length a text's separators are found with numpy (a list of every place's name is 200,000 characters).
_LONG_TEXT = 256


def _kept_characters(text: str, lowered: str) -> tuple[str, list[int]]:
    """_folded_by_runs's answer for a text whose every character lowers to exactly one (`lowered`), in bulk."""
    separators = [ord(character) for character in set(text) if _SEPARATORS.match(character)]
    # surrogatepass: a lone surrogate (not valid Unicode, yet a Python str may hold one) is one code like any other.
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    origin = np.flatnonzero(~np.isin(codes, separators))
    kept = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)[origin]
    return kept.tobytes().decode("utf-32-le", "surrogatepass"), origin.tolist()


def _folded_by_runs(text: str) -> tuple[str, Sequence[int]]:
    """_folded one run of kept characters at a time (any text, including characters that lower to two)."""
    folded: list[str] = []
    origin: list[int] = []
    for run in _KEPT.finditer(text):
        lowered, indexes = _lowered(run.group(), run.start())
        folded.append(lowered)
        origin.extend(indexes)
    return "".join(folded), origin


def _normal(term: str) -> str:
    """The folded text alone (what _folded gives first), without working out where each character came from."""
    stripped = _SEPARATORS.sub("", term)
    lowered = stripped.lower().replace("ς", "σ")
    return lowered if len(lowered) == len(stripped) else _folded(term)[0]


def _whole_token(text: str, start: int, end: int) -> bool:
    """text[start:end] has no letter or digit either side (what a short term needs to match)."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return before not in _TOKEN_CHARACTERS and after not in _TOKEN_CHARACTERS


def _word_breaks(term: str) -> frozenset[int]:
    """Where a term's words meet, counted in folded characters: the only places text may have separators in it."""
    lengths = [len(_normal(word)) for word in re.split(r"[\s_\-]+", term.strip()) if word]
    return frozenset(sum(lengths[: i + 1]) for i in range(len(lengths) - 1))


def _term_automaton(spellings_by_term: dict[str, tuple]) -> ahocorasick.Automaton | None:
    """Every term by its folded form, for finding them all in one pass over a text.

    A form holds itself and, for each term folding to it, that term's spelling: its length as written (the regular
    expression's order of preference), whether it is short (whole tokens only), where its words meet, and the one
    place for which it is no term at all (see TermIndex)."""
    automaton = ahocorasick.Automaton()
    for key, spelling in spellings_by_term.values():
        if not key:
            continue
        _, spellings = automaton.get(key, (key, ()))
        automaton.add_word(key, (key, (*spellings, spelling)))
    if not len(automaton):
        return None
    automaton.make_automaton()
    return automaton


def _rows(variants: pd.DataFrame) -> zip:
    """(name, place_id, place_name) per row as Python values (iterating Arrow-backed columns is slow); a missing
    value is None or another non-text value, never a string."""
    return zip(*(variants[column].tolist() for column in ("name", "place_id", "place_name")), strict=True)


@dataclass(frozen=True)
class TermIndex:
    """Every place's identifying terms folded and put in one automaton, once per store version, for the anonymisers
    around every place to share: it is most of an anonymiser's cost (about 0.5 s at 10,000 places).

    Around a place the terms are its own names and every other place's names, ids and place names. So a term that
    only that place's own id or place name gives (not one of its names) is no term around it: its spelling carries
    that place, and matching around it skips the spelling, exactly as if the term had never been added."""

    variants: pd.DataFrame
    normal: dict[str, str]
    automaton: ahocorasick.Automaton | None
    # Each variant's (name, place_id, place_name), and each of its non-blank terms as (folded term, place_id), in
    # row order: what every anonymiser around a place reads, taken out of the frame once.
    rows: list[tuple] = field(default_factory=list, repr=False)
    term_places: list[tuple[str, str]] = field(default_factory=list, repr=False)
    # Every place id in keyed-hash order, per label secret: the same for the anonymisers around every place.
    _keyed: dict[bytes, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, variants: pd.DataFrame) -> TermIndex:
        """From rows of (place_id, place_name, name): one per name a place goes by."""
        owners: dict[str, set[str]] = {}
        named: dict[str, set[str]] = {}
        for name, place_id, place_name in _rows(variants):
            if pd.notna(name):
                named.setdefault(str(name), set()).add(place_id)
            for term in (str(value) for value in (name, place_id, place_name) if pd.notna(value)):
                owners.setdefault(term, set()).add(place_id)
        normal = {term: _normal(term) for term in owners}
        spellings: dict[str, tuple] = {}
        for term, places in owners.items():
            only = next(iter(places)) if len(places) == 1 else None
            not_around = only if only is not None and only not in named.get(term, ()) else None
            spellings[term] = (normal[term], (len(term), len(term) < _SUBSTRING_MIN, _word_breaks(term), not_around))
        rows = list(_rows(variants))
        term_places = [
            (normal[term], place_id)
            for name, place_id, place_name in rows
            for term in (name, place_id, place_name)
            if isinstance(term, str) and term.strip()
        ]
        return cls(variants.copy(), normal, _term_automaton(spellings), rows, term_places)

    def keyed_places(self, secret: bytes) -> list[str]:
        """Every place id in the keyed-hash order of `secret` (made once per secret)."""
        if secret not in self._keyed:
            self._keyed[secret] = keyed_order(sorted({place_id for _, place_id, _ in self.rows}), secret=secret)
        return self._keyed[secret]


def _gaps(origin: Sequence[int]) -> list[int]:
    """The folded positions where the text had separators just before (characters were dropped), in order."""
    return (np.flatnonzero(np.diff(np.asarray(origin)) > 1) + 1).tolist()


_NO_GAPS: frozenset[int] = frozenset()


def _separated_at(gaps: list[int], first: int, last: int) -> frozenset[int]:
    """Where the text had separators inside a match (folded characters first..last), counted from its start."""
    low = bisect.bisect_right(gaps, first)
    high = bisect.bisect_right(gaps, last, low)
    return _NO_GAPS if low == high else frozenset(gap - first for gap in gaps[low:high])


def _distinct_rows(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """For each row the index of its distinct value, and the first row of each distinct value; None when the
    column must be mapped row by row (see per_distinct)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    if values.dtype == object:
        missing = np.flatnonzero(values.isna().to_numpy())
        # map(type, ...) runs in C: a grid column can be tens of thousands of Nones, where a Python lambda per row
        # was most of the column's time.
        kinds, _ = pd.factorize(np.fromiter(map(type, values.to_numpy()[missing]), dtype=object, count=len(missing)))
        codes[missing] = len(codes) + kinds
    distinct, first = np.unique(codes, return_index=True)
    return np.searchsorted(distinct, codes), first


def per_distinct(values: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """values.map(function), same values and dtype, calling it once per distinct value rather than once per row.

    The function is mapped over one row of each distinct value (so pandas infers the dtype from the same values as a
    whole-column map), then spread back to every row. Missing values of each kind (None, NaN, pd.NA) count as one
    value each. An object column holding anything but text and missing values (numbers, lists) is mapped row by row:
    there equal values of different types (1, 1.0, True) must not be merged, and lists cannot be grouped.
    """
    found = _distinct_rows(values)
    if found is None:
        return values.map(function)
    rows, first = found
    mapped = values.iloc[first].map(function)
    return mapped.iloc[rows].set_axis(values.index).rename(values.name)


@dataclass(frozen=True)
class _EachDistinct:
    """One column's distinct values, found once, to compute several things per distinct value (as per_distinct
    does) and spread each back to the rows as a plain array, in the column's row order or a new one (take)."""

    values: list
    rows: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _EachDistinct:
        found = _distinct_rows(column)
        if found is None:  # mapped row by row, as per_distinct would
            return cls(column.tolist(), np.arange(len(column)))
        rows, first = found
        return cls(column.iloc[first].tolist(), rows)

    def take(self, order: np.ndarray) -> _EachDistinct:
        return _EachDistinct(self.values, self.rows[order])

    def apply(self, function: Callable[[object], object]) -> np.ndarray:
        mapped = np.empty(len(self.values), dtype=object)
        mapped[:] = [function(value) for value in self.values]  # one element each, even a list
        return mapped[self.rows]


@dataclass(frozen=True)
class Anonymiser:
    """Maps other places to labels and scrubs their names, ids, codes and organisations from text."""

    focus_place_id: str
    labels: dict[str, str]
    _automaton: ahocorasick.Automaton | None = field(default=None, repr=False)
    _replacements: dict[str, str] = field(default_factory=dict, repr=False)
    _focus_name: str = ""

    @classmethod
    def build(cls, *, focus_place_id: str, variants: pd.DataFrame, secret: bytes) -> Anonymiser:
        """From rows of (place_id, place_name, name): label other places in keyed-hash order."""
        return cls.around(focus_place_id=focus_place_id, terms=TermIndex.build(variants), secret=secret)

    @classmethod
    def around(cls, *, focus_place_id: str, terms: TermIndex, secret: bytes) -> Anonymiser:
        """The anonymiser around one place from a store's shared TermIndex: labels and replacements only."""
        others = [place_id for place_id in terms.keyed_places(secret) if place_id != focus_place_id]
        labels = dict(zip(others, _labels(len(others)), strict=True))
        own = [(name, place_name) for name, place_id, place_name in terms.rows if place_id == focus_place_id]
        focus_terms = {str(name) for name, _ in own if pd.notna(name)}
        focus_normal = {terms.normal[term] for term in focus_terms}
        replacements: dict[str, str] = {}
        for normal, place_id in terms.term_places:
            # A name the focus place also uses (a shared organisation) would unmask nothing; keep it.
            if place_id != focus_place_id and normal not in focus_normal:
                replacements[normal] = labels[place_id]
        # The focus place's own names match first (longest wins), so "North East Lincolnshire" keeps "Lincoln".
        for term in focus_terms:
            replacements.setdefault(terms.normal[term], "")
        focus_name = str(own[0][1]) if own else ""
        # No term to find around this place (every one blank): text is left as it is, as with no automaton at all.
        automaton = terms.automaton if any(replacements) else None
        return cls(focus_place_id, labels, automaton, replacements, focus_name)

    def rank(self, place_id: object) -> int:
        """Row order for a place: the focus place first, then others in label order (never by name)."""
        if not isinstance(place_id, str):
            return len(self._ranks)  # no place (None, NaN, pd.NA): last, like an unknown id
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

    def _matches(self, text: str) -> list[tuple[int, int, str]]:
        """Where terms occur, as one regular expression of every term would find them: scanning left to right, at the
        first position where any matches, the longest as written (the expression's alternatives ran longest first),
        then on from its end."""
        hits = list(self._automaton.iter(_normal(text)))
        if not hits:
            return []  # most cells: no need to work out where each folded character came from
        _, origin = _folded(text)
        gaps = _gaps(origin)
        # Hits by where they start in the text; a start inside a match already taken is never looked at (in a list
        # of names, most hits are parts of a longer name).
        at: dict[int, list[tuple[int, int, str, tuple]]] = {}
        for last, (key, spellings) in hits:
            first = last - len(key) + 1
            at.setdefault(origin[first], []).append((first, last, key, spellings))
        found, position = [], 0
        for start in sorted(at):
            if start >= position:
                taken = self._longest(text, at[start], origin=origin, gaps=gaps)
                if taken is not None:
                    found.append((start, *taken))
                    position = taken[0]
        return found

    def _longest(self, text: str, hits: list, *, origin: Sequence[int], gaps: list[int]) -> tuple[int, str] | None:
        """Of the terms found starting at one place, the one longest as written that may match there (then longest
        folded), as (end, folded form); None if none may."""
        best: tuple[tuple[int, int], int, str] | None = None
        for first, last, key, spellings in hits:
            if key not in self._replacements:
                continue  # every term around this place has its form there: this one is no term here
            start, end = origin[first], origin[last] + 1
            separated = _separated_at(gaps, first, last)
            whole = None
            longest = 0  # the longest spelling as written that may match here
            for length, short, breaks, not_around in spellings:
                # "hand over" is not "Andover": separators only where a term's words meet; short terms whole only.
                if length <= longest or not_around == self.focus_place_id or (separated and not separated <= breaks):
                    continue
                if short:
                    whole = _whole_token(text, start, end) if whole is None else whole
                    if not whole:
                        continue
                longest = length
            if longest and (best is None or (longest, len(key)) > best[0]):
                best = ((longest, len(key)), end, key)
        return None if best is None else best[1:]

    def text(self, value: object) -> object:
        """Replace every other place's names, ids, codes and organisations in a text value, even inside tokens.

        Lists, tuples, arrays and dicts (how DuckDB hands over LIST, STRUCT and MAP cells) are scrubbed element by
        element, keys included: a name inside a list cell is as identifying as one in a text cell."""
        if not isinstance(value, str):
            return self._contained(value)
        if self._automaton is None:
            return value
        pieces, position = [], 0
        for start, end, key in self._matches(value):
            # The focus place's own terms (and shared ones) map to "": they stay as written.
            pieces += [value[position:start], self._replacements.get(key) or value[start:end]]
            position = end
        return self._shuffle_list("".join(pieces) + value[position:])

    def _contained(self, value: object) -> object:
        """A container's text scrubbed (a dict, list, tuple or array of the same shape); anything else unchanged."""
        if isinstance(value, dict):
            return {self.text(key): self.text(item) for key, item in value.items()}
        if isinstance(value, list):
            return self._in_label_order([self.text(item) for item in value])
        if isinstance(value, tuple):
            return tuple(self._in_label_order([self.text(item) for item in value]))
        if isinstance(value, set | frozenset):
            return type(value)(self.text(item) for item in value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "OU":
            items = [self.text(item) for item in value.flat]
            scrubbed = np.empty(value.shape, dtype=object)
            ordered = self._in_label_order(items) if value.ndim == 1 else items
            for index, item in zip(np.ndindex(value.shape), ordered, strict=True):
                scrubbed[index] = item  # one at a time: a list item must stay one element
            return scrubbed if value.dtype == object else scrubbed.astype(str)
        return value

    @cached_property
    def _label_set(self) -> frozenset[str]:
        return frozenset(self.labels.values())

    def _shuffle_list(self, text: str) -> str:
        """A comma-separated list of labels keeps no trace of the names' alphabetical order: sort it by label."""
        return ", ".join(self._in_label_order(text.split(", ")))

    def _in_label_order(self, items: list) -> list:
        """Items that are all labels (or the focus place's name), sorted by label; any other list as it is."""
        known = self._label_set
        if len(items) < 2 or not all(
            isinstance(item, str) and (item in known or item == self.focus_name) for item in items
        ):
            return items
        return sorted(items, key=lambda item: (item != self.focus_name, len(item), item))

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
        relabelled = None
        if "place_id" in safe.columns:
            # The ids' distinct values are found once for the rank, label and id of each (a grid has 10,000 places).
            ids = _EachDistinct.of(safe["place_id"])
            # Rows ordered by name would give the labels' alphabetical order away; order them by label instead.
            order = np.argsort(ids.apply(self.rank).astype(np.int64), kind="stable")
            safe, ids = safe.iloc[order].reset_index(drop=True), ids.take(order)
            relabelled = ids.apply(lambda place_id: self.label(place_id, "") != "").astype(bool)
            if "place_name" in safe.columns:
                names = safe["place_name"].astype(object).to_numpy(copy=True)
                names[relabelled] = ids.apply(self._label_of)[relabelled]
                safe["place_name"] = names.tolist()
            safe["place_id"] = ids.apply(self.place_id).tolist()
        for column in safe.columns:
            if safe[column].dtype in (object, "category") or pd.api.types.is_string_dtype(safe[column]):
                relabels = relabelled is not None and relabelled.any() and column in ("place_id", "place_name")
                safe[column] = self._scrubbed(safe[column], made=self._made if relabels else frozenset())
        safe.columns = [self.text(str(column)) for column in safe.columns]
        return safe

    def _scrubbed(self, values: pd.Series, *, made: frozenset[str]) -> pd.Series:
        """A text column scrubbed, except values in `made` (the labels and label ids this anonymiser writes): a label
        holds no name, and could even hold a short name's letters ("Partnership ELY")."""
        if not made:
            return per_distinct(values, self.text)
        return per_distinct(
            values, lambda value: value if isinstance(value, str) and value in made else self.text(value)
        )

    @cached_property
    def _made(self) -> frozenset[str]:
        """Every label and label id `label` and `place_id` can write for another place."""
        labels = {*self.labels.values(), self._label_of("")}
        return frozenset(labels | {label_id(label) for label in labels})

    def _label_of(self, place_id: str) -> str:
        return self.labels.get(place_id, "Another partnership")

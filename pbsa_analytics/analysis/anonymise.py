"""Anonymising a page for projection: every other place becomes a stable 'Partnership A, B, ...' label."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import pandas as pd


def partnership_label(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the index-th other place."""
    letters = string.ascii_uppercase
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = letters[remainder] + name
    return f"Partnership {name}"


@dataclass(frozen=True)
class Anonymiser:
    """Maps other places to labels and scrubs their names, ids and organisations from text."""

    focus_place_id: str
    labels: dict[str, str]
    _pattern: re.Pattern | None = field(default=None, repr=False)
    _replacements: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, *, focus_place_id: str, variants: pd.DataFrame) -> Anonymiser:
        """From rows of (place_id, place_name, name variant): label others in name order."""
        others = (
            variants[variants["place_id"] != focus_place_id]
            .drop_duplicates("place_id")
            .sort_values("place_name")["place_id"]
            .tolist()
        )
        labels = {place_id: partnership_label(i) for i, place_id in enumerate(others)}
        focus_names = {n.lower() for n in variants.loc[variants["place_id"] == focus_place_id, "name"]}
        replacements: dict[str, str] = {}
        for row in variants[variants["place_id"] != focus_place_id].itertuples():
            # A name the focus place also uses (a shared organisation) would unmask nothing; skip it.
            if row.name.lower() not in focus_names and len(row.name) >= 3:
                replacements[row.name.lower()] = labels[row.place_id]
        ordered = sorted(replacements, key=len, reverse=True)
        pattern = re.compile(
            r"(?<![\w])(" + "|".join(re.escape(name) for name in ordered) + r")(?![\w])", re.IGNORECASE
        )
        return cls(focus_place_id, labels, pattern, replacements)

    def label(self, place_id: str, real_name: str) -> str:
        """The name to show for a place: its own name if it is the focus place, else its label."""
        return real_name if place_id == self.focus_place_id else self.labels.get(place_id, "Another partnership")

    def text(self, value: object) -> object:
        """Replace every other place's names, ids and organisations in a text value."""
        if not isinstance(value, str) or self._pattern is None:
            return value
        return self._pattern.sub(lambda match: self._replacements[match.group(0).lower()], value)

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Copy of a table with place names relabelled and every text cell scrubbed."""
        safe = frame.copy()
        if {"place_id", "place_name"} <= set(safe.columns):
            safe["place_name"] = [self.label(p, n) for p, n in zip(safe["place_id"], safe["place_name"], strict=True)]
        if "place_id" in safe.columns:
            safe["place_id"] = [
                p if p == self.focus_place_id else self.labels.get(p, "other").replace("Partnership ", "partnership-")
                for p in safe["place_id"]
            ]
        for column in safe.columns:
            if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                safe[column] = safe[column].map(self.text)
        return safe

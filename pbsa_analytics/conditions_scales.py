"""The answer scales of the conditions self-assessment, shared by validation, analysis and charts.

The E1 checklist is answered Yes / No / Not sure, as its Y/N column allows for. The workshop's 8 conditions
come with no scale in the source, so the project defines one (RATING_SCALE) and says so wherever it is shown.
"""

from __future__ import annotations

E1 = "nef_e1_checklist"
ESA = "esa_workshop"
ANSWERS = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}
RATING_SCALE = {
    1: "Not in place",
    2: "Emerging",
    3: "Partly in place",
    4: "Firmly in place",
}
SCALE_NOTE = (
    "The workshop report lists the 8 conditions without a scale, so this tool uses its own four-point scale: "
    + "; ".join(f"{n} = {label.lower()}" for n, label in RATING_SCALE.items())
    + ". A condition left unrated is stored as missing, never as a rating."
)
NOT_ANSWERED = "Not answered"
E1_STATES = [ANSWERS["yes"], ANSWERS["not_sure"], ANSWERS["no"], NOT_ANSWERED]
ESA_STATES = [f"{n} {RATING_SCALE[n].lower()}" for n in sorted(RATING_SCALE, reverse=True)] + [NOT_ANSWERED]


def workshop_label(text: str) -> str:
    """A workshop condition's short name: its heading, the words before the first colon."""
    return text.split(":", 1)[0].strip()

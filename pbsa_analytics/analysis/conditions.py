"""Pure logic over conditions self-assessments: cell states, what is most often missing, and change."""

from __future__ import annotations

import pandas as pd

from pbsa_analytics.conditions_scales import ANSWERS, E1, ESA, NOT_ANSWERED, RATING_SCALE


def cell_state(*, framework: str, answer: object, rating: object) -> str:
    """The heatmap category of one answer; a missing answer is said plainly, never given a value."""
    if framework == E1:
        return ANSWERS.get(answer, NOT_ANSWERED) if isinstance(answer, str) else NOT_ANSWERED
    if rating is None or pd.isna(rating):
        return NOT_ANSWERED
    return f"{int(rating)} {RATING_SCALE[int(rating)].lower()}"


def is_missing(*, framework: str, answer: object, rating: object) -> bool:
    """A condition reported missing: checklist answer No, or a workshop condition rated 1 (not in place)."""
    if framework == E1:
        return answer == "no"
    return rating is not None and not pd.isna(rating) and int(rating) == 1


def with_states(answers: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Answers with each condition's short label and its heatmap state and missing flag."""
    frame = answers.merge(labels[["condition_id", "label"]], on="condition_id", how="left")
    frame["state"] = [
        cell_state(framework=f, answer=a, rating=r)
        for f, a, r in zip(frame["framework"], frame["answer"], frame["rating"], strict=True)
    ]
    frame["missing"] = [
        is_missing(framework=f, answer=a, rating=r)
        for f, a, r in zip(frame["framework"], frame["answer"], frame["rating"], strict=True)
    ]
    return frame


def missing_finding(missing: pd.DataFrame, *, round_id: str, framework: str) -> str:
    """Chart title naming the condition(s) most often reported missing in a round (ties all named), or none."""
    rows = missing[(missing["round"] == round_id) & (missing["framework"] == framework)]
    if rows.empty or rows["missing"].max() == 0:
        return f"No place reported any of these conditions missing in {round_id}"
    most = rows["missing"].max()
    top = rows[rows["missing"] == most].sort_values("position")
    count = f"{int(most)} of {int(top['places'].iloc[0])} places"
    if len(top) == 1:
        label, text = top["label"].iloc[0], top["text"].iloc[0]
        named = f"answered No to {label} (“{text}”)" if framework == E1 else f"rated {label} as not in place"
        return f"{count} {named} in {round_id}, more than any other"
    labels = ", ".join(top["label"].iloc[:-1]) + " and " + top["label"].iloc[-1]
    named = f"answered No to each of {labels}" if framework == E1 else f"rated each of {labels} as not in place"
    return f"{count} {named} in {round_id}, the most of any"


def ranking_finding(missing: pd.DataFrame, *, round_id: str, framework: str) -> str:
    """Chart title for the missing bars: how many conditions at least one place reported missing."""
    rows = missing[(missing["round"] == round_id) & (missing["framework"] == framework)]
    reported = int((rows["missing"] > 0).sum())
    return f"{reported} of {len(rows)} conditions were reported missing by at least one place in {round_id}"


def lowest_rated(answers: pd.DataFrame) -> pd.DataFrame:
    """Each place's latest round: the workshop condition(s) it rated lowest (ties all count), as counts per label.

    Places with no rating at all in their latest round are left out rather than guessed.
    """
    rated = answers[(answers["framework"] == ESA) & answers["rating"].notna()]
    if rated.empty:
        return pd.DataFrame(columns=["label", "places"])
    latest = rated[rated["round"] == rated.groupby("place_id")["round"].transform("max")]
    lowest = latest[latest["rating"] == latest.groupby("place_id")["rating"].transform("min")]
    counts = lowest.groupby("label").size().rename("places").reset_index()
    return counts.sort_values(["places", "label"], ascending=[False, True]).reset_index(drop=True)


def side_by_side(answers: pd.DataFrame) -> pd.DataFrame:
    """One place's conditions down, rounds across, with a 'changed' column for the last two rounds."""
    if answers.empty:
        return pd.DataFrame(columns=["label", "question"])
    table = answers.pivot_table(
        index=["framework", "position", "label", "text"], columns="round", values="state", aggfunc="first"
    )
    table = table.sort_index(level=["framework", "position"], ascending=[False, True]).reset_index()
    rounds = sorted(answers["round"].unique())
    if len(rounds) >= 2:
        table[f"changed {rounds[-2]} → {rounds[-1]}"] = [
            "" if a == b else f"{a} → {b}" for a, b in zip(table[rounds[-2]], table[rounds[-1]], strict=True)
        ]
    return table.drop(columns=["framework", "position"]).rename(columns={"text": "question"})

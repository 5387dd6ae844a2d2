"""Captions and sources lines, given a query runner: used by use cases below ui/ and by ui/citations alike.

Nothing here names a document: citations come from the rows behind a figure (see analysis/citations.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from pbsa_analytics.analysis.citations import Library, row_imports, row_sources
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store

# A named query run for one principal: run(name, **params) -> rows (e.g. ui.data.query or a scoped runner).
QueryRunner = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Citer:
    """The documents, caveats and import history a use case cites from, read once per view."""

    run: QueryRunner
    store: Store
    library: Library
    caveats: pd.DataFrame

    @classmethod
    def build(cls, *, run: QueryRunner, store: Store) -> Citer:
        return cls(
            run=run,
            store=store,
            library=Library.from_frame(run("sources")),
            caveats=run("caveats").set_index("caveat_id"),
        )

    def scope(self, name: str, *, phase: int | None = None) -> pd.DataFrame:
        """The source cells of the rows behind a figure (see queries/sql/citation_rows.sql for the scopes)."""
        return self.run("citation_rows", scope=name, phase=phase)

    def caveat_text(self, *caveat_ids: str) -> str:
        return " ".join(self.caveats.loc[caveat_id, "text"] for caveat_id in caveat_ids)

    def sources_line(self, *, rows: Iterable[pd.DataFrame] = (), caveats: Sequence[str] = ()) -> str:
        """The "Sources: ..." line for the given rows and caveats; imported rows cite their import."""
        frames = list(rows)
        sources: list[str] = []
        for frame in frames:
            sources += row_sources(frame)
        sources += [self.caveats.loc[caveat_id, "source"] for caveat_id in caveats]
        imported = [frame for frame in frames if "import_id" in frame.columns and frame["import_id"].notna().any()]
        history = monitoring.history(self.store) if imported else pd.DataFrame()
        imports = [item for frame in imported for item in row_imports(frame, history)]
        rendered = self.library.render(dict.fromkeys(sources), imports=imports)
        return f"Sources: {rendered}." if rendered else ""

    def caption(self, *, note: str = "", rows: Iterable[pd.DataFrame] = (), caveats: Sequence[str] = ()) -> str:
        """A figure's caption: how to read it, its caveats, then the citations of the rows behind it."""
        parts = [note, self.caveat_text(*caveats), self.sources_line(rows=rows, caveats=caveats)]
        return " ".join(part for part in parts if part)

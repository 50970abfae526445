"""The build's ``validation.md``: what was read, what was rejected and why, what conflicted.

:func:`validation_report` renders the report from the tables of a build
(:func:`bkanalysis.pipeline.build` writes it beside the observations): the files and
sheets read, the labels matched other than exactly, the rejects by file and reason, the
range problems, the conflicts between files with their winner
(:func:`bkanalysis.conflicts.conflicts_section`) and the ``SOURCES.yml`` warnings.
"""

from __future__ import annotations

import pandas as pd

from .build_summary import BuildResult
from .conflicts import KEY, conflicts_section
from .mdtable import md_table
from .reject_reasons import classify_reason
from .review import inexact_matches_markdown

__all__ = ["validation_report"]


def validation_report(
    obs: pd.DataFrame,
    rejects: pd.DataFrame,
    sheets: pd.DataFrame,
    files: pd.DataFrame,
    conflicts: pd.DataFrame,
    *,
    res: BuildResult | None = None,
    aliases=(),
) -> str:
    """Render the validation report (Markdown) of a build (*res*: its :class:`BuildResult`).

    *aliases* are the researcher's alias rows (``data/raw/aliases.csv``) the build read.
    Without *res* the conflicts are listed as read (no winner).
    """
    out = [*_summary(obs, rejects, files, conflicts)]
    out.append("## Files\n")
    out.append(md_table(files))
    out.append("## Sheets and tables\n")
    out.append(md_table(sheets))
    out.append("## Labels matched other than exactly\n")
    out.append(inexact_matches_markdown(obs, aliases))
    out.append("## Rejects by file and reason\n")
    out.extend(_rejects_by_reason(rejects))
    out.append("## Range problems\n")
    out_of_range = rejects["reason"].astype(str).str.startswith("out of range")
    out.append(md_table(rejects[out_of_range]) if out_of_range.any() else "_none_\n")
    out.extend(_conflicts(conflicts, res))
    return "\n".join(out)


def _summary(obs, rejects, files, conflicts) -> list[str]:
    """Return the report's title and its one-line count of files, observations, rejects."""
    status = files["status"].value_counts()
    return [
        "# Validation report",
        "",
        f"{status.get('read', 0)} workbook(s) read, {status.get('failed', 0)} failed, "
        f"{status.get('skipped', 0)} other file(s) skipped; "
        f"{len(obs)} observations, {len(rejects)} rejects, {len(conflicts)} conflicting values.",
        "",
    ]


def _rejects_by_reason(rejects: pd.DataFrame) -> list[str]:
    """Return the rejected cells counted by file, sheet and reason class, then by reason."""
    if rejects.empty:
        return ["_none_\n"]
    by_file = _counted(
        rejects.assign(reason_class=rejects["reason"].map(reason_class)),
        ["source_file", "source_sheet", "reason_class"],
    )
    by_reason = _counted(
        rejects.assign(category=rejects["reason"].map(classify_reason)), ["reason", "category"]
    )
    return [md_table(by_file), "\n### Distinct reasons\n", md_table(by_reason)]


def _counted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return the distinct *keys* of *df*, sorted, with the number of rows of each (``cells``)."""
    return df.groupby(keys).size().rename("cells").reset_index()


def _conflicts(conflicts: pd.DataFrame, res: BuildResult | None) -> list[str]:
    """Return the conflicts section (with their winners from *res*, else as read)."""
    if res is not None:
        problems = "".join(f"- {p}\n" for p in res.source_problems) or "_none_\n"
        return [conflicts_section(res), "## Provenance (SOURCES.yml)\n", problems]
    cols = [*KEY, "value", "source_file", "source_sheet", "source_cell"]
    table = md_table(conflicts[cols]) if len(conflicts) else "_none_\n"
    return ["## Conflicting duplicates across files\n", table]


def reason_class(reason: str) -> str:
    """Group a reject reason into its class (the text before any detail).

    Examples
    --------
    >>> reason_class("not a number: 'n/a'")
    'not a number'
    """
    r = str(reason)
    for sep in (" (", ": ", " '"):
        if sep in r:
            head = r.split(sep, 1)[0]
            if head:
                return head
    return r

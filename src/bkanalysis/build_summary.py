"""What a build tells its user: the terminal summary and what ``--strict`` fails on.

``--strict`` means "fail on what needs a person": unreadable files, rejects whose reason
needs review (:mod:`bkanalysis.reject_reasons`: unresolved areas, unmatched labels, unit
mismatches, …), conflicts that no stated rule decided (:mod:`bkanalysis.conflicts`) and
``SOURCES.yml`` warnings (an unlisted or missing file; a folder without any
``SOURCES.yml`` is only noted). Cells that are by design not
observations (sub-totals, ``So sánh`` and remarks columns, missing markers) never fail it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import BkError
from .reject_reasons import BY_DESIGN, classify_reason

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = [
    "BuildResult",
    "NeedsReviewError",
    "reject_counts",
    "strict_problems",
    "summary_lines",
]


@dataclass
class BuildResult:
    """What :func:`build` produced.

    Attributes
    ----------
    observations, rejects, sheets : pandas.DataFrame
        The tidy table, the rejects and one row per table/sheet read.
    files : pandas.DataFrame
        One row per file under raw: ``source_file, status ('read'|'failed'|'skipped'),
        observations, rejects, message``.
    conflicts : pandas.DataFrame
        Observations with the same indicator/area/vintage/year/status and different
        values in different files (winners and losers, as read).
    out : pathlib.Path
        Where the outputs were written.
    superseded : pandas.DataFrame or None
        The values that lost a conflict (:func:`bkanalysis.conflicts.resolve_conflicts`).
    source_problems : list of bkanalysis.provenance.SourceProblem
        The ``SOURCES.yml`` warnings (errors stop the build).
    resolved_conflicts, unresolved_conflicts : int
        Conflicts decided by a stated rule, and by the tie-break only.
    """

    observations: pd.DataFrame
    rejects: pd.DataFrame
    sheets: pd.DataFrame
    files: pd.DataFrame
    conflicts: pd.DataFrame
    out: Path
    superseded: pd.DataFrame | None = None
    source_problems: list = field(default_factory=list)
    resolved_conflicts: int = 0
    unresolved_conflicts: int = 0

    @property
    def failed(self) -> int:
        """Number of files that could not be read."""
        return int((self.files["status"] == "failed").sum()) if len(self.files) else 0


#: How many lines of one kind ``--strict`` prints before "… and N more".
MAX_LINES = 20


def reject_counts(rejects) -> tuple[int, int]:
    """Return ``(by design, needing review)`` counts of the rows of *rejects*."""
    reasons = rejects["reason"].tolist() if len(rejects) else []
    by_design = sum(classify_reason(r) == BY_DESIGN for r in reasons)
    return by_design, len(reasons) - by_design


def summary_lines(res: BuildResult, seconds: float, n_workbooks: int) -> list[str]:
    """Return the lines printed at the end of a build (counts, skipped files, warnings)."""
    by_design, review = reject_counts(res.rejects)
    files = res.files
    skipped = files.loc[files["status"] == "skipped", "source_file"].tolist() if len(files) else []
    lines = [
        f"built {len(res.observations)} observations from {n_workbooks} workbook(s) "
        f"in {seconds:.1f} s → {res.out}",
        f"  rejects: {by_design} by design, {review} need review (rejects.csv)",
        f"  conflicts: {res.resolved_conflicts} resolved, {res.unresolved_conflicts} "
        f"unresolved; {len(res.superseded)} value(s) superseded (superseded.csv)",
    ]
    if res.failed:
        lines.append(f"  unreadable: {res.failed} file(s) (validation.md)")
    if skipped:
        lines.append(f"  skipped (not workbooks): {', '.join(skipped)}")
    lines.extend(f"  {p}" for p in res.source_problems)
    return lines


def strict_problems(res: BuildResult) -> list[str]:
    """Return one line per thing of *res* that needs a person (empty: ``--strict`` passes).

    Each line names the file, sheet and cell (rejects), the files (conflicts) or the
    ``SOURCES.yml`` entry; long lists are cut after :data:`MAX_LINES` lines per kind.
    """
    out: list[str] = []
    rej = res.rejects
    if len(rej):
        review = [
            (f, s, c, r)
            for f, s, c, r in zip(
                rej["source_file"].tolist(),
                rej["source_sheet"].tolist(),
                rej["source_cell"].tolist(),
                rej["reason"].tolist(),
                strict=True,
            )
            if classify_reason(r) != BY_DESIGN
        ]
        out += _cut(
            [
                f"{f}, sheet {s}, cell {c}: {r}"
                if c
                else (f"{f}, sheet {s}: {r}" if s else f"{f}: {r}")
                for f, s, c, r in review
            ],
            "rejected cell(s) need review",
        )
    sup = res.superseded
    if len(sup):
        tie = sup[sup["rule"] == "tie-break"]
        out += _cut(
            [
                f"unresolved conflict: {r.indicator_id} {r.area_code} {r.year} {r.status}: "
                f"{r.winner_value:g} ({r.winner_file}, {r.winner_cell}) vs {r.value:g} "
                f"({r.source_file}, {r.source_cell}); list the files' dates in SOURCES.yml "
                "or remove the outdated file"
                for r in tie.itertuples(index=False)
            ],
            "conflict(s) without a winner",
        )
    warnings = [str(p) for p in res.source_problems if p.severity == "warning"]
    out += _cut(warnings, "SOURCES.yml problem(s)")
    return out


def _cut(lines: list[str], what: str) -> list[str]:
    if not lines:
        return []
    head = [f"{len(lines)} {what}:"] + [f"  {x}" for x in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        head.append(f"  … and {len(lines) - MAX_LINES} more")
    return head


class NeedsReviewError(BkError):
    """A strict build (``build(strict=True)``) that left something for a person to review.

    The outputs are written all the same; :attr:`result` is the build's
    :class:`BuildResult` and :attr:`problems` the lines of :func:`strict_problems`.
    """

    def __init__(self, result: BuildResult, problems: list[str]) -> None:
        super().__init__("needs review:\n" + "\n".join(f"  {line}" for line in problems))
        self.result = result
        self.problems = problems

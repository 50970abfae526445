"""``bkanalysis review``: rejected labels with suggested indicators → ``data/raw/aliases.csv``.

A label the reader refused (no indicator, or no clear winner) is listed once with the
number of cells it cost, most cells first, and the indicator whose aliases are closest to
it. ``--accept all`` or ``--accept 1,3`` writes the confirmed suggestions into the
researcher's ``aliases.csv`` beside the data; the next ``bkanalysis build`` reads them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import BkError
from .ingest.aliases import aliases_for, append_aliases
from .ingest.labels import MARGIN, explain_match, suggest_indicator, use_aliases

__all__ = ["ReviewItem", "accept", "rejected_labels"]

_LABEL = re.compile(r"\[label: (.*)\]\s*$")


@dataclass(frozen=True)
class ReviewItem:
    """One rejected label: its text, cells, files and the suggested indicator."""

    label: str
    cells: int
    files: tuple[str, ...]
    suggestion: str | None
    score: float
    reason: str
    #: with no suggestion: the candidates too close to choose between, with their scores
    close: tuple[tuple[str, float], ...] = ()


#: A suggestion below this rapidfuzz score is not shown (nor accepted by ``--accept all``):
#: at ~60 the best candidate is usually a different measure (``Mật độ dân số`` →
#: population, ``Tỷ lệ tăng dân số`` → natural area), so no suggestion beats a bad one.
SUGGEST_MIN = 70.0


def rejected_labels(rejects) -> list[ReviewItem]:
    """Group the rejects (a ``rejects.csv`` frame) whose reason names a label.

    Sorted by cells (most first), then label. Pure: no I/O.

    Examples
    --------
    >>> import pandas as pd
    >>> rej = pd.DataFrame({"source_file": ["a.xlsx"] * 3, "source_sheet": "S",
    ...     "source_cell": ["C5", "D5", "C6"], "raw_value": "1",
    ...     "reason": ["no indicator matches label 'x' [label: Tỷ lệ hộ có nước máy]"] * 2
    ...               + ["out of range: …"]})
    >>> [(i.label, i.cells, i.suggestion) for i in rejected_labels(rej)]
    [('Tỷ lệ hộ có nước máy', 2, 'clean_water_households_pct')]
    >>> rej["reason"] = "no indicator matches label 'x' [label: Mật độ dân số]"
    >>> [(i.label, i.suggestion) for i in rejected_labels(rej)]
    [('Mật độ dân số', None)]
    """
    groups: dict[str, list] = {}
    for f, reason in zip(rejects["source_file"].tolist(), rejects["reason"].tolist(), strict=True):
        m = _LABEL.search(str(reason))
        if m:
            groups.setdefault(m.group(1).strip(), []).append((f, str(reason)))
    items = []
    for label, hits in groups.items():
        best, close = _suggestion(label)
        reason = _LABEL.sub("", hits[0][1]).strip()
        items.append(
            ReviewItem(
                label,
                len(hits),
                tuple(sorted({f for f, _ in hits})),
                best[0] if best else None,
                best[1] if best else 0.0,
                reason,
                close,
            )
        )
    return sorted(items, key=lambda i: (-i.cells, i.label))


def _suggestion(label: str) -> tuple[tuple[str, float] | None, tuple[tuple[str, float], ...]]:
    """Return the indicator to suggest for *label*, or the candidates too close to choose.

    The closest indicator is suggested when it scores at least :data:`SUGGEST_MIN` and
    beats the next by the matcher's :data:`~bkanalysis.ingest.labels.MARGIN`. Closer than
    that (``Tỷ lệ hộ có nhà tiêu hợp vệ sinh``: urban 89.2, rural 85.3), the label does
    not say which is meant, and ``--accept all`` must not pick one: both are returned.
    """
    ranked = [(i, sc) for i, sc in suggest_indicator(label, 3) if sc >= SUGGEST_MIN]
    if not ranked:
        return None, ()
    close = tuple(r for r in ranked if ranked[0][1] - r[1] < MARGIN)
    return (ranked[0], ()) if len(close) == 1 else (None, close)


def _chosen(spec: str, n: int) -> list[int]:
    """Numbers (1-based) chosen by ``all`` or ``1,3,5``; raise on a bad number."""
    if spec.strip().lower() == "all":
        return list(range(1, n + 1))
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= n:
            raise BkError(f"--accept: {part!r} is not a number between 1 and {n}")
        out.append(int(part))
    return sorted(set(out))


def accept(items: list[ReviewItem], spec: str, raw: Path) -> list[ReviewItem]:
    """Write the suggestions of the chosen items into ``raw/aliases.csv``; return them."""
    chosen = [items[i - 1] for i in _chosen(spec, len(items))]
    chosen = [i for i in chosen if i.suggestion]
    if chosen:
        append_aliases(
            raw,
            [
                (
                    i.label,
                    i.suggestion,
                    "",
                    f"accepted in bkanalysis review (score {i.score:g}, {i.cells} cells)",
                )
                for i in chosen
            ],
        )
    return chosen


def inexact_matches(obs, aliases=()) -> list[tuple]:
    """Labels whose indicator was not found by equality with a catalogue alias.

    One row per distinct (source_label, indicator_id): ``(label, indicator_id, how, score,
    runner_up, runner_score, cells, tolerated)``, ``how`` being ``synonyms`` (the matcher) or
    ``alias`` (the researcher's ``aliases.csv``), ``tolerated`` the filler words the matcher
    ignored (comma-separated, empty if none). Sorted by label. Pure: no I/O.
    """
    if not len(obs):
        return []
    counts = Counter(
        zip(
            obs["source_label"].tolist(),
            obs["indicator_id"].tolist(),
            obs["source_file"].tolist(),
            strict=True,
        )
    )
    rows: dict[tuple[str, str], list] = {}
    in_force: dict[str, dict] = {}
    for (label, ind, src), n in sorted(counts.items()):
        if not label or label.startswith("spec "):
            continue
        if aliases and src not in in_force:
            in_force[src] = aliases_for(aliases, src)
        use_aliases(in_force.get(src, {}))
        how, score, runner, rs, tolerated = explain_match(label, ind)
        if how == "exact":
            continue
        hit = rows.setdefault(
            (label, ind), [label, ind, how, score, runner or "", rs, 0, ", ".join(tolerated)]
        )
        hit[6] += n
    use_aliases({})
    return [tuple(r) for _, r in sorted(rows.items())]


def inexact_matches_markdown(obs, aliases=()) -> str:
    """Render the validation section of labels matched other than exactly (Markdown)."""
    rows = inexact_matches(obs, aliases)
    if not rows:
        return "_none_\n"
    head = (
        "| source_label | indicator_id | how | score | runner_up | runner_score | cells "
        "| words ignored |"
    )
    lines = [head, "|" + "---|" * 8]
    for label, ind, how, score, runner, rs, n, tolerated in rows:
        text = str(label).replace("|", "\\|")
        lines.append(
            f"| {text} | {ind} | {how} | {score:g} | {runner} | {rs:g} | {n} | {tolerated} |"
        )
    return "\n".join(lines) + "\n"

"""Which value wins when two files disagree: the stated precedence between sources.

Two observations *conflict* when they share indicator, area (vintage + code), year and
status, come from different files and have different values. Of the files of a conflict
one wins, by the first of these rules that tells them apart:

1. ``kind`` — a published source over a synthetic one (a file that ``SOURCES.yml`` does not
   list counts as synthetic: its provenance is unknown);
2. ``date`` — the newer source, by its ``SOURCES.yml`` date: ``published`` when given,
   else ``received`` (a file without a date is the oldest);
3. ``revision`` — a file that names itself a revision (a word of
   ``data/revision_words.csv`` such as *điều chỉnh*, *cập nhật*, *revised* in its path or
   its ``SOURCES.yml`` title) over one that does not;
4. ``tie-break`` — otherwise the first file by path (sorted as text): deterministic, but no
   stated reason, so the conflict counts as *unresolved* and needs a person.

Only the winner's values stay observations. Every row of another file whose value
differs from the winner's is moved to the *superseded* table with the winner's value, file,
sheet and cell, the deciding rule and a reason. Rows of other files that give the winner's
value are not a conflict and stay, as before. Values are compared rounded to 9 decimals.

Across statuses nothing is decided here: the assessment prefers ``actual`` over
``preliminary`` over ``estimate`` (:func:`bkanalysis.observations.preferred_values`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from .errors import CatalogError
from .mdtable import md_table

__all__ = [
    "KEY",
    "SUPERSEDED_EXTRA",
    "Resolution",
    "conflicts_section",
    "find_conflicts",
    "resolve_conflicts",
    "revision_marker",
]

#: The columns that identify "the same value" (DESIGN §2: join on vintage + code).
KEY = ["indicator_id", "area_code", "admin_vintage", "year", "status"]
#: Columns the superseded table adds to the loser's observation row.
SUPERSEDED_EXTRA = ["winner_value", "winner_file", "winner_sheet", "winner_cell", "rule", "reason"]
_RULES = ("kind", "date", "revision", "tie-break")


@dataclass
class Resolution:
    """What :func:`resolve_conflicts` decided.

    Attributes
    ----------
    observations : pandas.DataFrame
        The observations without the superseded rows (same columns, same order).
    superseded : pandas.DataFrame
        One row per superseded observation: its columns plus :data:`SUPERSEDED_EXTRA`.
    resolved, unresolved : int
        Conflicts (groups) decided by a stated rule, and by the tie-break only.
    """

    observations: pd.DataFrame
    superseded: pd.DataFrame
    resolved: int
    unresolved: int


def _fold(text: str) -> str:
    """Lower-case ASCII key of *text*: no diacritics (``đ`` → ``d``), separators as spaces."""
    t = unicodedata.normalize("NFD", unicodedata.normalize("NFC", str(text)).casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).replace("đ", "d")
    return " ".join(re.split(r"[^0-9a-z]+", t)).strip()


@lru_cache(maxsize=1)
def _revision_words() -> tuple[tuple[str, re.Pattern[str]], ...]:
    with (
        resources.files("bkanalysis.data")
        .joinpath("revision_words.csv")
        .open("r", encoding="utf-8") as fh
    ):
        rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows, 2):
        word = unicodedata.normalize("NFC", (row.get("word") or "").strip())
        if not word or not (row.get("note") or "").strip():
            raise CatalogError(f"revision_words.csv, line {i}: a word and a note are required")
        out.append((word, re.compile(r"\b" + re.escape(_fold(word)) + r"\b")))
    return tuple(out)


def revision_marker(path: str, title: str = "") -> str | None:
    """Return where the file names itself a revision (``"'<word>' in the file name"``), or None.

    Matched without diacritics and case, on whole words (``_``, ``-`` and ``.`` separate
    words), so that ``nien_giam_cap_nhat.xlsx`` and ``Niên giám (cập nhật)`` both count.

    Examples
    --------
    >>> revision_marker("2025/chi_tieu_2025_dieu_chinh.xlsx")
    "'điều chỉnh' in the file name"
    >>> revision_marker("a.xlsx", "Forest cover, revised 2026")
    "'revised' in the title"
    >>> revision_marker("notrevisedx_2024.xlsx") is None
    True
    >>> revision_marker("cap_nhat_x.xlsx", "") == "'cập nhật' in the file name"
    True
    >>> revision_marker("nien_giam_2024.xlsx", "Niên giám 2024") is None
    True
    """
    for where, text in (("file name", path), ("title", title)):
        key = _fold(text or "")
        for word, pattern in _revision_words():
            if pattern.search(key):
                return f"'{word}' in the {where}"
    return None


@dataclass(frozen=True)
class _Source:
    path: str
    kind: str  # published | synthetic | unlisted
    date: str  # ISO date or ""
    date_field: str  # published | received | ""
    revision: str | None

    @property
    def rank(self) -> tuple:
        # smaller wins: published first, then the newest date, then a named revision, then path
        return (
            0 if self.kind == "published" else 1,
            _neg_date(self.date),
            0 if self.revision else 1,
            self.path,
        )

    def describe_date(self) -> str:
        return f"{self.date_field} {self.date}" if self.date else "no date (not in SOURCES.yml)"


def _neg_date(iso: str) -> tuple[int, ...]:
    """Sort key that puts newer ISO dates first and a missing date last."""
    if not iso:
        return (1,)
    y, m, d = (int(x) for x in iso.split("-"))
    return (0, -y, -m, -d)


def _sources_by_path(sources: pd.DataFrame | None) -> dict[str, dict]:
    if sources is None or len(sources) == 0:
        return {}
    return {r["path"]: r for r in sources.to_dict("records")}


def _source(path: str, table: dict[str, dict]) -> _Source:
    row = table.get(path)
    if row is None:
        return _Source(path, "unlisted", "", "", revision_marker(path))
    published = row.get("published") or ""
    date, field = (published, "published") if published else (row.get("received") or "", "received")
    return _Source(
        path, row["kind"], date, field if date else "", revision_marker(path, row["title"])
    )


def _decide(winner: _Source, loser: _Source) -> tuple[str, str]:
    """Return ``(rule, reason)``: why *winner* beats *loser*."""
    if (winner.kind == "published") != (loser.kind == "published"):
        what = "a file not in SOURCES.yml" if loser.kind == "unlisted" else "synthetic"
        return "kind", f"published source over {what}"
    if winner.date != loser.date:
        return "date", (f"newer source: {winner.describe_date()} over {loser.describe_date()}")
    if bool(winner.revision) != bool(loser.revision):
        return "revision", f"revision named in the file ({winner.revision})"
    return "tie-break", (
        "unresolved: same kind, same date and no revision named; "
        "the first file by path is kept until a person decides"
    )


def resolve_conflicts(obs: pd.DataFrame, sources: pd.DataFrame | None = None) -> Resolution:
    """Apply the precedence between sources to the observations of a build.

    Parameters
    ----------
    obs : pandas.DataFrame
        Tidy observations (DESIGN §2), in the build's order.
    sources : pandas.DataFrame, optional
        The ``SOURCES.yml`` entries (:func:`bkanalysis.provenance.load_sources` columns);
        files it does not list count as synthetic without a date.

    Returns
    -------
    Resolution

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "admin_vintage": "2025", "year": 2025, "status": "actual",
    ...     "value": [73.34, 73.5], "source_file": ["a_old.xlsx", "b_new.xlsx"],
    ...     "source_sheet": "S", "source_cell": ["B2", "C3"]})
    >>> src = pd.DataFrame({"path": ["a_old.xlsx", "b_new.xlsx"], "kind": "synthetic",
    ...     "title": "T", "received": ["2024-05-01", "2026-03-15"], "published": ""})
    >>> res = resolve_conflicts(o, src)
    >>> res.observations["value"].tolist(), res.resolved, res.unresolved
    ([73.5], 1, 0)
    >>> res.superseded[["value", "winner_file", "rule"]].values.tolist()
    [[73.34, 'b_new.xlsx', 'date']]
    """
    if obs.empty:
        return Resolution(obs, _empty_superseded(obs), 0, 0)
    groups: dict[tuple, list[int]] = {}
    cols = [[None if v is None or v != v else v for v in obs[c].tolist()] for c in KEY]
    for i, k in enumerate(zip(*cols, strict=True)):
        groups.setdefault(k, []).append(i)
    values = obs["value"].round(9).tolist()
    files = obs["source_file"].tolist()
    sheets = obs["source_sheet"].tolist()
    cells = obs["source_cell"].tolist()
    raw_values = obs["value"].tolist()
    table = _sources_by_path(sources)
    known: dict[str, _Source] = {}
    losers: list[tuple[int, int, str, str]] = []  # (loser row, winner row, rule, reason)
    resolved = unresolved = 0
    for _k, g in sorted(
        ((k, g) for k, g in groups.items() if len(g) > 1), key=lambda kg: _sort_key(kg[0])
    ):
        if (
            len({files[i] for i in g}) < 2
            or len({values[i] for i in g if values[i] == values[i]}) < 2
        ):
            continue
        for f in {files[i] for i in g}:
            if f not in known:
                known[f] = _source(f, table)
        winner = min((known[files[i]] for i in g), key=lambda s: s.rank)
        w_rows = sorted(
            (i for i in g if files[i] == winner.path), key=lambda i: (sheets[i], cells[i])
        )
        w_values = {values[i] for i in w_rows}
        tie = False
        for i in sorted(g, key=lambda i: (files[i], sheets[i], cells[i])):
            if files[i] == winner.path or values[i] in w_values or values[i] != values[i]:
                continue
            rule, reason = _decide(winner, known[files[i]])
            tie = tie or rule == "tie-break"
            losers.append((i, w_rows[0], rule, reason))
        if tie:
            unresolved += 1
        else:
            resolved += 1
    if not losers:
        return Resolution(obs, _empty_superseded(obs), resolved, unresolved)
    lose_rows = [x[0] for x in losers]
    sup = obs.take(lose_rows).reset_index(drop=True)
    sup["winner_value"] = [raw_values[w] for _, w, _, _ in losers]
    sup["winner_file"] = [files[w] for _, w, _, _ in losers]
    sup["winner_sheet"] = [sheets[w] for _, w, _, _ in losers]
    sup["winner_cell"] = [cells[w] for _, w, _, _ in losers]
    sup["rule"] = [r for _, _, r, _ in losers]
    sup["reason"] = [r for _, _, _, r in losers]
    drop = set(lose_rows)
    kept = obs.take([i for i in range(len(obs)) if i not in drop]).reset_index(drop=True)
    return Resolution(kept, sup, resolved, unresolved)


def find_conflicts(obs: pd.DataFrame) -> pd.DataFrame:
    """Return the observations whose value conflicts with another file's.

    The rows of each group sharing :data:`KEY` whose values (rounded to 9 decimals, NaN
    aside) differ between different files; sorted by key, then file and cell.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"indicator_id": ["a", "a"], "area_code": ["06", "06"],
    ...     "admin_vintage": ["2020"] * 2, "year": [2020, 2020], "status": ["actual"] * 2,
    ...     "value": [1.0, 2.0], "source_file": ["x.xlsx", "y.xlsx"],
    ...     "source_sheet": ["S", "S"], "source_cell": ["B2", "C2"]})
    >>> find_conflicts(o)["source_file"].tolist()
    ['x.xlsx', 'y.xlsx']
    """
    if obs.empty:
        return obs.iloc[0:0]
    groups = obs.assign(_value=obs["value"].round(9)).groupby(KEY, dropna=False, sort=False)
    conflicting = (groups["source_file"].transform("nunique") > 1) & (
        groups["_value"].transform("nunique") > 1
    )
    rows = obs[conflicting.to_numpy()]
    return rows.sort_values([*KEY, "source_file", "source_cell"], kind="stable").reset_index(
        drop=True
    )


def _empty_superseded(obs: pd.DataFrame) -> pd.DataFrame:
    """Return an empty superseded table with the observations' columns and dtypes."""
    extra = {
        c: pd.Series(dtype="float64" if c == "winner_value" else "object") for c in SUPERSEDED_EXTRA
    }
    return obs.iloc[0:0].reset_index(drop=True).assign(**extra)


def _sort_key(key: tuple) -> tuple:
    """Sort key of a group key whose parts may be None (None first)."""
    return tuple((0, "") if v is None else (1, v) for v in key)


def conflicts_section(res) -> str:
    """Markdown section of ``validation.md``: every conflict with its winner and the reason.

    *res* is a :class:`bkanalysis.build_summary.BuildResult` (``superseded`` and the counts).
    """
    sup = res.superseded
    lines = [
        "## Conflicting values across files\n",
        f"{res.resolved_conflicts} resolved, {res.unresolved_conflicts} unresolved "
        f"(decided by the tie-break only: a person must decide); {len(sup)} superseded "
        "value(s), kept in `superseded.csv`. Rule: published over synthetic, then the newer "
        "source (SOURCES.yml `published`, else `received`), then a revision named in the "
        "file, then the first file by path (docs/data.md).\n",
    ]
    if sup is None or sup.empty:
        lines.append("_none_\n")
        return "\n".join(lines)
    cols = [*KEY, "value", "source_file", "source_cell", "winner_value", "winner_file"]
    cols += ["winner_cell", "rule", "reason"]
    lines.append(md_table(sup[cols]))
    return "\n".join(lines)

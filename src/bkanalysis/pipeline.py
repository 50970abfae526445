"""``bkanalysis build``: every workbook under ``data/raw/`` → tidy outputs + validation report.

Outputs (written atomically into ``data/processed/`` or ``--out``):

* ``observations.parquet`` and ``observations.csv`` (UTF-8 with BOM) — the tidy table;
* ``rejects.csv`` (UTF-8 with BOM) — every cell that did not become an observation, and
  one row per file that could not be read or sheet that could not be placed;
* ``superseded.parquet`` and ``superseded.csv`` — the values that lost a conflict between
  files (:mod:`bkanalysis.conflicts`), each with the winner's value, file, cell and the reason;
* ``validation.md`` — per file and sheet: layout, observations, rejects by reason, range
  problems, conflicts between files with their winner, and ``SOURCES.yml`` warnings.

``SOURCES.yml`` is checked first (:func:`bkanalysis.provenance.check_sources`): an error
stops the build before anything is read or written.

Raw files are only read. A bad file does not stop the build: it is reported (one line on
stderr, a row in ``rejects.csv``, a line in the report) and the build goes on.
"""

from __future__ import annotations

import operator
import os
import re
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .build_summary import BuildResult, NeedsReviewError, strict_problems
from .errors import BkError
from .mdtable import md_rows, md_table
from .observations import load_observations  # re-exported: its home is observations

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BuildResult", "build", "find_workbooks", "load_observations"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".px")
_KEY = ["indicator_id", "area_code", "admin_vintage", "year", "status"]


def find_workbooks(raw: str | os.PathLike) -> tuple[list[Path], list[Path]]:
    """Return ``(workbooks, other_files)`` under *raw*, sorted by relative path.

    Hidden files and folders, Office lock files (``~$*``), ``SOURCES.yml`` and the
    ``specs/`` folder and the researcher's ``aliases.csv`` are ignored; anything else that
    is not ``.xlsx``/``.xlsm``/``.xls`` or a ``.csv``/``.tsv``/``.px`` table is returned as *other_files* (reported, not read).
    """
    raw = Path(raw)
    books, others = [], []
    for p in sorted(raw.rglob("*"), key=lambda q: q.relative_to(raw).as_posix()):
        rel = p.relative_to(raw)
        if any(part.startswith(".") for part in rel.parts) or p.name.startswith("~$"):
            continue
        if rel.parts[0] == "specs" or (not p.is_file() and not p.is_symlink()):
            continue
        if p.is_dir():
            continue
        if rel.as_posix() in ("SOURCES.yml", "SOURCES.yaml", "README.md", "aliases.csv"):
            continue
        (books if p.suffix.lower() in WORKBOOK_SUFFIXES else others).append(p)
    return books, others


def build(
    raw: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    *,
    strict: bool = False,
    progress: bool = True,
) -> BuildResult:
    """Read every workbook under *raw* and write the tidy outputs into *out*.

    Parameters
    ----------
    raw : path-like, optional
        Folder of raw workbooks (default: ``get_paths().raw``). Its ``specs/`` folder holds
        the declarative sheet specs.
    out : path-like, optional
        Output folder (default: ``get_paths().processed``); created if needed.
    strict : bool, default False
        Fail on what needs a person (:func:`bkanalysis.build_summary.strict_problems`):
        raise :class:`~bkanalysis.build_summary.NeedsReviewError` once the outputs are
        written (they are the same as without *strict*).
    progress : bool, default True
        One line per file and a summary on stderr.

    Returns
    -------
    BuildResult

    Raises
    ------
    BkError
        If *raw* is not a folder, a sheet spec is malformed or ``SOURCES.yml`` has an
        error (:func:`bkanalysis.provenance.check_sources`; nothing is written then).
    NeedsReviewError
        With *strict*, when something needs review (the outputs are written).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "raw").mkdir()
    >>> res = build(d / "raw", d / "out", progress=False)
    >>> len(res.observations)
    0
    >>> sorted(p.name for p in (d / "out").iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['observations.csv', 'observations.parquet', 'rejects.csv', 'superseded.csv',
     'superseded.parquet', 'validation.md']
    """
    from ._gc import relaxed_gc

    with relaxed_gc():
        res = _build(raw, out, progress=progress)
    problems = strict_problems(res) if strict else []
    if problems:
        raise NeedsReviewError(res, problems)
    return res


def _build(raw, out, *, progress: bool) -> BuildResult:
    """Do the work of :func:`build` (called with fewer garbage-collector passes)."""
    import pandas as pd

    from .config import get_paths
    from .ingest.reader import SHEET_DTYPES, _frame
    from .ingest.specs import load_specs
    from .schema import (
        OBSERVATION_COLUMNS,
        REJECT_COLUMNS,
        empty_observations,
        validate_observations,
    )

    paths = get_paths() if raw is None or out is None else None
    raw = Path(raw) if raw is not None else paths.raw
    out = Path(out) if out is not None else paths.processed
    if not raw.is_dir():
        raise BkError(f"raw data folder not found: {raw}")
    specs = load_specs(raw / "specs") if (raw / "specs").is_dir() else []
    books, others = find_workbooks(raw)
    sources, source_problems = _checked_sources(raw, books, others)
    obs, rej, sheets, files = [], [], [], []
    t0 = time.perf_counter()
    for i, (path, (res, reason)) in enumerate(
        zip(books, _read_all(books, raw, specs), strict=True), 1
    ):
        rel = path.relative_to(raw).as_posix()
        if res is None:
            rej.append([(rel, "", "", "", f"unreadable file: {reason}")])  # REJECT_COLUMNS
            files.append(
                {
                    "source_file": rel,
                    "status": "failed",
                    "observations": 0,
                    "rejects": 1,
                    "message": reason,
                }
            )
            if progress:
                print(f"[{i}/{len(books)}] {rel}: FAILED: {reason}", file=sys.stderr)
            continue
        o, r, sh = res
        obs.append(o)
        rej.append(r)
        sheets.append(sh)
        files.append(
            {
                "source_file": rel,
                "status": "read",
                "observations": len(o),
                "rejects": len(r),
                "message": "",
            }
        )
        if progress:
            print(
                f"[{i}/{len(books)}] {rel}: {len(o)} observations, {len(r)} rejects",
                file=sys.stderr,
            )
    for p in others:
        files.append(
            {
                "source_file": p.relative_to(raw).as_posix(),
                "status": "skipped",
                "observations": 0,
                "rejects": 0,
                "message": "not a workbook (.xlsx/.xlsm/.xls) or table (.csv/.tsv/.px)",
            }
        )
    all_obs = _sorted_records([x for o in obs for x in o], OBSERVATION_COLUMNS, "indicator_id")
    obs_df = _frame(all_obs, OBSERVATION_COLUMNS) if all_obs else empty_observations()
    obs_df = validate_observations(obs_df)
    rej_df = _frame(
        _sorted_records([x for r in rej for x in r], REJECT_COLUMNS, "reason"),
        dict.fromkeys(REJECT_COLUMNS, "str"),
    )
    sheets_df = _frame([x for sh in sheets for x in sh], SHEET_DTYPES)
    files_df = pd.DataFrame(
        files, columns=["source_file", "status", "observations", "rejects", "message"]
    )
    conflicts = find_conflicts(obs_df)
    from .ingest.aliases import load_aliases

    res = _resolved(obs_df, rej_df, sheets_df, files_df, conflicts, out, sources, source_problems)
    report = validation_report(
        res.observations, rej_df, sheets_df, files_df, conflicts, res, aliases=load_aliases(raw)
    )
    _write_outputs(out, res.observations, rej_df, report, res.superseded)
    if progress:
        from .build_summary import summary_lines

        for line in summary_lines(res, time.perf_counter() - t0, len(books)):
            print(line, file=sys.stderr)
    return res


def _checked_sources(raw: Path, books: list[Path], others: list[Path]):
    """Check ``SOURCES.yml``; return ``(entries, warnings)`` or raise on an error."""
    from .provenance import ProvenanceError, check_sources

    sources, problems = check_sources(raw, [*books, *others], not_read=others)
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise ProvenanceError(
            f"{len(errors)} problem(s) in {raw / 'SOURCES.yml'} stop the build "
            "(nothing was read or written):\n" + "\n".join(f"  {e}" for e in errors)
        )
    return sources, problems


def _resolved(obs, rejects, sheets, files, conflicts, out, sources, problems) -> BuildResult:
    """Apply the precedence between sources; return the build's result."""
    from .conflicts import resolve_conflicts

    r = resolve_conflicts(obs, sources)
    return BuildResult(
        r.observations,
        rejects,
        sheets,
        files,
        conflicts,
        out,
        superseded=r.superseded,
        source_problems=problems,
        resolved_conflicts=r.resolved,
        unresolved_conflicts=r.unresolved,
    )


#: Read workbooks in this many processes when there are at least _PARALLEL_MIN of them
#: (environment variable ``BKANALYSIS_WORKERS``; 1 = in this process).
_PARALLEL_MIN = 200


def _read_one(path: Path, raw: Path, specs) -> tuple[object, str | None]:
    """Read one workbook; return ``(result, None)`` or ``(None, one-line reason)``."""
    from .errors import UnreadableFileError
    from .ingest.reader import workbook_records

    try:
        return workbook_records(path, raw_root=raw, specs=specs), None
    except UnreadableFileError as exc:
        reason = exc.reason
    except BkError as exc:
        reason = str(exc)
    except Exception as exc:
        reason = f"unexpected {type(exc).__name__}: {exc}"
    return None, " ".join(str(reason).split())


def _workers(n_files: int) -> int:
    env = os.environ.get("BKANALYSIS_WORKERS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise BkError(f"BKANALYSIS_WORKERS must be a whole number, got {env!r}") from None
    if n_files < _PARALLEL_MIN:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _read_all(books: list[Path], raw: Path, specs):
    """Yield ``(result, reason)`` for every workbook, in order (in parallel if many)."""
    workers = _workers(len(books))
    if workers == 1:
        for p in books:
            yield _read_one(p, raw, specs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        chunk = max(1, min(16, len(books) // (workers * 4)))
        yield from pool.map(
            _read_one, books, [raw] * len(books), [specs] * len(books), chunksize=chunk
        )


def _csv_bytes(df: pd.DataFrame) -> bytes:
    r"""Return CSV bytes as :func:`bkanalysis.io.write_csv_atomic` writes them (UTF-8 BOM).

    The same bytes as ``df.to_csv(index=False, lineterminator="\n")`` (pandas writes with
    the :mod:`csv` module too: minimal quoting, missing values as empty fields, floats by
    their shortest round-trip ``repr``), built from plain column lists, which is faster.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": ["x", 'say "hi", then\ngo', None], "b": [1, 2, 3],
    ...                    "c": [0.1 + 0.2, float("nan"), 1e-05]})
    >>> _csv_bytes(df) == ("\ufeff" + df.to_csv(index=False, lineterminator="\n")).encode()
    True
    >>> plain = pd.DataFrame({"a": ["Bắc Kạn", "x"], "b": [1, 2], "c": [0.5, True]})
    >>> _csv_bytes(plain) == ("\ufeff" + plain.to_csv(index=False, lineterminator="\n")).encode()
    True
    """
    import csv
    import io

    header = [str(c) for c in df.columns]
    # every field as the text pandas writes: str(x), floats by repr, missing values empty
    texts = [[v if v.__class__ is str else _csv_text(v) for v in df[c].tolist()] for c in df]
    if len(header) > 1 and not any(_CSV_SPECIAL.search("".join(col)) for col in [header, *texts]):
        # no field to quote (no comma, quote or line break anywhere): join the fields
        lines = [",".join(header), *map(",".join, zip(*texts, strict=True))]
        return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # quotes the fields that need it
    writer.writerow(header)
    writer.writerows(zip(*texts, strict=True))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


#: Characters that make the csv module quote a field (delimiter, quote, line breaks).
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_text(v) -> str:
    """Return the text pandas writes for the non-text field *v* ('' when missing)."""
    cls = v.__class__
    if cls is float:
        return "" if v != v else repr(v)
    if cls is int or cls is bool:
        return str(v)
    if v is None:
        return ""
    import pandas as pd

    return "" if pd.isna(v) is True else str(v)  # pd.NA, NaT, numpy scalars


def _write_outputs(
    out: Path, obs: pd.DataFrame, rejects: pd.DataFrame, report: str, superseded: pd.DataFrame
) -> None:
    """Write the six outputs all-or-nothing (:func:`bkanalysis.commit.write_together`).

    Every file goes to a temporary path first; the targets are replaced only once all of
    them were written, and a build killed while replacing them is completed by the next
    build or by :func:`load_observations`.
    """
    from .commit import write_together

    def parquet(df):
        return lambda p: df.to_parquet(p, index=False, engine="pyarrow")

    write_together(
        out,
        {
            "observations.parquet": parquet(obs),
            "observations.csv": lambda p: p.write_bytes(_csv_bytes(obs)),
            "rejects.csv": lambda p: p.write_bytes(_csv_bytes(rejects)),
            "superseded.parquet": parquet(superseded),
            "superseded.csv": lambda p: p.write_bytes(_csv_bytes(superseded)),
            "validation.md": lambda p: p.write_text(report, encoding="utf-8", newline="\n"),
        },
    )


@lru_cache(maxsize=65536)
def _cell_order(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", str(cell))
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)


def _sorted_records(records: list[tuple], columns, last: str) -> list[tuple]:
    """Return *records* (tuples in the order of *columns*) by file, sheet, cell and *last*.

    Cells sort by row, then column (``B10`` after ``C9``); missing text sorts first, as
    ``""``. The sort is stable, and the reader emits records nearly in this order already,
    which Python's sort finishes in about linear time.
    """
    names = list(columns)
    i_file, i_sheet = names.index("source_file"), names.index("source_sheet")
    i_cell, i_last = names.index("source_cell"), names.index(last)

    def key(rec: tuple) -> tuple:
        row, col = _cell_order(rec[i_cell])
        return (_text(rec[i_file]), _text(rec[i_sheet]), row, col, _text(rec[i_last]))

    return sorted(records, key=key)


def _text(v) -> str:
    return v if v.__class__ is str else ("" if v is None or v != v else str(v))


def find_conflicts(obs: pd.DataFrame) -> pd.DataFrame:
    """Return the observations whose value conflicts with another file's.

    Members of each group sharing indicator/area/vintage/year/status whose values differ
    between different files.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"indicator_id": ["a", "a"], "area_code": ["06", "06"],
    ...     "admin_vintage": ["2020"] * 2, "year": [2020, 2020], "status": ["actual"] * 2,
    ...     "value": [1.0, 2.0], "source_file": ["x.xlsx", "y.xlsx"],
    ...     "source_sheet": ["S", "S"], "source_cell": ["B2", "B2"]})
    >>> len(find_conflicts(o))
    2
    """
    if obs.empty:
        return obs.iloc[0:0]
    # group row positions by key in plain Python (keys are a few short texts and a year;
    # missing key parts group together, as groupby(dropna=False) does)
    missing = obs[_KEY].isna().any()
    keys = zip(
        *(_group_keys(obs[c].tolist()) if missing[c] else obs[c].tolist() for c in _KEY),
        strict=True,
    )
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        g = groups.get(k)
        if g is None:
            groups[k] = [i]
        else:
            g.append(i)
    values = obs["value"].round(9).tolist()
    files = obs["source_file"].tolist()
    cells = obs["source_cell"].tolist()
    conflicting = [
        (k, g)
        for k, g in groups.items()
        if len(g) > 1
        and len({files[i] for i in g}) > 1
        and len({values[i] for i in g if values[i] == values[i]}) > 1  # NaN aside
    ]
    # sorted by key, then file and cell, stable (as the rows of a group are in order)
    conflicting.sort(key=operator.itemgetter(0))
    rows = []
    for _k, g in conflicting:
        rows.extend(sorted(g, key=lambda i: (files[i], cells[i])))
    return obs.take(rows).reset_index(drop=True)


def _group_keys(values: list) -> list:
    """*values* with every missing value (None, NaN) as None, so that they group together."""
    return [None if v is None or v != v else v for v in values]


def _counted(keys) -> tuple[list[list], list[int]]:
    """Distinct *keys* (tuples) in sorted order as columns, and how often each occurs.

    Keys with a missing part are left out, as :meth:`pandas.DataFrame.groupby` does.
    """
    counts = Counter(k for k in keys if not any(x is None or x != x for x in k))
    distinct = sorted(counts)
    columns = [list(c) for c in zip(*distinct, strict=True)] if distinct else []
    return columns, [counts[k] for k in distinct]


def validation_report(obs, rejects, sheets, files, conflicts, res=None, *, aliases=()) -> str:
    """Render the validation report (Markdown) of a build (*res*: its :class:`BuildResult`).

    *aliases* are the researcher's alias rows (``data/raw/aliases.csv``) the build read.
    """
    out = ["# Validation report", ""]
    status = files["status"].tolist() if len(files) else []
    out.append(
        f"{status.count('read')} workbook(s) read, {status.count('failed')} failed, "
        f"{status.count('skipped')} other file(s) skipped; "
        f"{len(obs)} observations, {len(rejects)} rejects, {len(conflicts)} conflicting values."
    )
    out.append("")
    out.append("## Files\n")
    out.append(md_table(files))
    out.append("## Sheets and tables\n")
    out.append(md_table(sheets))
    out.append("## Labels matched other than exactly\n")
    from .review import inexact_matches_markdown

    out.append(inexact_matches_markdown(obs, aliases))
    out.append("## Rejects by file and reason\n")
    reasons = rejects["reason"].tolist() if len(rejects) else []
    if reasons:
        classes = [_reason_class(r) for r in reasons]
        keys = zip(
            rejects["source_file"].tolist(), rejects["source_sheet"].tolist(), classes, strict=True
        )
        columns, cells = _counted(keys)
        out.append(
            md_rows(["source_file", "source_sheet", "reason_class", "cells"], [*columns, cells])
        )
        out.append("\n### Distinct reasons\n")
        from .reject_reasons import classify_reason

        columns, cells = _counted((r, classify_reason(r)) for r in reasons)
        out.append(md_rows(["reason", "category", "cells"], [*columns, cells]))
    else:
        out.append("_none_\n")
    out.append("## Range problems\n")
    out_of_range = [isinstance(r, str) and r.startswith("out of range") for r in reasons]
    out.append(md_table(rejects[out_of_range]) if any(out_of_range) else "_none_\n")
    if res is not None:
        from .conflicts import conflicts_section

        out.append(conflicts_section(res))
        out.append("## Provenance (SOURCES.yml)\n")
        out.append("".join(f"- {p}\n" for p in res.source_problems) or "_none_\n")
    else:
        out.append("## Conflicting duplicates across files\n")
        if len(conflicts):
            cols = [*_KEY, "value", "source_file", "source_sheet", "source_cell"]
            out.append(md_table(conflicts[cols]))
        else:
            out.append("_none_\n")
    return "\n".join(out)


def _reason_class(reason: str) -> str:
    """Group a reject reason into its class (the text before any detail)."""
    r = str(reason)
    for sep in (" (", ": ", " '"):
        if sep in r:
            head = r.split(sep, 1)[0]
            if head:
                return head
    return r

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

A workbook unchanged since the last build (and read with the same specs, aliases,
package and libraries) is not read again: its records come from ``.read-cache/`` in the
output folder (:mod:`bkanalysis.read_cache`), so that one new workbook among many is read
alone; the outputs are the same as when every workbook is read.

Raw files are only read. A bad file does not stop the build: it is reported (one line on
stderr, a row in ``rejects.csv``, a line in the report) and the build goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._gc import relaxed_gc
from .build_summary import BuildResult, NeedsReviewError, strict_problems, summary_lines
from .commit import write_together
from .config import get_paths
from .conflicts import find_conflicts, resolve_conflicts
from .errors import BkError, UnreadableFileError
from .ingest.aliases import load_aliases
from .ingest.reader import SHEET_DTYPES, workbook_records
from .ingest.specs import load_specs
from .observations import (
    check_observations,
    load_observations,  # re-exported: its home is observations
    records_frame,
)
from .provenance import ProvenanceError, check_sources
from .read_cache import CACHE_DIR, ReadCache
from .schema import OBSERVATION_COLUMNS, REJECT_COLUMNS, empty_observations
from .validation import validation_report

__all__ = ["BuildResult", "build", "find_workbooks", "load_observations"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".px")
_FILE_COLUMNS = ["source_file", "status", "observations", "rejects", "message"]


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
    with relaxed_gc():
        res = _build(raw, out, progress=progress)
    problems = strict_problems(res) if strict else []
    if problems:
        raise NeedsReviewError(res, problems)
    return res


def _build(raw, out, *, progress: bool) -> BuildResult:
    """Do the work of :func:`build`: load, process, save (with fewer garbage-collector passes)."""
    t0 = time.perf_counter()
    raw, out = _folders(raw, out)
    specs = load_specs(raw / "specs") if (raw / "specs").is_dir() else []
    books, others = find_workbooks(raw)
    sources, source_problems = _checked_sources(raw, books, others)
    # load: every workbook to records (those unchanged since the last build from its cache)
    cache = ReadCache(out / CACHE_DIR, raw)
    reading = _read_books(books, raw, specs, progress=progress, cache=cache)
    reading.skip(others, raw)
    # process: the tables, the conflicts between files and which value wins
    obs = check_observations(reading.observations(), strict=True)
    rejects, sheets, files = reading.rejects(), reading.sheets(), reading.files()
    conflicts = find_conflicts(obs)
    resolution = resolve_conflicts(obs, sources)
    res = BuildResult(
        resolution.observations,
        rejects,
        sheets,
        files,
        conflicts,
        out,
        superseded=resolution.superseded,
        source_problems=source_problems,
        resolved_conflicts=resolution.resolved,
        unresolved_conflicts=resolution.unresolved,
    )
    # save: the outputs and the validation report, all or nothing
    report = validation_report(
        res.observations, rejects, sheets, files, conflicts, res=res, aliases=load_aliases(raw)
    )
    _write_outputs(out, res.observations, rejects, report, res.superseded)
    cache.prune()
    if progress:
        for line in summary_lines(res, time.perf_counter() - t0, len(books)):
            print(line, file=sys.stderr)
    return res


def _folders(raw, out) -> tuple[Path, Path]:
    """Return the raw and output folders (defaults: the configured ones); check *raw*."""
    paths = get_paths() if raw is None or out is None else None
    raw = Path(raw) if raw is not None else paths.raw
    out = Path(out) if out is not None else paths.processed
    if not raw.is_dir():
        raise BkError(f"raw data folder not found: {raw}")
    return raw, out


@dataclass
class _Reading:
    """What the workbooks of a build gave: records, rejects, sheets, one row per file."""

    obs: list[list[tuple]] = field(default_factory=list)
    rej: list[list[tuple]] = field(default_factory=list)
    sheet_rows: list[list[tuple]] = field(default_factory=list)
    file_rows: list[dict] = field(default_factory=list)

    def add(self, rel: str, result) -> str:
        """Keep one workbook's ``(observations, rejects, sheets)``; return its progress line."""
        o, r, sh = result
        self.obs.append(o)
        self.rej.append(r)
        self.sheet_rows.append(sh)
        self.file_rows.append(
            dict(zip(_FILE_COLUMNS, (rel, "read", len(o), len(r), ""), strict=True))
        )
        return f"{len(o)} observations, {len(r)} rejects"

    def fail(self, rel: str, reason: str) -> str:
        """Keep an unreadable workbook: one reject row and a failed file row."""
        self.rej.append([(rel, "", "", "", f"unreadable file: {reason}")])  # REJECT_COLUMNS
        self.file_rows.append(dict(zip(_FILE_COLUMNS, (rel, "failed", 0, 1, reason), strict=True)))
        return f"FAILED: {reason}"

    def skip(self, others: list[Path], raw: Path) -> None:
        """Note the files that are no workbook or table (reported, not read)."""
        why = "not a workbook (.xlsx/.xlsm/.xls) or table (.csv/.tsv/.px)"
        for p in others:
            rel = p.relative_to(raw).as_posix()
            self.file_rows.append(
                dict(zip(_FILE_COLUMNS, (rel, "skipped", 0, 0, why), strict=True))
            )

    def observations(self) -> pd.DataFrame:
        records = _sorted_records(
            [x for o in self.obs for x in o], OBSERVATION_COLUMNS, "indicator_id"
        )
        return records_frame(records, OBSERVATION_COLUMNS) if records else empty_observations()

    def rejects(self) -> pd.DataFrame:
        records = _sorted_records([x for r in self.rej for x in r], REJECT_COLUMNS, "reason")
        return records_frame(records, dict.fromkeys(REJECT_COLUMNS, "str"))

    def sheets(self) -> pd.DataFrame:
        return records_frame([x for sh in self.sheet_rows for x in sh], SHEET_DTYPES)

    def files(self) -> pd.DataFrame:
        return pd.DataFrame(self.file_rows, columns=_FILE_COLUMNS)


def _read_books(
    books: list[Path], raw: Path, specs, *, progress: bool, cache: ReadCache | None = None
) -> _Reading:
    """Read every workbook (one line each on stderr with *progress*).

    With *cache*, a workbook unchanged since the last build (with the same specs,
    aliases, package and libraries) gives the records it gave then, without being read.
    """
    reading = _Reading()
    known = {path: cache.get(path) for path in books} if cache is not None else {}
    fresh = _read_all([p for p in books if known.get(p) is None], raw, specs)
    for i, path in enumerate(books, 1):
        rel = path.relative_to(raw).as_posix()
        result = known.get(path)
        if result is not None:
            line = reading.add(rel, result) + " (unchanged: kept from the last build)"
        else:
            result, reason = next(fresh)
            if result is None:
                line = reading.fail(rel, reason)
            else:
                line = reading.add(rel, result)
                if cache is not None:
                    cache.put(path, result)
        if progress:
            print(f"[{i}/{len(books)}] {rel}: {line}", file=sys.stderr)
    return reading


def _checked_sources(raw: Path, books: list[Path], others: list[Path]):
    """Check ``SOURCES.yml``; return ``(entries, warnings)`` or raise on an error."""
    sources, problems = check_sources(raw, [*books, *others], not_read=others)
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise ProvenanceError(
            f"{len(errors)} problem(s) in {raw / 'SOURCES.yml'} stop the build "
            "(nothing was read or written):\n" + "\n".join(f"  {e}" for e in errors)
        )
    return sources, problems


#: Read workbooks in this many processes when there are at least _PARALLEL_MIN of them
#: (environment variable ``BKANALYSIS_WORKERS``; 1 = in this process).
_PARALLEL_MIN = 200


def _read_one(path: Path, raw: Path, specs) -> tuple[object, str | None]:
    """Read one workbook; return ``(result, None)`` or ``(None, one-line reason)``."""
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
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        chunk = max(1, min(16, len(books) // (workers * 4)))
        yield from pool.map(
            _read_one, books, [raw] * len(books), [specs] * len(books), chunksize=chunk
        )


def _write_outputs(
    out: Path, obs: pd.DataFrame, rejects: pd.DataFrame, report: str, superseded: pd.DataFrame
) -> None:
    """Write the six outputs all-or-nothing (:func:`bkanalysis.commit.write_together`).

    Every file goes to a temporary path first; the targets are replaced only once all of
    them were written, and a build killed while replacing them is completed by the next
    build or by :func:`load_observations`.
    """

    def parquet(df):
        return lambda p: df.to_parquet(p, index=False, engine="pyarrow")

    def csv(df):  # UTF-8 with BOM, so that Excel shows the diacritics
        return lambda p: df.to_csv(p, index=False, lineterminator="\n", encoding="utf-8-sig")

    write_together(
        out,
        {
            "observations.parquet": parquet(obs),
            "observations.csv": csv(obs),
            "rejects.csv": csv(rejects),
            "superseded.parquet": parquet(superseded),
            "superseded.csv": csv(superseded),
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
    """Return *v* as text for sorting: missing (None, NaN) as ``""``."""
    if isinstance(v, str):
        return v
    return "" if v is None or v != v else str(v)

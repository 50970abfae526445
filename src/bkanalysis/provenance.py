"""Provenance of the raw files: the reader of ``data/raw/SOURCES.yml``.

Every raw workbook is described once in ``SOURCES.yml`` (who published or generated
it, when it was received, its SHA-256 and its citations)::

    files:
      - path: published/bac_kan_forest_published.xlsx   # relative to data/raw
        title: "…"
        publisher: "…"          # published files
        kind: published         # published | synthetic
        received: 2026-11-24
        published: 2026-11-20   # optional: the date the source was published
        sha256: "…"
        sources: ["https://…"]  # citations; may be empty for synthetic files
        generator: "scripts/make_example_data.py --seed 1635"   # synthetic files
        note: "…"

Figures and tables use it to say where their numbers come from and to mark anything
derived from synthetic (or undocumented) input as illustrative.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from .config import get_paths
from .digests import sha256_file
from .errors import BkError

__all__ = [
    "SOURCES_FILE",
    "SOURCE_COLUMNS",
    "SourceProblem",
    "check_sources",
    "describe_sources",
    "is_synthetic",
    "load_sources",
    "parse_sources",
    "source_entry_digests",
    "verify_hashes",
]

#: Name of the provenance file inside ``data/raw``.
SOURCES_FILE = "SOURCES.yml"
#: Columns of :func:`load_sources` (``sources`` holds a tuple of citations).
SOURCE_COLUMNS: tuple[str, ...] = (
    "path",
    "title",
    "publisher",
    "kind",
    "received",
    "published",
    "sha256",
    "sources",
    "generator",
    "note",
)
_KINDS = ("published", "synthetic")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KNOWN_KEYS = set(SOURCE_COLUMNS)


class ProvenanceError(BkError, ValueError):
    """``SOURCES.yml`` is missing or malformed."""


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value).strip())


def _norm_path(path: str) -> str:
    """Return *path* as a normalised POSIX path relative to ``data/raw``."""
    text = _nfc(path).replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return str(PurePosixPath(text)) if text else text


def _entry(raw: Any, index: int, origin: str) -> dict[str, Any]:
    """Validate one entry of ``files`` and return it as a row."""
    path, where = _entry_path(raw, index, origin)
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise ProvenanceError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    kind = raw.get("kind")
    if kind not in _KINDS:
        raise ProvenanceError(
            f"{where}: 'kind' must be published or synthetic, got {kind!r}; write "
            "kind: published (values as published, each cited) or kind: synthetic (generated)"
        )
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ProvenanceError(
            f"{where}: 'title' is missing or empty; write title: \"<the table's title>\""
        )
    received = _date(raw.get("received"), where, "received")
    if received is None:
        raise ProvenanceError(
            f"{where}: 'received' is missing; write the date the file arrived, "
            "e.g. received: 2026-03-15"
        )
    published = _date(raw.get("published"), where, "published")
    sha = _entry_sha256(raw.get("sha256"), where, path)
    sources = _entry_sources(raw.get("sources", []), where)
    publisher, generator = _entry_origin(raw, where, kind, sources)
    note = raw.get("note") or ""
    return {
        "path": path,
        "title": _nfc(title),
        "publisher": _nfc(publisher),
        "kind": kind,
        "received": received.isoformat(),
        "published": published.isoformat() if published is not None else "",
        "sha256": sha,
        "sources": tuple(_nfc(s) for s in sources),
        "generator": _nfc(generator),
        "note": _nfc(note),
    }


def _entry_path(raw: Any, index: int, origin: str) -> tuple[str, str]:
    """Return an entry's path (relative to data/raw, normalised) and how to name the entry."""
    if not isinstance(raw, dict):
        raise ProvenanceError(f"{origin}: files[{index}] is not a mapping ({raw!r})")
    path = raw.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ProvenanceError(f"{origin}: files[{index}]: 'path' is missing or empty")
    path = _norm_path(path)
    where = f"{origin}: entry {path!r}"
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", path):
        raise ProvenanceError(f"{where}: 'path' must be relative to data/raw, got {path!r}")
    return path, where


def _entry_sha256(sha: Any, where: str, path: str) -> str:
    """Return the entry's sha256 (64 hexadecimal digits, lower case)."""
    if isinstance(sha, int | float):
        # NOTE: YAML reads an all-digit hash as a number; it must be quoted.
        raise ProvenanceError(
            f"{where}: 'sha256' must be a quoted string of 64 hexadecimal digits; "
            'write sha256: "<output of sha256sum>" with the quotes'
        )
    if not isinstance(sha, str) or not _SHA256.match(sha.strip().lower()):
        raise ProvenanceError(
            f"{where}: 'sha256' must be 64 hexadecimal digits, got {sha!r}; "
            f'write sha256: "<output of sha256sum data/raw/{path}>"'
        )
    return sha.strip().lower()


def _entry_sources(sources: Any, where: str) -> list[str]:
    """Return the entry's citations (a list of non-empty texts; none is an empty list)."""
    if sources is None:
        return []
    if isinstance(sources, str) or not isinstance(sources, list):
        raise ProvenanceError(
            f"{where}: 'sources' must be a list of citations, got {sources!r}; "
            'write sources: ["<URL or publication, table, page>"]'
        )
    if not all(isinstance(s, str) and s.strip() for s in sources):
        raise ProvenanceError(
            f"{where}: 'sources' holds an empty or non-text citation; "
            'write each citation as quoted text: sources: ["https://…"]'
        )
    return sources


def _entry_origin(raw: dict, where: str, kind: str, sources: list) -> tuple[str, str]:
    """Return (publisher, generator): published needs a publisher and a citation."""
    publisher = raw.get("publisher") or ""
    generator = raw.get("generator") or ""
    if not isinstance(publisher, str) or not isinstance(generator, str):
        raise ProvenanceError(
            f"{where}: 'publisher' and 'generator' must be text; write them in quotes"
        )
    if kind == "published":
        if not publisher.strip():
            raise ProvenanceError(
                f"{where}: 'publisher': a published file needs a 'publisher'; "
                'write publisher: "<the office that published it>"'
            )
        if not sources:
            raise ProvenanceError(
                f"{where}: 'sources': a published file needs at least one citation; write "
                'sources: ["<URL, or publication with table and page>"] (or kind: synthetic '
                "if the values are not published)"
            )
    elif not generator.strip():
        raise ProvenanceError(
            f"{where}: 'generator': a synthetic file needs a 'generator'; "
            'write generator: "<script and seed that made it>"'
        )
    return publisher, generator


def _date(value: Any, where: str, field: str) -> _dt.date | None:
    """Return the date *value* of *field* (None when absent), or raise naming the field."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ProvenanceError(
        f"{where}: '{field}' must be a date YYYY-MM-DD, got {value!r}; write e.g. {field}: 2026-03-15"
    )


def parse_sources(text: str, *, origin: str = SOURCES_FILE) -> pd.DataFrame:
    r"""Parse and validate the YAML text of a ``SOURCES.yml``.

    Parameters
    ----------
    text : str
        YAML text with a top-level ``files`` list.
    origin : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per file, columns :data:`SOURCE_COLUMNS`, sorted by path.

    Raises
    ------
    BkError
        Naming the malformed entry and field.

    Examples
    --------
    >>> text = '''
    ... files:
    ...   - path: synthetic/commune_ntm.xlsx
    ...     title: Example NTM table
    ...     kind: synthetic
    ...     received: 2026-11-24
    ...     sha256: "''' + "0" * 64 + '''"
    ...     generator: scripts/make_example_data.py --seed 1635
    ... '''
    >>> parse_sources(text)[["path", "kind"]].to_dict("records")
    [{'path': 'synthetic/commune_ntm.xlsx', 'kind': 'synthetic'}]
    >>> parse_sources("files:\n  - path: a.xlsx\n    kind: real\n")
    Traceback (most recent call last):
    ...
    bkanalysis.provenance.ProvenanceError: SOURCES.yml: entry 'a.xlsx': 'kind' must be ...
    """
    rows, errors = _parse_entries(text, origin)
    if errors:
        raise errors[0]
    return _table(rows)


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS))
    return df.sort_values("path", kind="stable").reset_index(drop=True)


def _parse_entries(text: str, origin: str) -> tuple[list[dict[str, Any]], list[ProvenanceError]]:
    """Return the valid entries of the YAML *text* and one error per invalid entry."""
    try:
        # the C loader (libyaml) when available: same safe subset, ~10x faster
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        msg = " ".join(str(exc).split())
        return [], [ProvenanceError(f"{origin}: not valid YAML ({msg})")]
    if not isinstance(doc, dict) or "files" not in doc:
        return [], [
            ProvenanceError(
                f"{origin}: expected a mapping with a 'files' list; start the file with "
                "files: and list one entry per raw file under it"
            )
        ]
    files = doc["files"] or []
    if not isinstance(files, list):
        return [], [ProvenanceError(f"{origin}: 'files' must be a list (entries start with -)")]
    rows, errors = [], []
    for i, item in enumerate(files):
        try:
            rows.append(_entry(item, i, origin))
        except ProvenanceError as exc:
            # NOTE: keep the path of a bad entry, so that its file is not also "unlisted"
            named = item.get("path") if isinstance(item, dict) else None
            exc.path = _norm_path(named) if isinstance(named, str) else None
            errors.append(exc)
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row["path"] in seen:
            errors.append(
                ProvenanceError(
                    f"{origin}: entry {row['path']!r} is listed twice; keep one entry per file"
                )
            )
            continue
        seen.add(row["path"])
        unique.append(row)
    return unique, errors


def _raw_dir(raw: str | Path | None) -> Path:
    if raw is None:
        return get_paths().raw
    return Path(raw)


def load_sources(raw: str | Path | None = None, *, missing_ok: bool = False) -> pd.DataFrame:
    """Read and validate ``<raw>/SOURCES.yml``.

    Parameters
    ----------
    raw : path, optional
        The raw-data folder (default: ``get_paths().raw``).
    missing_ok : bool, default False
        Return an empty table instead of raising when the file does not exist.

    Returns
    -------
    pandas.DataFrame
        One row per described file, columns :data:`SOURCE_COLUMNS`.

    Raises
    ------
    BkError
        If the file is missing (unless *missing_ok*) or an entry is malformed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> load_sources(d, missing_ok=True).empty
    True
    """
    path = _raw_dir(raw) / SOURCES_FILE
    if not path.is_file():
        if missing_ok:
            return pd.DataFrame(columns=list(SOURCE_COLUMNS))
        raise ProvenanceError(f"{path}: no provenance file (every raw file must be described)")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        # NOTE: every exported figure asks for its sources; read the file once per change
        _LOADED.clear()
        _LOADED[key] = parse_sources(path.read_text(encoding="utf-8"), origin=str(path))
    return _LOADED[key].copy()


_LOADED: dict[tuple[str, int, int], pd.DataFrame] = {}


def _source_list(source_files: Iterable[str] | str) -> list[str]:
    if isinstance(source_files, str):
        source_files = [source_files]
    out = set()
    for item in source_files:
        if item is None or (isinstance(item, float) and item != item):
            out.add("")
            continue
        out.add(_norm_path(item))
    return sorted(out)


def _sources_or_load(sources: pd.DataFrame | None) -> pd.DataFrame:
    return load_sources(missing_ok=True) if sources is None else sources


def is_synthetic(source_files: Iterable[str] | str, sources: pd.DataFrame | None = None) -> bool:
    """Return True if any of *source_files* is synthetic or not described in SOURCES.yml.

    Conservative on purpose: a file nobody has documented cannot be presented as real
    data, so an unknown (or empty) source file counts as synthetic, and so does an
    empty list of files.

    Parameters
    ----------
    source_files : str or iterable of str
        Paths relative to ``data/raw`` (the ``source_file`` column of observations).
    sources : pandas.DataFrame, optional
        The output of :func:`load_sources` (default: read it from ``data/raw``).

    Examples
    --------
    >>> import pandas as pd
    >>> src = pd.DataFrame({"path": ["pub/a.xlsx", "syn/b.xlsx"],
    ...                     "kind": ["published", "synthetic"]})
    >>> is_synthetic(["pub/a.xlsx"], src)
    False
    >>> is_synthetic(["pub/a.xlsx", "syn/b.xlsx"], src)
    True
    >>> is_synthetic(["somewhere/else.xlsx"], src)
    True
    """
    files = _source_list(source_files)
    if not files:
        return True
    table = _sources_or_load(sources)
    kinds = dict(zip(table["path"], table["kind"], strict=True))
    return any(kinds.get(f) != "published" for f in files)


_WORDS = {
    "vi": {
        "synthetic": "dữ liệu tổng hợp minh hoạ",
        "synthetic_n": "{n} tệp dữ liệu tổng hợp minh hoạ",
        "unknown": "không rõ nguồn (chưa có trong SOURCES.yml)",
    },
    "en": {
        "synthetic": "synthetic illustrative data",
        "synthetic_n": "{n} files of synthetic illustrative data",
        "unknown": "source unknown (not in SOURCES.yml)",
    },
}


def describe_sources(
    source_files: Iterable[str] | str,
    sources: pd.DataFrame | None = None,
    lang: str = "vi",
    *,
    citations: bool = False,
) -> list[str]:
    """Return short lines naming the sources of *source_files*, for a figure footer.

    One line per published file (``title, publisher``, with its citations if
    *citations*); the synthetic files in one line naming their generator(s); the files
    unknown to SOURCES.yml in one line that says so.

    Parameters
    ----------
    source_files : str or iterable of str
        Paths relative to ``data/raw`` (the ``source_file`` column of observations).
    sources : pandas.DataFrame, optional
        The output of :func:`load_sources` (default: read it from ``data/raw``).
    lang : {'vi', 'en'}
    citations : bool, default False
        Append each published file's citations (URLs) in parentheses.

    Examples
    --------
    >>> import pandas as pd
    >>> src = pd.DataFrame([{"path": "pub/a.xlsx", "title": "Niên giám 2023",
    ...     "publisher": "Cục Thống kê Bắc Kạn", "kind": "published",
    ...     "received": "2026-11-24", "sources": ("https://example.org/nien-giam",),
    ...     "generator": "", "note": ""}])
    >>> describe_sources(["pub/a.xlsx", "x.xlsx"], src, lang="en")
    ['Niên giám 2023, Cục Thống kê Bắc Kạn', 'x.xlsx: source unknown (not in SOURCES.yml)']
    >>> describe_sources(["pub/a.xlsx"], src, citations=True)
    ['Niên giám 2023, Cục Thống kê Bắc Kạn (https://example.org/nien-giam)']
    """
    if lang not in _WORDS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    words = _WORDS[lang]
    table = _sources_or_load(sources)
    by_path = {row["path"]: row for row in table.to_dict("records")}
    lines: list[str] = []
    synthetic: list[dict] = []
    unknown: list[str] = []
    for f in _source_list(source_files):
        row = by_path.get(f)
        if row is None:
            unknown.append(f or "?")
        elif row.get("kind") == "published":
            text = row["title"]
            if row.get("publisher"):
                text += f", {row['publisher']}"
            cites = tuple(row.get("sources") or ())
            if citations and cites:
                text += f" ({'; '.join(cites)})"
            lines.append(text)
        else:
            synthetic.append(row)
    if len(synthetic) == 1:
        row = synthetic[0]
        gen = row.get("generator") or ""
        lines.append(f"{row['title']}: {words['synthetic']}" + (f" ({gen})" if gen else ""))
    elif synthetic:
        gens = sorted({r.get("generator") or "" for r in synthetic} - {""})
        lines.append(
            words["synthetic_n"].format(n=len(synthetic))
            + (f" ({'; '.join(gens)})" if gens else "")
        )
    if unknown:
        lines.append(f"{', '.join(unknown)}: {words['unknown']}")
    return list(dict.fromkeys(lines))


_DATA_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}


def verify_hashes(raw: str | Path | None = None) -> pd.DataFrame:
    r"""Compare every raw file with its SHA-256 in SOURCES.yml.

    Returns
    -------
    pandas.DataFrame
        Columns ``path, problem, expected_sha256, actual_sha256``; one row per
        problem: ``missing`` (listed, not on disk), ``mismatch`` (hash differs) or
        ``unlisted`` (a workbook/CSV in ``data/raw`` that SOURCES.yml does not
        describe). Empty when everything matches.

    Examples
    --------
    >>> import tempfile, pathlib, hashlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_bytes(b"x,y\n")
    >>> sha = hashlib.sha256(b"x,y\n").hexdigest()
    >>> _ = (d / "SOURCES.yml").write_text(
    ...     "files:\n  - path: a.csv\n    title: A\n    kind: synthetic\n"
    ...     f"    received: 2026-11-24\n    sha256: {sha}\n    generator: test\n")
    >>> verify_hashes(d).empty
    True
    >>> _ = (d / "a.csv").write_bytes(b"changed")
    >>> verify_hashes(d)["problem"].tolist()
    ['mismatch']
    """
    root = _raw_dir(raw)
    table = load_sources(root)
    rows = []
    for row in table.itertuples(index=False):
        path = root / row.path
        if not path.is_file():
            rows.append((row.path, "missing", row.sha256, ""))
            continue
        actual = sha256_file(path)
        if actual != row.sha256:
            rows.append((row.path, "mismatch", row.sha256, actual))
    listed = set(table["path"])
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (
            path.is_file()
            and path.suffix.lower() in _DATA_SUFFIXES
            and not any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)
            and _norm_path(rel) not in listed
        ):
            rows.append((_norm_path(rel), "unlisted", "", sha256_file(path)))
    return pd.DataFrame(rows, columns=["path", "problem", "expected_sha256", "actual_sha256"])


#: Files of ``data/raw`` that are the researcher's corrections, not raw data (DESIGN §6).
_NOT_RAW = {"aliases.csv"}


@dataclass(frozen=True)
class SourceProblem:
    """One problem found in ``SOURCES.yml`` by :func:`check_sources`.

    Attributes
    ----------
    severity : {'error', 'warning', 'notice'}
        ``error`` stops the build; ``warning`` is reported, the build goes on and
        ``--strict`` fails; ``notice`` (no ``SOURCES.yml`` at all: a scratch folder) is
        only reported.
    message : str
        One line naming the file, the field and what to write.
    """

    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def _relative(path: str | Path, root: Path) -> str:
    """*path* relative to *root* when it lies under it (as given otherwise), POSIX form."""
    p = Path(path)
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def check_sources(
    raw: str | Path, files: Iterable[str | Path], *, not_read: Iterable[str | Path] = ()
) -> tuple[pd.DataFrame, list[SourceProblem]]:
    r"""Check ``<raw>/SOURCES.yml`` against the files found under *raw*, all problems at once.

    Errors (the build stops before reading anything):

    * the file is not valid YAML or has no ``files`` list;
    * an entry that :func:`load_sources` would refuse (bad ``kind``, missing ``title``,
      a published file without ``publisher`` or citations, …): every figure asks for its
      sources, so such an entry would make every notebook fail after the build;
    * a listed file whose SHA-256 differs: the file is not the one described (raw files
      are never edited), so its provenance would be claimed for other numbers.

    Warnings (the build goes on and reports them; ``--strict`` fails on them):

    * a file under *raw* that no entry lists: it is read, so that a new workbook is not
      lost, and its values count as of unknown source (illustrative) until it is listed;
    * a listed file that is not under *raw*.

    A notice (reported only): no ``SOURCES.yml`` at all, as in a scratch folder (every file
    is then of unknown source).

    Parameters
    ----------
    raw : path
        The raw-data folder.
    files : iterable of path
        The files found under *raw* (paths under *raw*, or relative to it).
    not_read : iterable of path, optional
        Those of *files* that the build does not read (not workbooks): an unlisted one is
        reported without the remark that its values are of unknown source.

    Returns
    -------
    (pandas.DataFrame, list of SourceProblem)
        The valid entries (columns :data:`SOURCE_COLUMNS`) and the problems, errors first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.xlsx").write_bytes(b"x")
    >>> _ = (d / "SOURCES.yml").write_text(
    ...     "files:\n  - path: a.xlsx\n    title: A\n    kind: published\n"
    ...     "    publisher: P\n    received: 2026-03-15\n    sources: []\n"
    ...     '    sha256: "' + "0" * 64 + '"\n')
    >>> table, problems = check_sources(d, [d / "a.xlsx"])
    >>> [p.severity for p in problems]
    ['error']
    >>> "citation" in problems[0].message and "a.xlsx" in problems[0].message
    True
    """
    root = Path(raw)
    rels = sorted({_norm_path(_relative(f, root)) for f in files})
    skipped = {_norm_path(_relative(f, root)) for f in not_read}
    rels = [r for r in rels if PurePosixPath(r).name not in _NOT_RAW]
    path = root / SOURCES_FILE
    if not path.is_file():
        problems = []
        if rels:
            problems.append(
                SourceProblem(
                    "notice",
                    f"{SOURCES_FILE}: not found in {root}; every file is of unknown source: "
                    "create it with one entry per file (docs/data.md, 'Adding a new year's "
                    "workbook')",
                )
            )
        return _table([]), problems
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{SOURCES_FILE}: cannot be read ({exc}); save it as UTF-8 text"
        return _table([]), [SourceProblem("error", msg)]
    rows, errors = _parse_entries(text, SOURCES_FILE)
    problems = [SourceProblem("error", str(e)) for e in errors]
    listed = {getattr(e, "path", None) for e in errors} | {row["path"] for row in rows}
    hashes, missing = _check_listed_files(rows, root)
    unlisted = [_unlisted(rel, root, read=rel not in skipped) for rel in rels if rel not in listed]
    return _table(rows), problems + hashes + missing + unlisted


def _check_listed_files(rows: list[dict], root: Path) -> tuple[list, list]:
    """Return (an error per listed file whose hash differs, a warning per missing file)."""
    errors, warnings = [], []
    for row in rows:
        target = root / row["path"]
        if not target.is_file():
            warnings.append(
                SourceProblem(
                    "warning",
                    f"{SOURCES_FILE}: entry {row['path']!r}: 'path': no such file under "
                    f"{root.name}/; restore the file, correct the path or remove the entry",
                )
            )
            continue
        actual = sha256_file(target)
        if actual != row["sha256"]:
            errors.append(
                SourceProblem(
                    "error",
                    f"{SOURCES_FILE}: entry {row['path']!r}: 'sha256': the file's hash is "
                    f"{actual}, not the one listed; if the file is a new copy as received, "
                    f'write sha256: "{actual}" and its received date; if it was edited, '
                    "restore the original (raw files are never edited)",
                )
            )
    return errors, warnings


def _unlisted(rel: str, root: Path, *, read: bool) -> SourceProblem:
    """Return the warning of a file under *root* that no entry lists, with the entry to add."""
    what = "(read, but of unknown source); " if read else "(not read: not a workbook); "
    return SourceProblem(
        "warning",
        f"{SOURCES_FILE}: {rel!r} is not listed "
        + what
        + f"add an entry: path: {rel}, title, kind, received, "
        f'sha256: "{sha256_file(root / rel)}", and publisher + sources (published) '
        "or generator (synthetic)",
    )


def source_entry_digests(raw: str | Path | None = None) -> dict[str, str]:
    """``{file: digest of its SOURCES.yml entry}`` (what a figure's footer cites of it).

    An unreadable ``SOURCES.yml`` gives ``{"*": digest of the whole file}``: every file
    then counts as changed whenever the file changes. No file, no entries.
    """
    path = Path(raw if raw is not None else get_paths().raw) / SOURCES_FILE
    if not path.is_file():
        return {}
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _ENTRY_DIGESTS:
        # NOTE: every deferred figure asks (for its recipe): read the file once per change
        _ENTRY_DIGESTS.clear()
        _ENTRY_DIGESTS[key] = _entry_digests(path)
    return dict(_ENTRY_DIGESTS[key])


_ENTRY_DIGESTS: dict[tuple[str, int, int], dict[str, str]] = {}


def _entry_digests(path: Path) -> dict[str, str]:
    import json

    def digest(obj: object) -> str:
        text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        return {str(e["path"]): digest(e) for e in data.get("files", [])}
    except (ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError):
        return {"*": hashlib.sha256(path.read_bytes()).hexdigest()}

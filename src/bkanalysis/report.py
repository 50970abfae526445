"""``bkanalysis report``: build the data, execute the notebooks, export figures and tables.

The report is a small, cached pipeline of steps, each run only when its inputs changed:

1. **build** – ``data/raw`` → ``data/processed`` (:func:`bkanalysis.pipeline.build`),
   skipped when every raw file and the package source are unchanged since the last build
   and the processed observations exist;
2. **notebooks** – every ``notebooks/NN-*.ipynb``, in each language asked for, executed
   with papermill (parameters ``lang`` and ``year``), all of them reading one assessment
   of the targets computed here (:func:`bkanalysis.notebook.assessment`); the executed
   notebook, its
   HTML and the figures it exports (:func:`bkanalysis.plotting.save_figure`) go first to
   a staging folder of their own and are swapped into ``reports/<lang>/notebooks`` and
   ``reports/<lang>/figures`` only when the notebook succeeded (a journal makes the swap
   all or nothing, even across a kill). A failed notebook leaves its previous outputs
   and manifest rows as they were;
3. **progress workbook** – ``reports/progress.xlsx`` from the assessment of every target.

The cache ``reports/.report-cache.json`` records, per language and notebook, the SHA-256
of its inputs (the notebook file, the package source, the parameters, the boundaries), a
fingerprint of the observations it reads (per indicator and year: the indicators of
the themes it declares in its metadata, or all), the SHA-256 of every file it published
and its manifest rows. A notebook is rerun only when one of these changed, when one of
its outputs is missing or was changed by something else than the report, or when it
failed last time; ``force=True`` redoes everything. The manifest of a language folder is
rewritten from the recorded rows, and files in the report's folders that no notebook of
the report made (e.g. from a hand run) are moved to ``reports/scratch/stray/``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .commit import finish_commit
from .config import (
    ASSESSMENT_ENV,
    EXPORT_ENV,
    FIGURE_FORMATS,
    FORMATS_ENV,
    LANGS,
    MANIFEST_COLUMNS,
    NOTEBOOK_ENV,
    RECIPE_ENV,
    REUSE_ENV,
    Paths,
    get_paths,
    parse_formats,
)
from .digests import digest as _digest
from .digests import is_hidden as _is_hidden
from .digests import package_digest as _source_digest
from .digests import sha256_file as _sha256_file
from .digests import tree_hashes as _tree_hashes
from .errors import BkError
from .io import write_bytes_atomic, write_text_atomic

__all__ = [
    "CACHE_NAME",
    "KERNEL_NAME",
    "NotebookRun",
    "ReportResult",
    "list_notebooks",
    "notebook_reads",
    "report",
    "shared_assessment",
    "skip_slow_optional_imports",
]

CACHE_NAME = ".report-cache.json"
KERNEL_NAME = "python3"
_CACHE_FORMAT = 2
_STAGING = ".staging"
#: What the report writes of each figure besides its CSV unless told (``--formats``): the
#: 300-dpi PNG. The vector formats draw every figure twice more (benchmarks/README.md).
REPORT_FORMATS: tuple[str, ...] = ("png",)
_NOTEBOOK_PATTERN = re.compile(r"^\d\d-[\w-]+\.ipynb$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
IMAGE_SUFFIXES = tuple(f".{fmt}" for fmt in FIGURE_FORMATS)


@dataclass(frozen=True)
class NotebookRun:
    """What happened to one notebook during a report.

    ``status`` is ``executed``, ``skipped`` (inputs unchanged, outputs present) or
    ``failed``; ``error`` is the one-line reason of a failure, ``reason`` why the notebook
    was rerun (or skipped), ``failed_notebook`` the executed notebook of a failed run
    (kept aside in ``reports/scratch/failed/<lang>/``; None when the kernel stopped before
    the notebook could be written; *output* is the report's copy from the last successful
    run).
    """

    name: str
    status: str
    seconds: float
    output: Path
    html: Path
    error: str | None = None
    lang: str = "vi"
    reason: str = ""
    failed_notebook: Path | None = None


@dataclass(frozen=True)
class ReportResult:
    """Summary of one ``bkanalysis report`` run."""

    built: bool
    progress_workbook: Path | None
    notebooks: tuple[NotebookRun, ...] = field(default_factory=tuple)
    figures: tuple[Path, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    workbook_error: str | None = None
    langs: tuple[str, ...] = ("vi",)

    @property
    def executed(self) -> list[str]:
        """Names of the notebooks executed in this run."""
        return [n.name for n in self.notebooks if n.status == "executed"]

    @property
    def skipped(self) -> list[str]:
        """Names of the notebooks skipped because nothing they depend on changed."""
        return [n.name for n in self.notebooks if n.status == "skipped"]

    @property
    def failed(self) -> list[NotebookRun]:
        """The notebooks that raised an error."""
        return [n for n in self.notebooks if n.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no notebook failed and the progress workbook was written."""
        return not self.failed and self.workbook_error is None


# --------------------------------------------------------------------------- hashing
# --------------------------------------------------------------------------- cache
def _load_cache(path: Path) -> dict:
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(cache, dict) or cache.get("format") != _CACHE_FORMAT:
        return {}
    return cache


def _save_cache(path: Path, cache: dict) -> None:
    write_text_atomic(path, json.dumps(cache, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- helpers
def list_notebooks(folder: Path) -> list[Path]:
    """Return the report notebooks of *folder* (``NN-name.ipynb``), in name order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["01-b.ipynb", "00-a.ipynb", "scratch.ipynb", "_x.ipynb"]:
    ...     _ = (d / n).write_text("{}")
    >>> [p.name for p in list_notebooks(d)]
    ['00-a.ipynb', '01-b.ipynb']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BkError(f"notebook folder not found: {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file() and _NOTEBOOK_PATTERN.match(p.name))


class _Progress:
    """One line per step on a stream, with its timing (silent when disabled)."""

    def __init__(self, enabled: bool, total: int, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.total = total
        self.step = 0
        self.stream = stream if stream is not None else sys.stderr

    def start(self, label: str, *, announce: bool = True) -> float:
        self.step += 1
        self.label = label
        if self.enabled and not announce:
            return time.perf_counter()
        if self.enabled:
            print(f"[{self.step}/{self.total}] {label} …", end=" ", file=self.stream, flush=True)
        return time.perf_counter()

    def done(self, t0: float, note: str, *, announced: bool = True) -> float:
        seconds = time.perf_counter() - t0
        if self.enabled and not announced:
            print(
                f"[{self.step}/{self.total}] {self.label}: {note} ({seconds:.1f} s)",
                file=self.stream,
                flush=True,
            )
        elif self.enabled:
            print(f"{note} ({seconds:.1f} s)", file=self.stream, flush=True)
        return seconds


def _kernel_env(paths: Paths) -> dict[str, str]:
    """Environment of the notebook kernels: the same folders as *paths*, no display."""
    return {
        # NOTE: headless like Agg, but figures are also embedded in the executed notebook
        # and its HTML (with plain Agg, plt.show() would leave the notebook without charts)
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "BKANALYSIS_ROOT": str(paths.root),
        "BKANALYSIS_RAW": str(paths.raw),
        "BKANALYSIS_PROCESSED": str(paths.processed),
        "BKANALYSIS_EXTERNAL": str(paths.external),
        "BKANALYSIS_BOUNDARIES": str(paths.boundaries),
        "BKANALYSIS_GEO_MIRROR": str(paths.geo_mirror),
        "BKANALYSIS_REPORTS": str(paths.reports),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def _last_seconds(cache_notebooks: dict, name: str) -> float:
    """Seconds the notebook *name* took when last executed (0 if unknown)."""
    try:
        return float(cache_notebooks.get(name, {}).get("seconds", 0.0))
    except (TypeError, ValueError):
        return 0.0


def _expected_seconds(path: Path) -> float:
    """Seconds a notebook says it takes (``metadata.bkanalysis.expected_seconds``; 0 if none).

    Only orders the notebooks of a first report, before any has been timed: the longest
    start first, so that two workers finish together.
    """
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        return float(meta.get("bkanalysis", {}).get("expected_seconds", 0.0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def _default_jobs() -> int:
    """Notebooks executed at once: ``BKANALYSIS_JOBS``, else the CPU count (at most 8).

    Each worker keeps one warm kernel (:mod:`bkanalysis.kernels`) and runs its notebooks
    one after another, the longest first: one kernel per core starts and imports once
    and leaves no core idle for long. (With a fresh kernel per notebook, twice as many
    kernels as cores had been faster, because a starting kernel leaves its core idle.)
    Each kernel takes about 0.3–0.5 GB of memory.
    """
    env = os.environ.get("BKANALYSIS_JOBS", "")
    if env.strip():
        if not env.strip().isdigit() or int(env) < 1:
            raise BkError(f"BKANALYSIS_JOBS must be a positive integer, got {env!r}")
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


def skip_slow_optional_imports() -> None:
    """Keep papermill's import fast in a process that runs notebooks only.

    jsonschema (imported by nbformat) loads ``rfc3987_syntax``, when installed, only for
    its optional ``iri`` format check; that import compiles a grammar and takes ~2 s.
    Notebook validation never checks that format, so a report process marks the module
    as absent (jsonschema then skips the check). Done only when jsonschema is not loaded
    yet, i.e. in a fresh worker or command process.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@contextlib.contextmanager
def _environ(env: dict[str, str]):
    """Set *env* in ``os.environ`` (inherited by a kernel started inside); restore after."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_notebook(
    source: str, out_dir: str, params: dict, cwd: str, env: dict[str, str]
) -> tuple[float, str | None]:
    """Execute one notebook; return (seconds, one-line error or None).

    Runs in a worker process, or in this process when one notebook at a time is run;
    *env* is set only while the kernel starts and runs.
    """
    with _environ(env):  # inherited by the kernel started below
        return _timed_notebook(source, out_dir, params, cwd)


def _worker_run_notebook(
    source: str, out_dir: str, params: dict, cwd: str, env: dict[str, str]
) -> tuple[float, str | None]:
    """Entry point of a worker process (see :func:`_run_notebook`)."""
    skip_slow_optional_imports()
    return _run_notebook(source, out_dir, params, cwd, env)


def _worker_warm(env: dict[str, str]) -> None:
    """Entry point of a worker started before the build: start its kernel (:func:`_kernel`).

    Never fails: whatever goes wrong here happens again, and is reported, when the
    worker runs its first notebook.
    """
    skip_slow_optional_imports()
    try:
        with _environ(env):  # inherited by the kernel started here
            _kernel()
    except Exception:  # see the docstring
        pass


def _kernel():
    """Return this process's warm kernel, started on first use.

    A new kernel is told to import what every notebook imports
    (:data:`bkanalysis.kernels.PRELOAD`) without waiting for it; papermill and nbconvert
    are imported here while the kernel starts.
    """
    from .kernels import PRELOAD, has_kernel, preload, warm_kernel

    new = not has_kernel(KERNEL_NAME)
    km = warm_kernel(KERNEL_NAME)
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    if new:
        with contextlib.suppress(Exception):  # the notebook imports them all the same
            preload(km, PRELOAD)
    return km


def _timed_notebook(source: str, out_dir: str, params: dict, cwd: str) -> tuple[float, str | None]:
    t0 = time.perf_counter()
    name = Path(source).stem
    try:
        _execute_notebook(
            Path(source),
            Path(out_dir) / f"{name}.ipynb",
            Path(out_dir) / f"{name}.html",
            params,
            cwd=Path(cwd),
        )
    except Exception as exc:
        return time.perf_counter() - t0, _error_line(exc)
    return time.perf_counter() - t0, None


def _error_line(exc: BaseException) -> str:
    """One line naming the failing cell and its error."""
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.PapermillExecutionError
        evalue = _ANSI.sub("", str(getattr(exc, "evalue", "") or "")).strip()
        first = evalue.splitlines()[0] if evalue else ""
        cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", "?")
        return f"cell In[{cell}]: {ename}: {first}".rstrip(": ")
    text = _ANSI.sub("", str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _execute_notebook(source: Path, output: Path, html: Path, params: dict, cwd: Path) -> None:
    """Execute *source* into *output* and export *html*; raise on a failing cell.

    The notebook runs in this process's warm kernel (:mod:`bkanalysis.kernels`), reset
    first to the state of a fresh one. The executed notebook is written even when a cell
    fails, so the user can open it.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from .kernels import prepare

    km = _kernel()
    prepare(km, str(cwd))

    error: BaseException | None = None
    output.parent.mkdir(parents=True, exist_ok=True)
    # papermill wants an .ipynb name; the partial file is renamed into place at the end
    fd, name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=".ipynb", dir=output.parent)
    os.close(fd)
    tmp = Path(name)
    nb = None
    try:
        # NOTE: request_save_on_cell_execute=False: papermill writes the notebook once, at
        # the end (or at a failing cell, with its error marked), not after every cell: the
        # file is a staging one nobody watches, and each save re-validated and re-encoded
        # the whole notebook with its pictures (0.8 of the worker's 2 CPU-s for 02-waste)
        nb = papermill.execute_notebook(
            str(source),
            str(tmp),
            parameters=params,
            kernel_name=KERNEL_NAME,
            language="python",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            report_mode=False,
            request_save_on_cell_execute=False,
            km=km,  # nbclient leaves a kernel it did not start running
        )
    except Exception as exc:  # a failing cell: keep the executed notebook, then re-raise
        error = exc
    if nb is None and tmp.is_file() and tmp.stat().st_size > 0:
        nb = nbformat.read(tmp, as_version=4)
    if nb is not None:
        for cell in nb.cells:
            # NOTE: papermill gives the cell it injects a random id; a fixed one keeps the
            # HTML of the same notebook with the same inputs byte-identical
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        nbformat.write(nb, tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes the file private
        tmp.replace(output)
    else:
        tmp.unlink(missing_ok=True)
        raise error if error is not None else BkError(f"papermill wrote nothing for {source.name}")
    body, _ = HTMLExporter().from_notebook_node(nb)
    write_text_atomic(html, body)
    if error is not None:
        raise error


def _build(paths: Paths, progress: bool) -> None:
    from .pipeline import build

    build(raw=paths.raw, out=paths.processed, strict=False, progress=progress)


def _assessment_key(observations, year: int) -> str:
    """Fingerprint of an assessment's inputs: every row and column of *observations*, *year*."""
    import pandas as pd

    hashed = pd.util.hash_pandas_object(observations, index=False).to_numpy().tobytes()
    return _digest([hashlib.sha256(hashed).hexdigest(), list(observations.columns), int(year)])


def _assess_once(paths: Paths, year: int | None, shared: Path | None):
    """Assess the targets once for the progress workbook and every notebook.

    Returns ``(observations, assessment)``; with *shared*, also saves the assessment there
    (pickled with its :func:`_assessment_key`) for :func:`shared_assessment`.
    """
    import pickle

    from .observations import load_observations
    from .progress import assess

    observations = load_observations(paths.processed)
    real = observations.loc[observations["status"] != "plan", "year"]
    as_of = year if year is not None or real.empty else int(real.max())
    assessment = assess(observations, as_of=as_of)
    if shared is not None and as_of is not None:
        saved = {"key": _assessment_key(observations, as_of), "assessment": assessment}
        write_bytes_atomic(shared, pickle.dumps(saved))
    return observations, assessment


def shared_assessment(observations, year: int):
    """Return the assessment ``bkanalysis report`` computed for *observations* and *year*.

    None outside a report (``BKANALYSIS_ASSESSMENT`` unset), or when the report assessed
    other observations or another year: the caller then assesses them itself.
    """
    import pickle

    path = os.environ.get(ASSESSMENT_ENV, "").strip()
    if not path or not Path(path).is_file():
        return None
    # NOTE: the file is the report's own, written in its staging folder for this run
    saved = pickle.loads(Path(path).read_bytes())
    return saved["assessment"] if saved.get("key") == _assessment_key(observations, year) else None


def _assessment_workbook(target: Path, observations, assessment) -> None:
    from .progress import write_progress_workbook

    write_progress_workbook(assessment, target, source_files=observations["source_file"].unique())


# --------------------------------------------------------------------------- what a notebook reads
def notebook_reads(path: Path) -> dict:
    """Return what the notebook *path* declares it reads, from its metadata.

    A report notebook declares, in its metadata ``bkanalysis.reads``, either ``"all"``
    (every observation, e.g. the overview) or ``{"themes": [...], "indicators": [...]}``:
    the indicators of those themes of the catalog, the listed indicators, and the weights
    of their aggregation rules (``weighted_mean:<weight id>``). A notebook without the
    declaration reads everything.

    Returns
    -------
    dict
        ``{"all": True}`` or ``{"all": False, "indicators": [sorted ids]}``.
    """
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError) as exc:
        raise BkError(f"{path}: not a readable notebook ({exc})") from None
    spec = (meta.get("bkanalysis") or {}).get("reads", "all")
    if spec == "all":
        return {"all": True}
    if not isinstance(spec, dict) or set(spec) - {"themes", "indicators"}:
        raise BkError(
            f'{Path(path).name}: metadata bkanalysis.reads must be "all" or '
            '{"themes": [...], "indicators": [...]}'
        )
    from .catalog import load_indicators, with_weights

    catalog = load_indicators()
    themes = set(spec.get("themes") or [])
    unknown = themes - set(catalog["theme"])
    if unknown:
        raise BkError(f"{Path(path).name}: unknown theme(s) in bkanalysis.reads: {sorted(unknown)}")
    ids = set(catalog.loc[catalog["theme"].isin(themes), "id"]) | set(spec.get("indicators") or [])
    ids = with_weights(ids)
    return {"all": False, "indicators": sorted(ids)}


def _observation_fingerprints(observations: Path, raw: Path) -> tuple[dict[str, str], int | None]:
    """Fingerprint the observations per ``"<indicator_id> <year>"``; return the default year.

    A fingerprint covers every column of the group's rows (areas, values, statuses,
    provenance) and the ``SOURCES.yml`` entries of their files, independent of row order.
    The default year is the one the notebooks assess when ``year`` is None: the latest
    year of an observation that is not a plan.
    """
    if not observations.is_file():
        return {}, None
    import numpy as np
    import pandas as pd

    df = pd.read_parquet(observations)
    if df.empty or not {"indicator_id", "year"} <= set(df.columns):
        return {"observations": _sha256_file(observations)}, None
    from .provenance import source_entry_digests

    entries = source_entry_digests(raw)
    hashed = pd.util.hash_pandas_object(df, index=False).to_numpy()
    keys = df["indicator_id"].astype(str) + " " + df["year"].astype(str)
    files = df["source_file"].astype(str) if "source_file" in df.columns else None
    out: dict[str, str] = {}
    for key, index in sorted(keys.groupby(keys, sort=False).indices.items()):
        h = hashlib.sha256(np.sort(hashed[index]).tobytes())  # row order does not count
        if files is not None:
            cited = sorted(set(files.iloc[index]))
            h.update(_digest([entries.get(f, entries.get("*", "")) for f in cited]).encode())
        out[key] = h.hexdigest()
    year = None
    if "status" in df.columns:
        years = df.loc[df["status"].astype(str) != "plan", "year"]
        year = int(years.max()) if len(years) else None
    return out, year


def _select_reads(fingerprints: dict[str, str], reads: dict) -> dict[str, str]:
    if reads.get("all"):
        return dict(fingerprints)
    wanted = set(reads["indicators"])
    return {k: v for k, v in fingerprints.items() if k.split(" ", 1)[0] in wanted}


def _list_some(keys: list[str], limit: int = 3) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" (+{len(keys) - limit} more)" if len(keys) > limit else "")


def _why_rerun(old: dict, new: dict, lang_dir: Path) -> str | None:
    """Why a notebook must run again (None: its outputs stand)."""
    if not old:
        return "not run before"
    if old.get("failed"):
        return f"failed last time ({old['failed']})"
    return _inputs_changed(old, new) or _reads_changed(old, new) or _outputs_changed(old, lang_dir)


def _inputs_changed(old: dict, new: dict) -> str | None:
    """Return what changed among the notebook's code, parameters, boundaries, kernel, year."""
    labels = {
        "notebook": "the notebook changed",
        "source": "the bkanalysis package changed",
        "params": "other parameters",
        "boundaries": "the commune boundaries changed",
        "kernel": "another kernel",
        "formats": "other figure formats",
    }
    for part, label in labels.items():
        if old.get("inputs", {}).get(part) != new["inputs"][part]:
            if part == "formats" and old.get("inputs"):
                was = ", ".join(old["inputs"].get(part) or ["png", "svg", "pdf"])
                return f"{label}: {', '.join(new['inputs'][part])} (was {was})"
            return label
    if new["inputs"]["params"]["year"] is None and old.get("year") != new["year"]:
        return f"the latest year with data is now {new['year']} (was {old.get('year')})"
    return None


def _reads_changed(old: dict, new: dict) -> str | None:
    """Which of the observations the notebook reads are new, changed or gone."""
    before, after = old.get("reads", {}), new["reads"]
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    removed = sorted(set(before) - set(after))
    parts = []
    if added:
        parts.append(f"new values for {_list_some(added)}")
    if changed:
        parts.append(f"changed values for {_list_some(changed)}")
    if removed:
        parts.append(f"no more values for {_list_some(removed)}")
    return "; ".join(parts) or None


def _outputs_changed(old: dict, lang_dir: Path) -> str | None:
    """Which outputs the notebook published last time are missing or were changed since."""
    missing, tampered = [], []
    stats = old.get("stat", {})
    for rel, digest in sorted(old.get("outputs", {}).items()):
        path = lang_dir / rel
        if not path.is_file():
            missing.append(rel)
        elif _stat(path) != stats.get(rel) and _sha256_file(path) != digest:
            # NOTE: the same size and modification time as when the report wrote it means
            # the same file; otherwise its content decides
            tampered.append(rel)
    if missing:
        return f"outputs missing: {_list_some(missing)}"
    if tampered:
        return f"outputs changed outside the report: {_list_some(tampered)}"
    return None


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


# --------------------------------------------------------------------------- transactions
def _staged_files(staging: Path) -> dict[str, Path]:
    """Files a notebook wrote into its staging folder, by path relative to the language folder."""
    out = {}
    for path in sorted(staging.rglob("*")):
        rel = path.relative_to(staging)
        if (
            path.is_file()
            and not _is_hidden(rel)
            and rel.as_posix() != "figures/manifest.csv"
            and not rel.name.endswith(".lock")
        ):
            out[rel.as_posix()] = path
    return out


def _staged_rows(staging: Path, name: str, lang: str) -> list[dict[str, str]]:
    """Return the manifest rows the notebook *name* wrote in *staging*, as the report keeps them."""
    manifest = staging / "figures" / "manifest.csv"
    if not manifest.is_file():
        return []
    # NOTE: read as text: plotting.read_manifest would import matplotlib into the report
    with manifest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        {**{c: row.get(c) or "" for c in MANIFEST_COLUMNS}, "notebook": name, "lang": lang}
        for row in rows
    ]


def _write_manifest(lang_dir: Path, records: dict) -> None:
    """Write ``figures/manifest.csv`` from the rows of the notebooks' records (if it differs).

    The CSV is written as pandas writes it (UTF-8 with BOM, minimal quoting, LF).
    """
    rows = [row for name in sorted(records) for row in records[name].get("rows", [])]
    # NOTE: two notebooks may export the same figure (same name, same files): one row
    rows.sort(key=lambda r: (str(r.get("name", "")), str(r.get("notebook", ""))))
    seen: set[str] = set()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        if row.get("name") in seen:
            continue
        seen.add(row.get("name"))
        writer.writerow([str(row.get(c, "")) for c in MANIFEST_COLUMNS])
    target = lang_dir / "figures" / "manifest.csv"
    data = "\ufeff".encode() + buf.getvalue().encode("utf-8")
    if not (target.is_file() and target.read_bytes() == data):
        write_bytes_atomic(target, data)


def _apply_journal(lang_dir: Path, journal: dict, records: dict) -> None:
    """Move a committed notebook's staged files into place and update *records*.

    Idempotent: after a kill, applying the same journal again finishes the swap.
    """
    name, record = journal["name"], journal["record"]
    staging = Path(journal["staging"])
    for rel in sorted(record["outputs"]):
        src = staging / rel
        if src.is_file():
            dst = lang_dir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.replace(dst)
    others = {rel for n, r in records.items() if n != name for rel in r.get("outputs", {})}
    old = records.get(name, {})
    for rel in sorted(set(old.get("outputs", {})) - set(record["outputs"]) - others):
        (lang_dir / rel).unlink(missing_ok=True)
    # a file two notebooks export is the report's whichever wrote it last
    for n, r in records.items():
        for rel in set(r.get("outputs", {})) & set(record["outputs"]):
            if n != name:
                r["outputs"][rel] = record["outputs"][rel]
                r.setdefault("stat", {})[rel] = record.get("stat", {}).get(rel)
                # the fingerprint always goes with the file it describes
                r.setdefault("fingerprints", {}).pop(rel, None)
                if rel in record.get("fingerprints", {}):
                    r["fingerprints"][rel] = record["fingerprints"][rel]
                # a recipe no longer describes a file the other notebook wrote
                for fig in [f for f, st in r.get("recipes", {}).items() if _names(st, rel)]:
                    del r["recipes"][fig]
    records[name] = record


def _recipe_files(stamp: dict) -> list[str]:
    """Return the outputs (``figures/<file>``) a recipe stamp's manifest row names."""
    files = str((stamp.get("row") or {}).get("files", "")).split(";")
    return [f"figures/{f}" for f in files if f]


def _names(stamp: dict, rel: str) -> bool:
    """Whether the recipe *stamp* names the output *rel* among its files."""
    return rel in _recipe_files(stamp)


def _link_previous_images(lang_dir: Path, old: dict, staging: Path) -> Path:
    """Link the figure files the notebook published last time into ``<staging>/.reuse``.

    Each image goes with the fingerprint of the figure it was drawn from
    (``<file>.fingerprint``): ``save_figure`` copies it instead of drawing a figure
    whose fingerprint is the same. A deferred figure's files (images, CSV) go with its
    recipe stamp (``<name>.recipe``): ``save_figure`` copies them, and does not even
    draw the figure, when its recipe is the same. Only files still as the report wrote
    them (size and modification time, else SHA-256) are linked: the report never copies
    a file it did not make.
    """
    reuse = staging / ".reuse"
    reuse.mkdir(parents=True, exist_ok=True)
    outputs = old.get("outputs", {})
    fingerprints = old.get("fingerprints", {})
    linked: set[str] = set()

    def link(rel: str) -> bool:
        if rel not in linked:
            path = lang_dir / rel
            if not path.is_file() or rel not in outputs:
                return False
            if _stat(path) != old.get("stat", {}).get(rel) and _sha256_file(path) != outputs[rel]:
                return False
            try:
                os.link(path, reuse / Path(rel).name)
            except OSError:
                shutil.copy2(path, reuse / Path(rel).name)
            linked.add(rel)
        return True

    images = [r for r in outputs if r.startswith("figures/") and r.endswith(IMAGE_SUFFIXES)]
    for rel in images:
        if rel in fingerprints and link(rel):
            (reuse / f"{Path(rel).name}.fingerprint").write_text(
                fingerprints[rel], encoding="ascii"
            )
    for name, stamp in old.get("recipes", {}).items():
        files = _recipe_files(stamp)
        if files and all(link(rel) for rel in files):
            (reuse / f"{name}.recipe").write_text(
                json.dumps(stamp, sort_keys=True), encoding="utf-8"
            )
    return reuse


def _staged_fingerprints(staging: Path, files: dict[str, Path]) -> dict[str, str]:
    """Return ``{image path: fingerprint of the figure drawn}`` of a notebook's staged images."""
    stamps = staging / "figures" / ".fingerprints"
    out = {}
    for rel in files:
        path = Path(rel)
        stamp = stamps / path.stem
        if rel.startswith("figures/") and rel.endswith(IMAGE_SUFFIXES) and stamp.is_file():
            out[rel] = stamp.read_text(encoding="ascii").strip()
    return out


def _staged_recipes(staging: Path, files: dict[str, Path]) -> dict[str, dict]:
    """Return ``{figure name: recipe stamp}`` of a notebook's staged deferred figures.

    A stamp (see ``bkanalysis.plotting.export._copy_previous``) is kept only when every
    file its manifest row names was staged.
    """
    stamps = staging / "figures" / ".recipes"
    out = {}
    for stamp in sorted(stamps.glob("*")) if stamps.is_dir() else []:
        try:
            data = json.loads(stamp.read_text(encoding="utf-8"))
            names = _recipe_files(data)
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        if names and all(rel in files for rel in names):
            out[stamp.name] = data
    return out


def _journal_dir(lang_dir: Path) -> Path:
    return lang_dir / ".journal"


def _commit(lang_dir: Path, journal: dict, records: dict, save) -> None:
    """Swap a succeeded notebook's staged outputs in, all or nothing (journal, then moves)."""
    jpath = _journal_dir(lang_dir) / f"{journal['name']}.json"
    write_text_atomic(jpath, json.dumps(journal, sort_keys=True, ensure_ascii=False))
    _apply_journal(lang_dir, journal, records)
    save()
    _write_manifest(lang_dir, records)
    jpath.unlink(missing_ok=True)
    shutil.rmtree(journal["staging"], ignore_errors=True)


def _recover(lang_dir: Path, staging_root: Path, records: dict, save) -> list[str]:
    """Finish the swaps a killed report had committed; drop staging it had not. Return names."""
    done = []
    jdir = _journal_dir(lang_dir)
    for jpath in sorted(jdir.glob("*.json")) if jdir.is_dir() else []:
        try:
            journal = json.loads(jpath.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            jpath.unlink(missing_ok=True)  # torn write: the swap had not started
            continue
        _apply_journal(lang_dir, journal, records)
        save()
        _write_manifest(lang_dir, records)
        jpath.unlink(missing_ok=True)
        shutil.rmtree(journal["staging"], ignore_errors=True)
        done.append(journal["name"])
    shutil.rmtree(staging_root, ignore_errors=True)
    return done


def _set_aside_strays(lang_dir: Path, scratch: Path, records: dict) -> list[str]:
    """Move files of the language folder that no notebook of the report made to *scratch*."""
    made = {rel for r in records.values() for rel in r.get("outputs", {})}
    moved = []
    for sub in ("figures", "notebooks"):
        folder = lang_dir / sub
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            rel = path.relative_to(lang_dir)
            if (
                not path.is_file()
                or rel.as_posix() in made
                or rel.as_posix() == "figures/manifest.csv"
            ):
                continue
            if _is_hidden(rel.relative_to(sub)):
                continue
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            moved.append(rel.as_posix())
    return moved


# --------------------------------------------------------------------------- report
def _langs_of(lang: str) -> tuple[str, ...]:
    if lang == "all":
        return LANGS
    if lang not in LANGS:
        raise BkError(f"lang must be one of {(*LANGS, 'all')}, got {lang!r}")
    return (lang,)


def report(  # noqa: PLR0913 - a documented public API: one keyword per option
    *,
    lang: str = "vi",
    force: bool = False,
    progress: bool = True,
    year: int | None = None,
    paths: Paths | None = None,
    jobs: int | None = None,
    stream: TextIO | None = None,
    explain: bool = False,
    formats: str | tuple[str, ...] = REPORT_FORMATS,
) -> ReportResult:
    """Build the data, execute every notebook and export figures and the progress workbook.

    Parameters
    ----------
    lang : {'vi', 'en', 'all'}
        Language of the notebooks' figures and text; ``'all'``: both, side by side in
        ``reports/vi/`` and ``reports/en/``.
    force : bool
        Redo every step even if its inputs are unchanged.
    progress : bool
        Print one line per step, with its timing, on *stream* (default stderr).
    year : int, optional
        Year the notebooks assess (papermill parameter); default: the latest year with data.
    paths : bkanalysis.config.Paths, optional
        Folders to use (default :func:`bkanalysis.config.get_paths`). The notebook kernels
        are started with the matching ``BKANALYSIS_*`` environment variables.
    jobs : int, optional
        Notebooks executed at the same time, each worker with its own warm kernel
        (default ``BKANALYSIS_JOBS`` or the number of CPUs, at most 8).
    stream : file-like, optional
        Where progress lines go.
    explain : bool
        Also print, for each notebook, whether it reran and why.
    formats : str or tuple of str, default ``'png'``
        Image formats of the figures besides their CSV: ``'png'`` (300 dpi, what the
        brief inserts), or a comma-separated list of ``png``, ``svg``, ``pdf``, or
        ``'all'``. The vector formats (SVG, PDF with embedded fonts, for print and
        layout software) each draw the figure again: about half of a first report's
        time. Changing the formats reruns the notebooks; files of formats no longer
        asked for are removed.

    Returns
    -------
    ReportResult
        What was built, executed, skipped or failed. A failing notebook does not raise
        (its previous outputs are kept): check :attr:`ReportResult.ok`.

    Raises
    ------
    BkError
        If *lang* or *year* is invalid, the notebook folder is missing, or the build fails.

    Examples
    --------
    >>> report(lang="fr")
    Traceback (most recent call last):
    ...
    bkanalysis.errors.BkError: lang must be one of ('vi', 'en', 'all'), got 'fr'
    """
    langs = _langs_of(lang)
    try:
        formats = parse_formats(formats if isinstance(formats, str) else ",".join(formats))
    except ValueError as exc:
        raise BkError(f"formats: {exc}") from None
    if year is not None and not isinstance(year, int):
        raise BkError(f"year must be an integer, got {year!r}")
    paths = paths or get_paths()
    t_start = time.perf_counter()
    with _report_lock(paths.reports):
        notebooks = list_notebooks(paths.notebooks)
        run = _Run(
            langs, force, progress, year, paths, jobs,
            steps=_Progress(progress, total=2 + len(langs) * len(notebooks), stream=stream),
            cache=_open_cache(paths), source=_source_digest(), formats=formats,
        )  # fmt: skip
        return _report(run, notebooks, explain=explain, t_start=t_start)


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) is not a probe on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextlib.contextmanager
def _report_lock(reports: Path):
    """Hold ``reports/.report.lock``: two reports never swap outputs in the same folders.

    A lock left by a process that no longer runs (killed) is taken over.
    """
    reports.mkdir(parents=True, exist_ok=True)
    lock = reports / ".report.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid):
                raise BkError(
                    f"another bkanalysis report (process {pid}) is writing to {reports}; "
                    f"wait for it, or delete {lock} if no report is running"
                ) from None
            lock.unlink(missing_ok=True)  # left by a killed report
            continue
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))
        break
    else:  # pragma: no cover - lost the race twice
        raise BkError(f"could not take {lock}")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


@dataclass
class _Run:
    """One report run: its options, folders, cache and progress lines."""

    langs: tuple[str, ...]
    force: bool
    progress: bool
    year: int | None
    paths: Paths
    jobs: int | None
    steps: _Progress
    cache: dict
    source: str
    formats: tuple[str, ...] = REPORT_FORMATS

    @property
    def staging_root(self) -> Path:
        return self.paths.reports / _STAGING

    @property
    def observations_file(self) -> Path:
        return self.paths.processed / "observations.parquet"

    def records(self, lang: str) -> dict:
        """Return the cache's records of the notebooks of *lang*."""
        return self.cache["langs"][lang]["notebooks"]

    def save(self) -> None:
        _save_cache(self.paths.reports / CACHE_NAME, self.cache)


def _open_cache(paths: Paths) -> dict:
    """Return the report's cache (its records of earlier runs), in the current format."""
    cache = _load_cache(paths.reports / CACHE_NAME)
    cache.setdefault("langs", {})
    cache["format"] = _CACHE_FORMAT
    for lg in LANGS:
        cache["langs"].setdefault(lg, {"notebooks": {}})
    return cache


def _report(run: _Run, notebooks: list[Path], *, explain: bool, t_start: float) -> ReportResult:
    langs = run.langs
    _recover_all(run)
    with _Workers(run, len(langs) * len(notebooks)) as workers:
        built = _build_step(run, workers)
        runs, todo = _plan_notebooks(run, notebooks)
        if todo:
            workbook, workbook_error = _execute_notebooks(run, todo, runs, workers)
        else:
            workbook, workbook_error = _workbook_step(run, None)
    figures = _publish(run, {p.stem for p in notebooks})

    ordered = tuple(runs[(lg, p.stem)] for lg in langs for p in notebooks)
    if explain:
        out = run.steps.stream
        for nb_run in ordered:
            verb = {"executed": "reran", "skipped": "skipped", "failed": "FAILED"}[nb_run.status]
            print(f"{nb_run.name} ({nb_run.lang}): {verb}: {nb_run.reason}", file=out)
    return ReportResult(
        built=built,
        progress_workbook=None if workbook_error else workbook,
        workbook_error=workbook_error,
        notebooks=ordered,
        figures=tuple(sorted(figures)),
        seconds=time.perf_counter() - t_start,
        langs=langs,
    )


def _recover_all(run: _Run) -> None:
    """Finish what a killed report had committed, drop what it had not."""
    for lg in LANGS:
        _recover(run.paths.report_dir(lg), run.staging_root / lg, run.records(lg), run.save)
    shutil.rmtree(run.staging_root, ignore_errors=True)
    # a build killed between its renames is completed before its outputs are hashed
    finish_commit(run.paths.processed)


def _build_step(run: _Run, workers: _Workers) -> bool:
    """Build ``data/processed`` unless the raw files and the package are unchanged.

    While it builds, *workers* start and warm their kernels: a build means new data, and
    new data usually means notebooks to run.
    """
    paths, cache = run.paths, run.cache
    t0 = run.steps.start("build data/processed", announce=False)
    raw_hashes = _tree_hashes(paths.raw)
    build_key = _digest(
        {"raw": raw_hashes, "source": run.source, "processed": str(paths.processed)}
    )
    built = run.force or not (
        cache.get("build", {}).get("key") == build_key and run.observations_file.is_file()
    )
    if built:
        cache.pop("build", None)
        run.save()
        workers.warm()
        _build(paths, run.progress)  # the build prints its own progress lines
        run.steps.done(t0, f"built from {len(raw_hashes)} raw files", announced=False)
    else:
        run.steps.done(t0, "skipped (raw files unchanged)", announced=False)
    cache["build"] = {"key": build_key}
    run.save()
    return built


def _notebook_reads(run: _Run, notebooks: list[Path], nb_digests: dict[str, str]) -> dict:
    """Return what each notebook reads (worked out again only when it or the package changed)."""
    memo = run.cache.setdefault("memo", {})
    reads_memo = memo.get("reads", {})
    reads = {}
    for nb_path in notebooks:
        key = _digest([nb_digests[nb_path.stem], run.source])
        entry = reads_memo.get(nb_path.stem, {})
        reads[nb_path.stem] = entry["reads"] if entry.get("key") == key else notebook_reads(nb_path)
        reads_memo[nb_path.stem] = {"key": key, "reads": reads[nb_path.stem]}
    memo["reads"] = reads_memo
    return reads


def _fingerprints(run: _Run) -> tuple[dict[str, str], int | None]:
    """Return the observations' fingerprints and default year, memoised by the files' hashes.

    NOTE: no pandas import when nothing changed.
    """
    memo = run.cache.setdefault("memo", {})
    sources_file = run.paths.raw / "SOURCES.yml"
    obs_key = _digest(
        [
            _sha256_file(run.observations_file) if run.observations_file.is_file() else "",
            _sha256_file(sources_file) if sources_file.is_file() else "",
            run.source,
        ]
    )
    if memo.get("observations", {}).get("key") == obs_key:
        return memo["observations"]["fingerprints"], memo["observations"]["year"]
    fingerprints, default_year = _observation_fingerprints(run.observations_file, run.paths.raw)
    memo["observations"] = {"key": obs_key, "fingerprints": fingerprints, "year": default_year}
    return fingerprints, default_year


def _plan_notebooks(run: _Run, notebooks: list[Path]) -> tuple[dict, dict]:
    """Return the notebooks skipped (as runs) and those to execute, longest first."""
    paths = run.paths
    nb_digests = {p.stem: _sha256_file(p) for p in notebooks}
    reads = _notebook_reads(run, notebooks, nb_digests)
    fingerprints, default_year = _fingerprints(run)
    # NOTE: the maps fall back to the local mirror when data/external/boundaries is empty
    boundaries_digest = _digest([_tree_hashes(paths.boundaries), _tree_hashes(paths.geo_mirror)])
    runs: dict[tuple[str, str], NotebookRun] = {}
    todo: dict[tuple[str, str], tuple[Path, dict, str]] = {}
    for lg in run.langs:
        params = {"lang": lg, "year": run.year}
        for nb_path in notebooks:
            name = nb_path.stem
            new = {
                "inputs": {
                    "notebook": nb_digests[name],
                    "source": run.source,
                    "params": params,
                    "boundaries": boundaries_digest,
                    "kernel": KERNEL_NAME,
                    "formats": list(run.formats),
                },
                "reads": _select_reads(fingerprints, reads[name]),
                "year": default_year,
            }
            old = run.records(lg).get(name, {})
            why = "forced (--force)" if run.force else _why_rerun(old, new, paths.report_dir(lg))
            if why is not None:
                todo[(lg, name)] = (nb_path, new, why)
                continue
            output = paths.notebooks_dir(lg) / f"{name}.ipynb"
            t0 = run.steps.start(f"notebook {name} ({lg})", announce=False)
            seconds = run.steps.done(t0, "skipped (inputs unchanged)", announced=False)
            runs[(lg, name)] = NotebookRun(
                name, "skipped", seconds, output, output.with_suffix(".html"), lang=lg,
                reason="the observations it reads, its code, parameters and the package "
                "are unchanged",
            )  # fmt: skip

    # longest first (as timed last time, else as the notebook expects), so that no long
    # notebook starts last
    expected = {p.stem: _expected_seconds(p) for p in notebooks}

    def last(key: tuple[str, str]) -> float:
        return _last_seconds(run.records(key[0]), key[1]) or expected[key[1]]

    return runs, dict(sorted(todo.items(), key=lambda kv: -last(kv[0])))


def _execute_notebooks(
    run: _Run, todo: dict, runs: dict, workers: _Workers
) -> tuple[Path, str | None]:
    """Execute the notebooks of *todo* into *runs*; return :func:`_workbook_step`'s result.

    While the notebooks run, this process assesses the targets once, for every notebook
    and the progress workbook, and then writes the workbook. A notebook that reaches its
    assessment before the file is written (or when assessing failed here) assesses the
    targets itself: the same result, at its own cost.
    """
    shared = run.staging_root / "assessment.pickle"
    base_env = workers.base_env
    if run.progress:
        names = ", ".join(f"{n} ({lg})" if len(run.langs) > 1 else n for lg, n in todo)
        print(
            f"executing {len(todo)} notebooks ({workers.count(len(todo))} at a time): {names}",
            file=run.steps.stream,
        )
    jobs_args = {
        key: _job(run, key, nb_path, new, base_env) for key, (nb_path, new, _) in todo.items()
    }
    workbook = []

    def meanwhile() -> None:
        try:
            assessed = _assess_once(run.paths, run.year, shared)
        except Exception:  # each notebook then assesses the targets (and reports why) itself
            shared.unlink(missing_ok=True)
            assessed = None
        workbook.append(_workbook_step(run, assessed))

    for key, seconds, error in workers.run(jobs_args, meanwhile=meanwhile):
        runs[key] = _finish_notebook(run, key, todo[key], seconds, error)
    shutil.rmtree(run.staging_root, ignore_errors=True)
    return workbook[0]


def _job(run: _Run, key: tuple[str, str], nb_path: Path, new: dict, base_env: dict) -> tuple:
    """Return the arguments of :func:`_run_notebook` for one notebook (new staging folder)."""
    lg, name = key
    staging = run.staging_root / lg / name
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "figures").mkdir(parents=True)
    reuse = _link_previous_images(run.paths.report_dir(lg), run.records(lg).get(name, {}), staging)
    env = {
        **base_env,
        EXPORT_ENV: str(staging / "figures"),
        NOTEBOOK_ENV: name,
        REUSE_ENV: str(reuse),
        RECIPE_ENV: _digest(new["inputs"]),
    }
    params = new["inputs"]["params"]
    return (str(nb_path), str(staging / "notebooks"), params, str(nb_path.parent), env)


class _Workers:
    """The report's worker processes, each with one warm kernel (:mod:`bkanalysis.kernels`).

    Started on first use, or by :meth:`warm` before the build: each worker then starts
    its kernel and imports what every notebook imports (:data:`kernels.PRELOAD`) while
    the data are built on the other core, instead of after. Shut down on leaving the
    ``with`` block. One worker (``--jobs 1``, or one CPU) runs the notebooks in this
    process, with no worker process to start.
    """

    def __init__(self, run: _Run, most: int) -> None:
        self.size = max(1, min(run.jobs or _default_jobs(), most))
        self.base_env = {
            **_kernel_env(run.paths),
            ASSESSMENT_ENV: str(run.staging_root / "assessment.pickle"),
            FORMATS_ENV: ",".join(run.formats),
        }
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.early = 0  # workers started by warm()

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            # NOTE: a worker shuts its kernel down as it exits; the report goes on meanwhile
            self.pool.shutdown(wait=False, cancel_futures=True)

    def count(self, jobs: int) -> int:
        """Workers that run *jobs* notebooks: those already warm, else as many as jobs."""
        return self.size if self.early else min(self.size, jobs)

    def _pool(self, size: int) -> concurrent.futures.ProcessPoolExecutor:
        if self.pool is None:
            ctx = multiprocessing.get_context("spawn")
            self.pool = concurrent.futures.ProcessPoolExecutor(size, mp_context=ctx)
        return self.pool

    def warm(self) -> None:
        """Start workers and their kernels now, one per core the build leaves free."""
        if self.size > 1 and self.pool is None:
            pool = self._pool(self.size)
            # NOTE: one core builds; more workers warming than the cores left slow the build
            self.early = max(1, min(self.size, (os.cpu_count() or 1) - 1))
            for _ in range(self.early):
                pool.submit(_worker_warm, self.base_env)

    def run(self, jobs_args: dict, meanwhile):
        """Yield ``(key, seconds, error)`` for each notebook job, as each one ends.

        *meanwhile* is called once the jobs are handed to the workers (before the first
        job when they run in this process).
        """
        workers = self.count(len(jobs_args))
        if workers == 1 and self.pool is None:
            # NOTE: one at a time runs here: no worker process to start (papermill and
            # nbconvert are imported once), the kernel is still a process of its own
            from .kernels import shutdown

            meanwhile()
            try:
                for key, job in jobs_args.items():
                    try:
                        seconds, error = _run_notebook(*job)
                    except Exception as exc:
                        seconds, error = 0.0, _error_line(exc)
                    yield key, seconds, error
            finally:
                shutdown()
            return
        pool = self._pool(workers)
        futures = {pool.submit(_worker_run_notebook, *job): key for key, job in jobs_args.items()}
        meanwhile()
        for future in concurrent.futures.as_completed(futures):
            try:
                seconds, error = future.result()
            except Exception as exc:  # the worker itself died
                seconds, error = 0.0, _error_line(exc)
            yield futures[future], seconds, error


def _finish_notebook(
    run: _Run, key: tuple[str, str], job: tuple, seconds: float, error: str | None
) -> NotebookRun:
    """Publish a notebook's staged outputs, or keep its previous ones if it failed."""
    lg, name = key
    _nb_path, new, why = job
    records = run.records(lg)
    staging = run.staging_root / lg / name
    output = run.paths.notebooks_dir(lg) / f"{name}.ipynb"
    html = output.with_suffix(".html")
    t0 = run.steps.start(f"notebook {name} ({lg})", announce=False)
    if error is None:
        files = _staged_files(staging)
        record = {
            **new,
            "outputs": {rel: _sha256_file(path) for rel, path in files.items()},
            "stat": {rel: _stat(path) for rel, path in files.items()},
            "fingerprints": _staged_fingerprints(staging, files),
            "recipes": _staged_recipes(staging, files),
            "rows": _staged_rows(staging, name, lg),
            "seconds": round(seconds, 1),
        }
        journal = {"name": name, "staging": str(staging), "record": record}
        _commit(run.paths.report_dir(lg), journal, records, run.save)
        n_fig = sum(rel.startswith("figures/") for rel in files)
        run.steps.done(t0 - seconds, f"executed, {n_fig} figure files", announced=False)
        return NotebookRun(name, "executed", seconds, output, html, lang=lg, reason=why)
    # the previous outputs stay; the failed run is kept aside for inspection
    # (none when the kernel stopped before papermill could write the notebook: then an
    # older failed run of it is removed, not shown as this one)
    failed_dir = run.paths.scratch / "failed" / lg
    kept_aside = None
    for suffix in (".ipynb", ".html"):
        src = staging / "notebooks" / f"{name}{suffix}"
        if src.is_file():
            failed_dir.mkdir(parents=True, exist_ok=True)
            src.replace(failed_dir / src.name)
            kept_aside = failed_dir / f"{name}.ipynb"
        else:
            (failed_dir / src.name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    kept = len(records.get(name, {}).get("outputs", {}))
    if name in records:
        records[name]["failed"] = error
        run.save()
    run.steps.done(
        t0 - seconds, f"FAILED: {error}; previous outputs kept ({kept} files)", announced=False
    )
    return NotebookRun(
        name, "failed", seconds, output, html, error=error, lang=lg, reason=why,
        failed_notebook=kept_aside,
    )  # fmt: skip


def _publish(run: _Run, current: set[str]) -> set[Path]:
    """Rewrite each language's manifest, set strays aside; return the report's figures."""
    figures: set[Path] = set()
    for lg in run.langs:
        records = run.records(lg)
        lang_dir = run.paths.report_dir(lg)
        # a notebook removed (or renamed) since: its outputs are no longer the report's
        # (they go to reports/scratch/stray below, with its manifest rows dropped)
        for name in sorted(set(records) - current):
            del records[name]
        _write_manifest(lang_dir, records)
        strays = _set_aside_strays(lang_dir, run.paths.scratch / "stray" / lg, records)
        if strays and run.progress:
            print(
                f"moved {len(strays)} files the report did not make out of {lang_dir} "
                f"into {run.paths.scratch / 'stray' / lg}: {_list_some(strays)}",
                file=run.steps.stream,
            )
        figures.update(
            lang_dir / rel
            for r in records.values()
            for rel in r.get("outputs", {})
            if rel.startswith("figures/")
        )
    run.save()
    return figures


def _workbook_step(run: _Run, assessed) -> tuple[Path, str | None]:
    """Write ``progress.xlsx`` unless the observations are unchanged; return it and any error."""
    t0 = run.steps.start("progress workbook")
    workbook = run.paths.reports / "progress.xlsx"
    obs_file = run.observations_file
    processed_digest = _sha256_file(obs_file) if obs_file.is_file() else ""
    wb_key = _digest({"observations": processed_digest, "source": run.source, "year": run.year})
    error = None
    if not run.force and run.cache.get("progress", {}).get("key") == wb_key and workbook.is_file():
        run.steps.done(t0, "skipped (observations unchanged)")
    else:
        run.cache.pop("progress", None)
        try:
            _assessment_workbook(workbook, *(assessed or _assess_once(run.paths, run.year, None)))
        except Exception as exc:  # reported on one line; the notebooks' results still count
            error = _error_line(exc)
            run.steps.done(t0, f"FAILED: {error}")
        else:
            run.steps.done(t0, f"wrote {workbook}")
            run.cache["progress"] = {"key": wb_key}
    run.save()
    return workbook, error

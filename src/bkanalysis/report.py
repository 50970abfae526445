"""``bkanalysis report``: build the data, execute the notebooks, export figures and tables.

The report is a small, cached pipeline of steps, each run only when its inputs changed:

1. **build** – ``data/raw`` → ``data/processed`` (:func:`bkanalysis.pipeline.build`),
   skipped when every raw file and the package source are unchanged since the last build
   and the processed observations exist;
2. **progress workbook** – ``reports/progress.xlsx`` from the assessment of every target;
3. **notebooks** – every ``notebooks/NN-*.ipynb``, in name order, executed with papermill
   (parameters ``lang``, ``year``, ``vintage``) into ``reports/notebooks/<name>.ipynb`` and
   exported to ``reports/notebooks/<name>.html``; the notebooks write their figures to
   ``reports/figures`` themselves (:func:`bkanalysis.plotting.save_figure`).

The cache manifest ``reports/.report-cache.json`` records, for each step, the SHA-256 of its
inputs (raw files, processed observations, the notebook file, the boundaries, the source of
the ``bkanalysis`` package and the parameters) and the files it produced. A step whose
inputs hash matches and whose outputs all exist is skipped; ``force=True`` redoes
everything. A failing notebook is reported on one line (notebook, cell, error) and does not
stop the others.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
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

from . import __version__
from .config import Paths, get_paths
from .errors import BkError
from .io import write_csv_atomic, write_text_atomic

__all__ = [
    "CACHE_NAME",
    "KERNEL_NAME",
    "NotebookRun",
    "ReportResult",
    "list_notebooks",
    "report",
    "report_command",
]

CACHE_NAME = ".report-cache.json"
KERNEL_NAME = "python3"
_CACHE_FORMAT = 1
_NOTEBOOK_PATTERN = re.compile(r"^\d\d-[\w-]+\.ipynb$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints"}
_LANGS = ("vi", "en")


@dataclass(frozen=True)
class NotebookRun:
    """What happened to one notebook during a report.

    ``status`` is ``executed``, ``skipped`` (inputs unchanged, outputs present) or
    ``failed``; ``error`` is the one-line reason of a failure.
    """

    name: str
    status: str
    seconds: float
    output: Path
    html: Path
    error: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """Summary of one ``bkanalysis report`` run."""

    built: bool
    progress_workbook: Path | None
    notebooks: tuple[NotebookRun, ...] = field(default_factory=tuple)
    figures: tuple[Path, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    workbook_error: str | None = None

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
def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_hidden(rel: Path) -> bool:
    # Excel lock files (~$book.xlsx), editor backups and dot-files are not inputs.
    return any(
        part.startswith((".", "~$")) or part in _SKIP_NAMES or part.endswith(("~", ".pyc"))
        for part in rel.parts
    )


def _tree_hashes(folder: Path) -> dict[str, str]:
    """Return ``{relative posix path: sha256}`` of every visible file under *folder*."""
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not _is_hidden(rel):
            out[rel.as_posix()] = _sha256_file(path)
    return out


def _digest(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source_digest() -> str:
    """Hash of the installed ``bkanalysis`` package (code and package data) and its version."""
    return _digest({"version": __version__, "files": _tree_hashes(Path(__file__).parent)})


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


def _outputs_exist(root: Path, outputs: list[str]) -> bool:
    return all((root / rel).is_file() for rel in outputs)


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


def _default_jobs() -> int:
    """Notebooks executed at once: ``BKANALYSIS_JOBS``, else twice the CPU count (at most 8).

    A kernel is not busy all the time (start-up, reading files, writing figures), and with
    more kernels than cores no long notebook is left running alone at the end: on 2 cores,
    4 at a time ran the five report notebooks in 68–77 s against 81–84 s for 2 at a time.
    Each kernel takes about 0.3–0.5 GB of memory.
    """
    env = os.environ.get("BKANALYSIS_JOBS", "")
    if env.strip():
        if not env.strip().isdigit() or int(env) < 1:
            raise BkError(f"BKANALYSIS_JOBS must be a positive integer, got {env!r}")
        return int(env)
    return max(1, min(8, 2 * (os.cpu_count() or 1)))


def _skip_slow_optional_imports() -> None:
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
    _skip_slow_optional_imports()
    return _run_notebook(source, out_dir, params, cwd, env)


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


def _drop_figures(reports: Path, stale: set[str]) -> None:
    """Remove stale figure files (paths relative to *reports*) and their manifest rows."""
    if not stale:
        return
    for rel in stale:
        (reports / rel).unlink(missing_ok=True)
    main = reports / "figures" / "manifest.csv"
    if main.is_file():
        import pandas as pd

        rows = pd.read_csv(main, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        gone = {Path(rel).stem for rel in stale} - {p.stem for p in main.parent.iterdir()}
        if gone & set(rows["name"]):
            write_csv_atomic(rows[~rows["name"].isin(gone)], main)


def _collect_figures(work: Path, figures: Path) -> list[str]:
    """Move the figures a notebook wrote under *work* into *figures*; merge the manifests.

    Each notebook writes into its own folder, so notebooks can run at the same time
    without two of them rewriting ``manifest.csv`` at once; the rows are merged here
    (a figure's row replaces the row of the same name).
    """
    src = work / "figures"
    if not src.is_dir():
        return []
    moved = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or _is_hidden(rel) or rel.as_posix() == "manifest.csv":
            continue
        target = figures / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        moved.append(f"figures/{rel.as_posix()}")
    new_rows = src / "manifest.csv"
    if new_rows.is_file():
        import pandas as pd

        read = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
        rows = pd.read_csv(new_rows, **read)
        main = figures / "manifest.csv"
        if main.is_file():
            old = pd.read_csv(main, **read)
            rows = pd.concat([old[~old["name"].isin(rows["name"])], rows], ignore_index=True)
        rows = rows.sort_values("name", kind="stable").reset_index(drop=True)
        write_csv_atomic(rows, main)
    shutil.rmtree(work, ignore_errors=True)
    return moved


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

    The executed notebook is written even when a cell fails, so the user can open it.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    error: BaseException | None = None
    output.parent.mkdir(parents=True, exist_ok=True)
    # papermill wants an .ipynb name; the partial file is renamed into place at the end
    fd, name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=".ipynb", dir=output.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        papermill.execute_notebook(
            str(source),
            str(tmp),
            parameters=params,
            kernel_name=KERNEL_NAME,
            language="python",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            report_mode=False,
            # NOTE: the kernel's own log (e.g. ipykernel's TCP warning) is noise in a report
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except Exception as exc:  # a failing cell: keep the executed notebook, then re-raise
        error = exc
    if tmp.is_file() and tmp.stat().st_size > 0:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes the file private
        tmp.replace(output)
    else:
        tmp.unlink(missing_ok=True)
        raise error if error is not None else BkError(f"papermill wrote nothing for {source.name}")
    nb = nbformat.read(output, as_version=4)
    body, _ = HTMLExporter().from_notebook_node(nb)
    write_text_atomic(html, body)
    if error is not None:
        raise error


def _build(paths: Paths, progress: bool) -> None:
    from .pipeline import build

    build(raw=paths.raw, out=paths.processed, strict=False, progress=progress)


def _assessment_workbook(paths: Paths, target: Path, year: int | None) -> None:
    from .pipeline import load_observations
    from .progress import assess, write_progress_workbook

    observations = load_observations(paths.processed)
    assessment = assess(observations, as_of=year)
    write_progress_workbook(assessment, target, source_files=observations["source_file"].unique())


# --------------------------------------------------------------------------- report
def report(
    *,
    lang: str = "vi",
    force: bool = False,
    progress: bool = True,
    year: int | None = None,
    vintage: str | None = None,
    paths: Paths | None = None,
    jobs: int | None = None,
    stream: TextIO | None = None,
) -> ReportResult:
    """Build the data, execute every notebook and export figures and the progress workbook.

    Parameters
    ----------
    lang : {'vi', 'en'}
        Language of the notebooks' figures and text.
    force : bool
        Redo every step even if its inputs are unchanged.
    progress : bool
        Print one line per step, with its timing, on *stream* (default stderr).
    year : int, optional
        Year the notebooks assess (papermill parameter); default: the latest year with data.
    vintage : {'2019', '2020', '2025'}, optional
        Administrative vintage of the commune maps; default: the one in force in *year*.
    paths : bkanalysis.config.Paths, optional
        Folders to use (default :func:`bkanalysis.config.get_paths`). The notebook kernels
        are started with the matching ``BKANALYSIS_*`` environment variables.
    jobs : int, optional
        Notebooks executed at the same time, each in its own kernel (default
        ``BKANALYSIS_JOBS`` or twice the number of CPUs, at most 8).
    stream : file-like, optional
        Where progress lines go.

    Returns
    -------
    ReportResult
        What was built, executed, skipped or failed. A failing notebook does not raise:
        check :attr:`ReportResult.ok`.

    Raises
    ------
    BkError
        If *lang* or *vintage* is invalid, the notebook folder is missing, or the build fails.

    Examples
    --------
    >>> report(lang="fr")
    Traceback (most recent call last):
    ...
    bkanalysis.errors.BkError: lang must be one of ('vi', 'en'), got 'fr'
    """
    if lang not in _LANGS:
        raise BkError(f"lang must be one of {_LANGS}, got {lang!r}")
    if vintage is not None and str(vintage) not in ("2019", "2020", "2025"):
        raise BkError(f"vintage must be '2019', '2020' or '2025', got {vintage!r}")
    if year is not None and not isinstance(year, int):
        raise BkError(f"year must be an integer, got {year!r}")
    t_start = time.perf_counter()
    paths = paths or get_paths()
    notebooks = list_notebooks(paths.notebooks)
    out_dir = paths.reports / "notebooks"
    cache_path = paths.reports / CACHE_NAME
    cache = {} if force else _load_cache(cache_path)
    new_cache: dict = {"format": _CACHE_FORMAT, "notebooks": {}}
    steps = _Progress(progress, total=2 + len(notebooks), stream=stream)
    source = _source_digest()
    observations_file = paths.processed / "observations.parquet"

    # 1. build ---------------------------------------------------------------------------
    t0 = steps.start("build data/processed", announce=False)
    raw_hashes = _tree_hashes(paths.raw)
    build_key = _digest({"raw": raw_hashes, "source": source, "processed": str(paths.processed)})
    built = not (cache.get("build", {}).get("key") == build_key and observations_file.is_file())
    if built:
        _build(paths, progress)  # the build prints its own progress lines
        steps.done(t0, f"built from {len(raw_hashes)} raw files", announced=False)
    else:
        steps.done(t0, "skipped (raw files unchanged)", announced=False)
    new_cache["build"] = {"key": build_key}
    _save_cache(cache_path, {**cache, "format": _CACHE_FORMAT, "build": new_cache["build"]})

    processed_digest = _sha256_file(observations_file) if observations_file.is_file() else ""
    # NOTE: the maps fall back to the local mirror when data/external/boundaries is empty
    boundaries_digest = _digest([_tree_hashes(paths.boundaries), _tree_hashes(paths.geo_mirror)])
    params = {"lang": lang, "year": year, "vintage": None if vintage is None else str(vintage)}

    # 2. notebooks -------------------------------------------------------------------------
    runs: dict[str, NotebookRun] = {}
    figures_made: set[str] = set()
    old_nbs = dict(cache.get("notebooks", {}))
    todo: dict[str, tuple[Path, str]] = {}
    for nb_path in notebooks:
        name = nb_path.stem
        output, html = out_dir / f"{name}.ipynb", out_dir / f"{name}.html"
        key = _digest(
            {
                "notebook": _sha256_file(nb_path),
                "observations": processed_digest,
                "boundaries": boundaries_digest,
                "source": source,
                "params": params,
                "kernel": KERNEL_NAME,
            }
        )
        old = old_nbs.get(name, {})
        if (
            old.get("key") == key
            and output.is_file()
            and html.is_file()
            and _outputs_exist(paths.reports, old.get("figures", []))
        ):
            t0 = steps.start(f"notebook {name}", announce=False)
            seconds = steps.done(t0, "skipped (inputs unchanged)", announced=False)
            runs[name] = NotebookRun(name, "skipped", seconds, output, html)
            new_cache["notebooks"][name] = old
            figures_made.update(old.get("figures", []))
        else:
            todo[name] = (nb_path, key)
    if todo:
        # longest first (as timed last time), so that no long notebook starts last
        todo = dict(sorted(todo.items(), key=lambda kv: -_last_seconds(old_nbs, kv[0])))
        workers = max(1, min(jobs or _default_jobs(), len(todo)))
        base_env = _kernel_env(paths)
        work_root = paths.reports / ".work"
        if progress:
            names = ", ".join(todo)
            print(
                f"executing {len(todo)} notebooks ({workers} at a time): {names}", file=steps.stream
            )

        def finish(name: str, seconds: float, error: str | None) -> None:
            output, html = out_dir / f"{name}.ipynb", out_dir / f"{name}.html"
            t0 = steps.start(f"notebook {name}", announce=False)
            made = _collect_figures(work_root / name, paths.figures)
            # figures this notebook made last time but not this time are stale
            _drop_figures(paths.reports, set(old_nbs.get(name, {}).get("figures", [])) - set(made))
            figures_made.update(made)
            if error is None:
                steps.done(t0 - seconds, f"executed, {len(made)} figure files", announced=False)
                runs[name] = NotebookRun(name, "executed", seconds, output, html)
                new_cache["notebooks"][name] = {
                    "key": todo[name][1],
                    "figures": made,
                    "seconds": round(seconds, 1),
                }
            else:
                steps.done(t0 - seconds, f"FAILED: {error}", announced=False)
                runs[name] = NotebookRun(name, "failed", seconds, output, html, error=error)
                old_nbs.pop(name, None)
            _save_cache(
                cache_path,
                {**cache, **new_cache, "notebooks": {**old_nbs, **new_cache["notebooks"]}},
            )

        jobs_args = {}
        for name, (nb_path, _key) in todo.items():
            work = work_root / name
            shutil.rmtree(work, ignore_errors=True)
            env = {**base_env, "BKANALYSIS_REPORTS": str(work)}
            jobs_args[name] = (str(nb_path), str(out_dir), params, str(nb_path.parent), env)
        if workers == 1:
            # NOTE: one at a time runs here: no worker process to start (papermill and
            # nbconvert are imported once), the kernel is still a process of its own
            for name, job in jobs_args.items():
                try:
                    seconds, error = _run_notebook(*job)
                except Exception as exc:
                    seconds, error = 0.0, _error_line(exc)
                finish(name, seconds, error)
        else:
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                futures = {
                    pool.submit(_worker_run_notebook, *job): name for name, job in jobs_args.items()
                }
                for future in concurrent.futures.as_completed(futures):
                    try:
                        seconds, error = future.result()
                    except Exception as exc:  # the worker itself died
                        seconds, error = 0.0, _error_line(exc)
                    finish(futures[future], seconds, error)
        shutil.rmtree(work_root, ignore_errors=True)

    # 3. progress workbook -----------------------------------------------------------------
    t0 = steps.start("progress workbook")
    workbook = paths.reports / "progress.xlsx"
    wb_key = _digest({"observations": processed_digest, "source": source, "year": year})
    workbook_error = None
    if cache.get("progress", {}).get("key") == wb_key and workbook.is_file():
        steps.done(t0, "skipped (observations unchanged)")
        new_cache["progress"] = {"key": wb_key}
    else:
        try:
            _assessment_workbook(paths, workbook, year)
        except Exception as exc:  # reported on one line; the notebooks' results still count
            workbook_error = _error_line(exc)
            steps.done(t0, f"FAILED: {workbook_error}")
        else:
            steps.done(t0, f"wrote {workbook}")
            new_cache["progress"] = {"key": wb_key}
    _save_cache(cache_path, new_cache)

    return ReportResult(
        built=built,
        progress_workbook=None if workbook_error else workbook,
        workbook_error=workbook_error,
        notebooks=tuple(runs[p.stem] for p in notebooks),
        figures=tuple(paths.reports / rel for rel in sorted(figures_made)),
        seconds=time.perf_counter() - t_start,
    )


def report_command(args) -> int:
    """Run ``bkanalysis report`` from parsed arguments; return the exit status.

    Exit status 1 if any notebook failed (one line per failure on stderr), else 0.
    """
    _skip_slow_optional_imports()
    result = report(
        lang=getattr(args, "lang", "vi"),
        force=bool(getattr(args, "force", False)),
        progress=not getattr(args, "quiet", False),
        year=getattr(args, "year", None),
        vintage=getattr(args, "vintage", None),
    )
    if result.workbook_error:
        print(
            f"bkanalysis report: progress workbook failed: {result.workbook_error}", file=sys.stderr
        )
    for run in result.failed:
        print(f"bkanalysis report: notebook {run.name} failed: {run.error}", file=sys.stderr)
    if not getattr(args, "quiet", False):
        print(
            f"bkanalysis report: {len(result.executed)} notebooks executed, "
            f"{len(result.skipped)} skipped, {len(result.failed)} failed, "
            f"{len(result.figures)} figure files in {get_paths().figures} "
            f"({result.seconds:.1f} s)",
            file=sys.stderr,
        )
    return 0 if result.ok else 1

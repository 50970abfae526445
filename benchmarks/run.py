"""Benchmarks of bkanalysis (issue 8): print the figures and whether each goal is met.

    .venv/bin/python benchmarks/run.py            # full run (100 and 1,000 workbooks)
    .venv/bin/python benchmarks/run.py --quick    # small run (20 and 100 workbooks)
    make benchmark

Figures (each timed in a fresh child process, so that peak memory is the child's own;
every kind first runs on one workbook to pay its imports and first-use caches, timed apart
as start-up; the fastest of ``--repeat`` runs is kept):

* ingest of a generated archive (``benchmarks/make_archive.py``, the province's layouts)
  by ``bkanalysis build`` and by a plain ``read_workbook`` loop, against merely parsing
  the same files' cells with ``python-calamine`` (goal: at most 2x) and against
  ``pandas.read_excel(sheet_name=None, engine="openpyxl")`` (goal: at least 3x faster);
* the floor of any reader written in Python on top of calamine: parse, keep one record per
  numeric cell, write CSV and parquet (no layout, label, unit or area work at all);
* scale: 100 and 1,000 workbooks (goal: 1,000 in under 60 s, under 1 GB peak RSS, time
  linear in the number of files: seconds per file printed for both sizes), and a build
  after adding one workbook to an archive built before (the others' records are kept
  from that build: ``bkanalysis.read_cache``);
* ``import bkanalysis`` (goal under 0.3 s, median of several fresh interpreters);
* ``bkanalysis report`` on the example data (issue 18): the first full report, the report
  after adding one workbook that touches one theme (forest; only the notebooks that read
  it rerun), and a rerun with nothing changed (goals 30 s, 15 s and 1 s), then where the
  time of the first report went (``benchmarks/report_profile.py``).

This is not a test: it prints, and exits 0 even when a goal is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable

GOALS = {
    "vs_calamine": 2.0,  # bkanalysis time / calamine time, at most
    "vs_pandas": 3.0,  # pandas time / bkanalysis time, at least
    "seconds_1000": 60.0,
    "peak_mb": 1024.0,
    "import_s": 0.3,
    "report_s": 30.0,
    "report_one_workbook_s": 15.0,
    "report_rerun_s": 1.0,
    "linear": 1.25,  # s/file at the large size / s/file at the small size, at most
}


# --------------------------------------------------------------------------- workers


def _files(raw: Path) -> list[Path]:
    return sorted(
        p for p in raw.rglob("*") if p.is_file() and p.suffix.lower() in {".xlsx", ".xls"}
    )


def _peak_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _cpu_s() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _python_floor(files: list[Path], raw: Path) -> int:
    """The least a Python reader producing a tidy table with provenance must do.

    Parse every sheet with calamine (as the ``calamine`` figure), keep every numeric cell
    as a ``(file, sheet, cell, value)`` record, and write the records as CSV and parquet
    with pandas. No header, label, unit, period or area is looked at, nothing is checked:
    this bounds from below what any reader written in Python on top of calamine can reach.
    """
    import io

    import pandas as pd
    from python_calamine import CalamineWorkbook

    letters = [chr(65 + i) for i in range(26)]
    letters += [a + b for a in letters for b in letters]
    records = []
    for p in files:
        rel = p.relative_to(raw).as_posix()
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            for i, row in enumerate(wb.get_sheet_by_name(name).to_python(), 1):
                for j, v in enumerate(row):
                    if v.__class__ is float or v.__class__ is int:
                        records.append((rel, name, f"{letters[j]}{i}", v))
        wb.close()
    df = pd.DataFrame(records, columns=["source_file", "source_sheet", "source_cell", "value"])
    df.to_parquet(io.BytesIO(), index=False)
    df.to_csv(io.StringIO(), index=False)
    return len(df)


def _calamine(files: list[Path], raw: Path, out: Path) -> int:
    from python_calamine import CalamineWorkbook

    count = 0
    for p in files:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            count += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
        wb.close()
    return count


def _floor(files: list[Path], raw: Path, out: Path) -> int:
    return _python_floor(files, raw)


def _sniff(files: list[Path], raw: Path, out: Path) -> int:
    # the bad-input checks every workbook passes before it is parsed (zip structure,
    # declared and actual sizes, CRC-32, entity declarations in every XML part)
    from bkanalysis.errors import UnreadableFileError
    from bkanalysis.ingest.sniff import sniff

    count = 0
    for p in files:
        with contextlib.suppress(UnreadableFileError):
            count += sniff(p) == "xlsx"
    return count


def _pandas(files: list[Path], raw: Path, out: Path) -> int:
    import pandas as pd

    count = 0
    for p in files:
        frames = pd.read_excel(p, sheet_name=None, engine="openpyxl")
        count += sum(f.size for f in frames.values())
    return count


def _read_workbook(files: list[Path], raw: Path, out: Path) -> int:
    from bkanalysis.errors import BkError
    from bkanalysis.ingest import read_workbook

    count = 0
    for p in files:
        with contextlib.suppress(BkError):
            count += len(read_workbook(p, raw_root=raw).observations)
    return count


def _build(files: list[Path], raw: Path, out: Path) -> int:
    from bkanalysis.pipeline import build

    shutil.rmtree(out, ignore_errors=True)
    build(raw, out, progress=False)
    # every value read: the observations and those another file's value superseded
    # (the archive's workbooks overlap; docs/data.md, "Which value wins")
    count = 0
    for name in ("observations.csv", "superseded.csv"):
        with open(out / name, encoding="utf-8-sig") as fh:
            count += sum(1 for _ in fh) - 1
    return count


def _build_again(files: list[Path], raw: Path, out: Path) -> int:
    """A build over the outputs of an earlier one: its read cache is used."""
    from bkanalysis.pipeline import build

    return len(build(raw, out, progress=False).observations)


def _build_serial(files: list[Path], raw: Path, out: Path) -> int:
    os.environ["BKANALYSIS_WORKERS"] = "1"  # one process, whatever the number of files
    return _build(files, raw, out)


#: What each kind measures (see the module docstring); each returns a count of what it read.
KINDS = {
    "calamine": _calamine,
    "floor": _floor,
    "sniff": _sniff,
    "pandas": _pandas,
    "read_workbook": _read_workbook,
    "build": _build,
    "build_serial": _build_serial,
    "build_again": _build_again,
}


def _run_kind(kind: str, files: list[Path], raw: Path, out: Path) -> int:
    """Do the work measured as *kind* on *files*; return a count of what was read."""
    if kind not in KINDS:
        raise SystemExit(f"unknown worker kind {kind!r}")
    return KINDS[kind](files, raw, out)


def worker(kind: str, raw: Path, out: Path | None) -> dict:
    """Run one measurement in this process and return its figures.

    Every kind first runs once on the first workbook alone (imports, package data, first
    use caches), timed apart as ``warmup_s``; then on every workbook, timed.
    """
    files = _files(raw)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "raw").mkdir()
        shutil.copy(files[0], Path(tmp) / "raw" / files[0].name)
        _run_kind(kind, [Path(tmp) / "raw" / files[0].name], Path(tmp) / "raw", Path(tmp) / "out")
    warmup = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as scratch:
        t0 = time.perf_counter()
        cpu0 = _cpu_s()
        count = _run_kind(kind, files, raw, out or Path(scratch) / "out")
        seconds = time.perf_counter() - t0
        cpu = _cpu_s() - cpu0
    me, kids = _peak_mb()
    return {
        "kind": kind,
        "warmup_s": warmup,
        "files": len(files),
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_mb": me,
        "peak_child_mb": kids,
        "count": count,
    }


def best_of(repeat: int, kind: str, raw: Path, out: Path | None = None) -> dict:
    """Run :func:`run_worker` *repeat* times; return the fastest run (``runs``: all walls).

    The fastest of several runs is the one least disturbed by other work on the machine
    (as :mod:`timeit` does); every wall time is kept in ``runs``.
    """
    return best_of_rounds(repeat, [kind], raw, {kind: out})[kind]


def best_of_rounds(
    repeat: int, kinds: list[str], raw: Path, outs: dict[str, Path | None] | None = None
) -> dict[str, dict]:
    """Run every kind of *kinds* once per round, *repeat* rounds; the fastest run of each.

    Interleaving the kinds (build, pandas, build, pandas …) exposes each to the same
    moments of a shared machine, so that their ratio is not decided by which one met a
    busy minute. Every wall and CPU time is kept (``runs``, ``cpu_runs``).
    """
    outs = outs or {}
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(max(1, repeat)):
        for kind in kinds:
            runs[kind].append(run_worker(kind, raw, outs.get(kind)))
    best = {}
    for kind, rs in runs.items():
        ok = [r for r in rs if "error" not in r]
        if not ok:
            best[kind] = rs[0]
            continue
        b = dict(min(ok, key=lambda r: r["seconds"]))
        b["runs"] = [round(r["seconds"], 3) for r in ok]
        b["cpu_runs"] = [round(r["cpu_s"], 3) for r in ok]
        best[kind] = b
    return best


def run_worker(kind: str, raw: Path, out: Path | None = None, timeout: float = 1800) -> dict:
    """Run :func:`worker` in a fresh interpreter; return its figures (or an ``error``)."""
    cmd = [PY, str(Path(__file__).resolve()), "_worker", kind, str(raw)]
    if out is not None:
        cmd.append(str(out))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"kind": kind, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"kind": kind, "error": f"exit {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- measures


def machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for pkg in ("bkanalysis", "pandas", "pyarrow", "openpyxl", "python-calamine", "xlrd"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
        "packages": versions,
    }


def import_time(repeats: int = 7) -> dict:
    code = "import time; t = time.perf_counter(); import bkanalysis; print(time.perf_counter() - t)"
    inner, outer = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
        outer.append(time.perf_counter() - t)
        inner.append(float(proc.stdout.strip()))
    base = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        base.append(time.perf_counter() - t)
    heavy = subprocess.run(
        [PY, "-c", "import sys, bkanalysis; print(sorted(m for m in ('pandas', 'numpy', "
         "'geopandas', 'matplotlib') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return {
        "import_s": statistics.median(inner),
        "process_s": statistics.median(outer),
        "bare_python_s": statistics.median(base),
        "heavy_modules": heavy,
    }


def ensure_archive(workdir: Path, n: int) -> Path:
    sys.path.insert(0, str(HERE))
    from make_archive import make_archive

    raw = workdir / f"archive_{n}"
    stamp = raw / ".complete"
    if not stamp.exists():
        shutil.rmtree(raw, ignore_errors=True)
        t = time.perf_counter()
        make_archive(raw, n, seed=0)
        stamp.write_text(str(n))
        print(f"  generated {n} workbooks in {time.perf_counter() - t:.1f} s ({raw})", flush=True)
    return raw


def freeze_checkout(dest: Path) -> Path:
    """Copy the package source, notebooks and example data of this checkout into *dest*.

    The report's cache key includes the package source, so timing a cached rerun in a
    checkout that is being edited measures the edits; the frozen copy does not change.
    """
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info")
    for sub in ("src", "notebooks", "data/raw", "data/external"):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, dest / sub, ignore=ignore, symlinks=True)
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    (dest / "reports").mkdir(exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def report_times(workdir: Path, *, frozen: bool = True) -> dict:
    """Time ``bkanalysis report`` on the example data, then a rerun with unchanged inputs."""
    try:
        import importlib

        mod = importlib.import_module("bkanalysis.report")
        if not hasattr(mod, "report"):
            return {"error": "not available yet (bkanalysis.report has no report)"}
    except ImportError:
        return {"error": "not available yet (no bkanalysis.report)"}
    raw = ROOT / "data" / "raw"
    if not raw.is_dir() or not any(p.is_file() for p in raw.rglob("*.xls*")):
        return {"error": f"no example data in {raw}"}
    env = dict(os.environ)
    if frozen:
        root = freeze_checkout(workdir / "frozen")
        env["BKANALYSIS_ROOT"] = str(root)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        for key in ("BKANALYSIS_RAW", "BKANALYSIS_PROCESSED", "BKANALYSIS_REPORTS"):
            env.pop(key, None)
        # the copy is elsewhere: the checkout's boundaries (``../shared/geo`` beside it
        # unless set), so that the commune maps are drawn and timed as in the checkout
        env.setdefault("BKANALYSIS_GEO_MIRROR", str(ROOT.parent / "shared" / "geo"))
        cwd = root
    else:
        cwd = ROOT
        env["BKANALYSIS_RAW"] = str(raw)
        env["BKANALYSIS_PROCESSED"] = str(workdir / "report_processed")
        env["BKANALYSIS_REPORTS"] = str(workdir / "report_reports")
        for key in ("BKANALYSIS_PROCESSED", "BKANALYSIS_REPORTS"):
            shutil.rmtree(env[key], ignore_errors=True)
    out: dict = {"frozen_copy": str(cwd) if frozen else None}
    digest = getattr(mod, "_source_digest", lambda: "")
    before = digest()
    steps = ["first_s", "one_workbook_s", "rerun_s"] if frozen else ["first_s", "rerun_s"]
    for label in steps:
        if label == "rerun_s" and not frozen and digest() != before:
            out["note"] = "the package source changed during the first run: the rerun is not cached"
        if label == "one_workbook_s":
            sys.path.insert(0, str(HERE))
            from report_profile import add_one_theme_workbook

            out["added"] = add_one_theme_workbook(cwd)
        out[label.replace("_s", "_load")] = _load()
        before_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [PY, "-m", "bkanalysis", "report", "--quiet", "--explain"],
            capture_output=True, text=True, env=env, cwd=cwd, timeout=1800,
        )  # fmt: skip
        out[label] = time.perf_counter() - t
        # user + system time of the report and every process under it (workers, kernels)
        after_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        out[label.replace("_s", "_cpu_s")] = (after_cpu.ru_utime + after_cpu.ru_stime) - (
            before_cpu.ru_utime + before_cpu.ru_stime
        )
        out[label.replace("_s", "_explain")] = [
            line for line in proc.stderr.splitlines() if re.match(r"^\d\d-\S+ \(\w+\): ", line)
        ]
        if proc.returncode != 0:
            tail = ((proc.stderr or proc.stdout).strip().splitlines() or ["?"])[-1]
            out["error"] = f"bkanalysis report exited {proc.returncode}: {tail}"
            return out
        if label == "first_s" and frozen:
            out["reports"] = str(cwd / "reports")
            # read now: the next runs overwrite the executed notebooks they rerun
            sys.path.insert(0, str(HERE))
            from report_profile import report_profile

            out["first_profile"] = report_profile(cwd / "reports")
            figures = cwd / "reports" / "vi" / "figures"
            out["maps"] = len(list(figures.glob("*_by_commune_*.png")))
    return out


def report_profile_of(rep: dict) -> None:
    """Print where the first report's time went (its executed notebooks and cache)."""
    sys.path.insert(0, str(HERE))
    from report_profile import export_seconds, print_profile, report_profile

    reports = Path(rep["reports"])
    processed = reports.parent / "data" / "processed" / "observations.parquet"
    env_backup = dict(os.environ)
    try:
        os.environ["BKANALYSIS_ROOT"] = str(reports.parent)
        exports = export_seconds(processed)
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    print_profile(rep.get("first_profile") or report_profile(reports), exports)


# --------------------------------------------------------------------------- main


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def fmt_run(r: dict) -> str:
    if "error" in r:
        return f"ERROR {r['error']}"
    warm = f"  (+ start-up {r['warmup_s']:.1f} s)" if r.get("warmup_s") else ""
    return (
        f"{r['seconds']:7.2f} s  {r['seconds'] / max(r['files'], 1) * 1000:6.1f} ms/file  "
        f"cpu {r['cpu_s']:6.1f} s  peak {max(r['peak_mb'], r['peak_child_mb']):6.0f} MB{warm}"
    )


def _bench_size(n: int, args, workdir: Path) -> dict:
    """Time every kind on the archive of *n* workbooks; print and return the figures."""
    print(f"\n== {n} workbooks  (load average before: {_load()})")
    raw = ensure_archive(workdir, n)
    row: dict = {}
    run_worker("calamine", raw)  # warms the page cache
    k = args.repeat
    row["read_workbook"] = run_worker("read_workbook", raw)
    kinds = ["calamine", "sniff", "floor", "build", "build_serial"]
    if n <= args.pandas_max:
        kinds.append("pandas")
    outs = {"build": workdir / f"out_{n}", "build_serial": workdir / f"out_{n}_serial"}
    row.update(best_of_rounds(k, kinds, raw, outs))
    print(
        f"  (best of {k} rounds of every kind in turn, each run in a fresh process, "
        "start-up timed apart)"
    )
    for key in (
        "calamine",
        "sniff",
        "floor",
        "read_workbook",
        "build",
        "build_serial",
        "pandas",
    ):
        if key in row:
            print(f"  {key:14s} {fmt_run(row[key])}")
    cal, bld, rdw = row["calamine"], row["build"], row["read_workbook"]
    if "error" not in cal and "error" not in bld:
        ratio = bld["seconds"] / cal["seconds"]
        cpu_ratio = bld["cpu_s"] / cal["cpu_s"]
        row["vs_calamine"], row["vs_calamine_cpu"] = ratio, cpu_ratio
        extra = ""
        if "error" not in rdw:
            extra = f"; read_workbook loop {rdw['seconds'] / cal['seconds']:.1f}x"
        goal = GOALS["vs_calamine"]
        print(
            f"  build / calamine      wall {ratio:6.1f}x [{verdict(ratio <= goal)}], "
            f"cpu {cpu_ratio:6.1f}x [{verdict(cpu_ratio <= goal)}]  goal <= {goal}x{extra}"
        )
    for key, what in (
        ("sniff", "the bad-input checks alone: zip sizes, CRC-32, entity declarations"),
        ("floor", "calamine, one record per numeric cell, CSV and parquet: no reader in "
                  "Python does less"),
    ):  # fmt: skip
        if "error" not in cal and "error" not in row[key]:
            row[f"{key}_vs_calamine"] = times = row[key]["seconds"] / cal["seconds"]
            print(f"  {key} / calamine{' ' * (11 - len(key))}wall {times:6.1f}x  ({what})")
    if "pandas" in row and "error" not in row["pandas"] and "error" not in bld:
        speed = row["pandas"]["seconds"] / bld["seconds"]
        cpu_speed = row["pandas"]["cpu_s"] / bld["cpu_s"]
        row["vs_pandas"], row["vs_pandas_cpu"] = speed, cpu_speed
        goal = GOALS["vs_pandas"]
        print(
            f"  pandas / build        wall {speed:6.2f}x [{verdict(speed >= goal)}], "
            f"cpu {cpu_speed:6.2f}x [{verdict(cpu_speed >= goal)}]  goal >= {goal}x faster"
        )
        pc, bc = row["pandas"].get("cpu_runs", []), bld.get("cpu_runs", [])
        if len(pc) == len(bc) > 1:
            paired = [x / y for x, y in zip(pc, bc, strict=True)]
            row["vs_pandas_cpu_rounds"] = paired
            print(
                "  pandas / build cpu, round by round: "
                + " ".join(f"{x:.2f}" for x in paired)
                + f"  (median {statistics.median(paired):.2f}x)"
            )
    if "error" not in bld:
        peak = max(bld["peak_mb"], bld["peak_child_mb"])
        print(
            f"  build peak RSS        {peak:5.0f} MB (main {bld['peak_mb']:.0f} MB, largest "
            f"worker {bld['peak_child_mb']:.0f} MB)  "
            f"[{verdict(peak < GOALS['peak_mb'])} < {GOALS['peak_mb']:.0f} MB]"
        )
        if n >= 1000:
            cold = bld["seconds"] + bld["warmup_s"]
            goal = GOALS["seconds_1000"] * n / 1000
            print(
                f"  build of {n}, start-up included  {cold:5.1f} s  "
                f"[{verdict(cold < goal)} < {goal:.0f} s]  (cpu {bld['cpu_s']:.1f} s)"
            )
    row["one_added"] = _one_workbook_added(raw, workdir, n, bld)
    print(f"  load average after: {_load()}")
    return row


def _one_workbook_added(raw: Path, workdir: Path, n: int, full: dict) -> dict:
    """Time a build of *raw* over the outputs of a build of *raw* less its last workbook.

    Printed beside *full*, the figures of a build of all of *raw* from nothing.
    """
    files = _files(raw)
    copy = workdir / f"archive_{n}_one_added"
    out = workdir / f"out_{n}_one_added"
    for folder in (copy, out):
        shutil.rmtree(folder, ignore_errors=True)
    for f in files[:-1]:
        target = copy / f.relative_to(raw)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    first = run_worker("build_again", copy, out)  # the build before: not timed here
    if "error" in first:
        return first
    target = copy / files[-1].relative_to(raw)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(files[-1], target)
    r = run_worker("build_again", copy, out)
    if "error" in r or "error" in full:
        print(f"  build after adding one workbook: {fmt_run(r)}")
        return r
    print(
        f"  build after adding one workbook to {n - 1} built before: {r['seconds']:.2f} s "
        f"(cpu {r['cpu_s']:.1f} s), against {full['seconds']:.2f} s for a build of all "
        f"{n}: the others' records are kept from the last build (bkanalysis.read_cache)"
    )
    return r


def _print_scale(results: dict) -> None:
    """Print how the build grows from the smallest to the largest archive."""
    ok_sizes = [
        n
        for n in results["sizes"]
        if "error" not in results["sizes"][n]["build"]
        and "error" not in results["sizes"][n].get("build_serial", {"error": "not run"})
    ]
    if len(ok_sizes) >= 2:
        small, large = min(ok_sizes), max(ok_sizes)
        b = {n: results["sizes"][n]["build"] for n in (small, large)}
        s1 = {n: results["sizes"][n]["build_serial"] for n in (small, large)}
        wall = {n: b[n]["seconds"] / n * 1000 for n in b}
        cpu = {n: s1[n]["cpu_s"] / n * 1000 for n in s1}
        growth, cpu_growth = wall[large] / wall[small], cpu[large] / cpu[small]
        results["linear"], results["linear_cpu"] = growth, cpu_growth
        goal = GOALS["linear"]
        print(
            f"\n== scale from {small} to {large} files (warm builds, start-up excluded; "
            f"linear: <= x{goal} per file)\n"
            f"  build as run          wall {wall[small]:5.1f} -> {wall[large]:5.1f} ms/file "
            f"(x{growth:.2f}) [{verdict(growth <= goal)}]\n"
            f"  build in one process  cpu  {cpu[small]:5.1f} -> {cpu[large]:5.1f} ms/file "
            f"(x{cpu_growth:.2f}) [{verdict(cpu_growth <= goal)}]  (the parallel build's CPU "
            "also counts each worker process's start-up, a fixed ~1 s)"
        )


def _bench_report(args, workdir: Path, results: dict) -> None:
    """Time the three report figures and print where the first report's time went."""
    print("\n== bkanalysis report on the example data (data/raw)")
    rep = report_times(workdir, frozen=not args.report_in_place)
    results["report"] = rep
    figures = (
        ("first full report", "first_s", "report_s"),
        ("after adding one workbook", "one_workbook_s", "report_one_workbook_s"),
        ("nothing changed", "rerun_s", "report_rerun_s"),
    )
    for label, key, goal in figures:
        if key in rep:
            ok = verdict(rep[key] <= GOALS[goal])
            cpu, load = rep[key.replace("_s", "_cpu_s")], rep[key.replace("_s", "_load")]
            print(
                f"  {label:26} {rep[key]:6.1f} s wall  [{ok} <= {GOALS[goal]:.0f} s]  "
                f"cpu {cpu:6.1f} s  (load average before: {load})"
            )
    if "maps" in rep:
        print(
            f"  commune maps in the first report: {rep['maps']}"
            + ("" if rep["maps"] else " (no boundaries found: set BKANALYSIS_GEO_MIRROR)")
        )
    if rep.get("added"):
        print(f"  added {rep['added']}; what reran:")
        for line in rep.get("one_workbook_explain", []):
            print(f"    {line}")
    for key in ("note", "error"):
        if key in rep:
            print(f"  {rep[key]}")
    if "reports" in rep and "error" not in rep:
        print("\n== where the first report's time went (seconds, per notebook)")
        report_profile_of(rep)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_worker":
        out = Path(argv[3]) if len(argv) > 3 else None
        print(json.dumps(worker(argv[1], Path(argv[2]), out)))
        return 0
    ap = argparse.ArgumentParser(description="bkanalysis benchmarks (issue 8)")
    ap.add_argument("--quick", action="store_true", help="small run: 20 and 100 workbooks")
    ap.add_argument("--sizes", help="comma-separated archive sizes (default 100,1000)")
    ap.add_argument("--pandas-max", type=int, default=100,
                    help="largest archive also read with pandas (slow; default 100)")  # fmt: skip
    ap.add_argument("--workdir", type=Path, help="where to keep generated archives")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each timed figure; the fastest is kept (default 3)")  # fmt: skip
    ap.add_argument("--no-report", action="store_true", help="skip the bkanalysis report timing")
    ap.add_argument(
        "--report-in-place",
        action="store_true",
        help="time the report on this checkout instead of a frozen copy of it",
    )
    ap.add_argument("--report-only", action="store_true", help="only time bkanalysis report")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [20, 100] if args.quick else [100, 1000]
    )  # fmt: skip
    workdir = args.workdir or Path(tempfile.gettempdir()) / "bkanalysis-bench"
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "sizes": {}}
    m = results["machine"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), RAM {m['ram']}, Python {m['python']}")
    print("packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))

    print("\n== import bkanalysis")
    imp = import_time(3 if args.quick else 7)
    results["import"] = imp
    print(f"  import bkanalysis  {imp['import_s']:.3f} s (median; whole interpreter "
          f"{imp['process_s']:.3f} s, bare python {imp['bare_python_s']:.3f} s)  "
          f"heavy modules loaded: {imp['heavy_modules']}  "
          f"[{verdict(imp['import_s'] < GOALS['import_s'])} < {GOALS['import_s']} s]")  # fmt: skip

    for n in [] if args.report_only else sizes:
        results["sizes"][n] = _bench_size(n, args, workdir)

    _print_scale(results)

    if not args.no_report:
        _bench_report(args, workdir, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

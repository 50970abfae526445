"""No loss: raw files never written, atomic outputs, interrupted builds, determinism,
files vanishing or locked during a build."""

from __future__ import annotations

import builtins
import hashlib
import importlib.util
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pipeline = pytest.importorskip("bkanalysis.pipeline", reason="bkanalysis.pipeline not written yet")

CACHE_DIR = ".read-cache"  # bkanalysis.read_cache.CACHE_DIR: the workbooks' records, kept
HERE = Path(__file__).parent
BAD = HERE / "data" / "bad"
OUTPUTS = (
    "observations.csv",
    "observations.parquet",
    "rejects.csv",
    "superseded.csv",
    "superseded.parquet",
    "validation.md",
)


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _load("_bad_input_build_helpers", HERE / "test_bad_input_build.py")
write_good_workbook = helpers.write_good_workbook
read_outputs = helpers.read_outputs
assert_good_file_read = helpers.assert_good_file_read
assert_one_line_reason = helpers.assert_one_line_reason


def snapshot(root: Path) -> dict[str, tuple]:
    """Path -> (size, mtime_ns, mode, sha256) of every file and folder under *root*."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.stat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        out[p.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns, st.st_mode, digest)
    return out


def mixed_raw(root: Path) -> Path:
    write_good_workbook(root / "good.xlsx")
    write_good_workbook(root / "sub" / "nested good.xlsx")
    for name in ("error_cells.xlsx", "formula_no_cache.xlsx", "truncated.xlsx", "html_table.xls",
                 "encrypted.xlsx", "memo_sheet.xlsx"):  # fmt: skip
        shutil.copy2(BAD / name, root / "sub" / name)
    return root


def test_raw_files_are_never_written(tmp_path):
    raw = mixed_raw(tmp_path / "raw")
    before = snapshot(raw)
    pipeline.build(raw, tmp_path / "out", progress=False)
    assert snapshot(raw) == before


def test_outputs_complete_and_no_temporary_files_left(tmp_path):
    out = tmp_path / "out"
    pipeline.build(mixed_raw(tmp_path / "raw"), out, progress=False)
    names = {p.name for p in out.iterdir()}
    assert set(OUTPUTS) <= names
    leftovers = [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    assert leftovers == [CACHE_DIR], f"temporary files left in {out}: {leftovers}"
    kept = [p.name for p in (out / CACHE_DIR).iterdir()]  # the workbooks' records
    assert kept and all(n.endswith(".pickle") and not n.startswith(".") for n in kept)
    obs, _ = read_outputs(out)
    assert_good_file_read(obs, "good.xlsx")
    assert_good_file_read(obs, "sub/nested good.xlsx")


def test_two_builds_are_byte_identical(tmp_path):
    raw = mixed_raw(tmp_path / "raw")
    pipeline.build(raw, tmp_path / "a", progress=False)
    pipeline.build(raw, tmp_path / "b", progress=False)
    pipeline.build(raw, tmp_path / "a", progress=False)  # again, over existing outputs
    # the same files copied elsewhere in reverse order (other inode and listing order)
    raw2 = tmp_path / "elsewhere" / "raw"
    for p in sorted(raw.rglob("*"), reverse=True):
        if p.is_file():
            target = raw2 / p.relative_to(raw)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, target)
    pipeline.build(raw2, tmp_path / "c", progress=False)
    for name in ("observations.csv", "rejects.csv"):
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        assert a == (tmp_path / "c" / name).read_bytes(), f"{name} depends on the raw location"
    assert (tmp_path / "a" / "rejects.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_failure_while_writing_leaves_previous_outputs_intact(tmp_path, monkeypatch):
    """A build that dies while writing (disk full, killed) must not mix old and new outputs."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_good_workbook(raw / "good.xlsx")
    pipeline.build(raw, out, progress=False)
    previous = {name: (out / name).read_bytes() for name in OUTPUTS}
    shutil.copy2(BAD / "error_cells.xlsx", raw / "error_cells.xlsx")  # new outputs differ
    real_write_bytes, real_write_text = Path.write_bytes, Path.write_text

    def failing(real):
        def write(self, *args, **kwargs):
            if "validation.md" in self.name:  # the temporary file of validation.md
                raise OSError(28, "No space left on device")
            return real(self, *args, **kwargs)

        return write

    monkeypatch.setattr(Path, "write_bytes", failing(real_write_bytes))
    monkeypatch.setattr(Path, "write_text", failing(real_write_text))
    with pytest.raises(OSError, match="No space left"):
        pipeline.build(raw, out, progress=False)
    changed = [name for name in OUTPUTS if (out / name).read_bytes() != previous[name]]
    assert not changed, f"a failed build replaced {changed} but not the other outputs"


def test_build_killed_while_replacing_outputs_is_completed_never_mixed(tmp_path, monkeypatch):
    """Killed between two renames: the next reader or build completes the new set."""
    from bkanalysis import commit

    raw, out, ref = tmp_path / "raw", tmp_path / "out", tmp_path / "ref"
    write_good_workbook(raw / "good.xlsx")
    pipeline.build(raw, out, progress=False)
    previous = {name: (out / name).read_bytes() for name in OUTPUTS}
    shutil.copy2(BAD / "error_cells.xlsx", raw / "error_cells.xlsx")  # new outputs differ
    pipeline.build(raw, ref, progress=False)
    complete = {name: (ref / name).read_bytes() for name in OUTPUTS}
    assert complete != previous
    real_rename, renamed = commit._rename, []

    def killed_after_two(src, dst):
        if Path(dst).name in OUTPUTS and len(renamed) == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this runs
        real_rename(src, dst)
        renamed.append(Path(dst).name)

    monkeypatch.setattr(commit, "_rename", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(raw, out, progress=False)
    monkeypatch.undo()
    assert (out / commit.COMMIT_RECORD).is_file()
    # a reader completes the commit before it reads anything
    obs = pipeline.load_observations(out)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == complete
    assert len(obs) == len(pd_read(out))
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != CACHE_DIR]


def test_interrupted_commit_is_completed_by_the_next_build(tmp_path, monkeypatch):
    from bkanalysis import commit

    raw, out = tmp_path / "raw", tmp_path / "out"
    write_good_workbook(raw / "good.xlsx")
    real_rename = commit._rename

    def killed(src, dst):
        if Path(dst).name == "rejects.csv":
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(commit, "_rename", killed)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(raw, out, progress=False)
    monkeypatch.undo()
    assert commit.finish_commit(out) is True  # what the next build does first
    assert set(OUTPUTS) <= {p.name for p in out.iterdir()}
    assert not (out / commit.COMMIT_RECORD).exists()


def pd_read(out: Path):
    import pandas as pd

    return pd.read_parquet(out / "observations.parquet")


def _patch_everywhere(monkeypatch, module_name: str, attr: str, wrapper_factory) -> None:
    """Replace *attr* of *module_name* and every bkanalysis module that imported it by name."""
    module = importlib.import_module(module_name)
    real = getattr(module, attr)
    wrapper = wrapper_factory(real)
    for mod_name, mod in list(sys.modules.items()):
        if mod_name.startswith("bkanalysis") and getattr(mod, attr, None) is real:
            monkeypatch.setattr(mod, attr, wrapper)


def test_file_vanishing_before_it_is_read(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_good_workbook(raw / "good.xlsx")
    write_good_workbook(raw / "vanishing.xlsx")
    importlib.import_module("bkanalysis.ingest.reader")

    def factory(real):
        def sniff_workbook(path, *args, **kwargs):
            if Path(path).name == "vanishing.xlsx":
                Path(path).unlink(missing_ok=True)  # removed after the folder was listed
            return real(path, *args, **kwargs)

        return sniff_workbook

    _patch_everywhere(monkeypatch, "bkanalysis.ingest.sniff", "sniff_workbook", factory)
    pipeline.build(raw, tmp_path / "out", progress=False)
    obs, rej = read_outputs(tmp_path / "out")
    assert_good_file_read(obs)
    assert_one_line_reason(rej, "vanishing.xlsx", "not found|removed|vanish|missing")


def test_file_vanishing_while_it_is_read(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_good_workbook(raw / "good.xlsx")
    write_good_workbook(raw / "vanishing.xlsx")
    importlib.import_module("bkanalysis.ingest.reader")

    def factory(real):
        def load(path, *args, **kwargs):
            if Path(path).name == "vanishing.xlsx":
                Path(path).unlink(missing_ok=True)  # sniffed, then removed before parsing
            return real(path, *args, **kwargs)

        return load

    _patch_everywhere(monkeypatch, "bkanalysis.ingest.cells", "load_workbook_grids", factory)
    pipeline.build(raw, tmp_path / "out", progress=False)
    obs, rej = read_outputs(tmp_path / "out")
    assert_good_file_read(obs)
    assert_one_line_reason(rej, "vanishing.xlsx")


def test_locked_file(tmp_path, monkeypatch):
    # tests run as root, where chmod 000 does not block reads: simulate the lock on open()
    raw = tmp_path / "raw"
    write_good_workbook(raw / "good.xlsx")
    locked = write_good_workbook(raw / "locked.xlsx")
    if os.geteuid() != 0:
        locked.chmod(0)
    real_open = builtins.open

    def locked_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file).name == "locked.xlsx":
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", locked_open)
    monkeypatch.setattr(io, "open", locked_open)  # pathlib and zipfile use io.open
    try:
        pipeline.build(raw, tmp_path / "out", progress=False)
    finally:
        monkeypatch.undo()
        locked.chmod(0o644)
    obs, rej = read_outputs(tmp_path / "out")
    assert_good_file_read(obs)
    assert_one_line_reason(rej, "locked.xlsx", "permission|locked")


def _load_make_archive():
    return _load("_make_archive", HERE.parent / "benchmarks" / "make_archive.py")


def _build_cmd(raw: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "bkanalysis", "build", "--raw", str(raw), "--out", str(out),
            "--quiet"]  # fmt: skip


@pytest.mark.slow
def test_interrupted_build_leaves_previous_outputs_intact(tmp_path):
    make_archive = _load_make_archive().make_archive
    raw, out = tmp_path / "raw", tmp_path / "out"
    make_archive(raw, 60, seed=1, jobs=1)
    t0 = time.perf_counter()
    subprocess.run(_build_cmd(raw, out), check=True, capture_output=True, timeout=600)
    duration = time.perf_counter() - t0
    previous = {name: (out / name).read_bytes() for name in OUTPUTS}
    visible_before = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))

    # more input, so that a completed build changes the outputs: what an uninterrupted
    # build of it writes, and how long it takes
    make_archive(raw / "new", 30, seed=2, jobs=1)
    ref = tmp_path / "ref"
    t0 = time.perf_counter()
    subprocess.run(_build_cmd(raw, ref), check=True, capture_output=True, timeout=600)
    duration = time.perf_counter() - t0
    complete = {name: (ref / name).read_bytes() for name in OUTPUTS}
    assert complete["observations.csv"] != previous["observations.csv"]
    killed_before_writing = []
    for fraction in (0.3, 0.8):
        proc = subprocess.Popen(_build_cmd(raw, out), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        time.sleep(max(duration * fraction, 0.2))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            continue  # finished before the kill: nothing to check for this fraction
        # what every reader does first (load_observations): complete a commit the kill
        # interrupted between two renames
        from bkanalysis.commit import finish_commit

        finish_commit(out)
        state = {name: (out / name).read_bytes() for name in OUTPUTS}
        # all or nothing: the previous outputs or, when the kill came as the process was
        # ending, the complete new ones; never some of each
        mixed = [name for name in OUTPUTS if state[name] != previous[name]]
        assert state in (previous, complete), (
            f"a build killed at {fraction:.0%} left a mix: {mixed} changed, the rest not"
        )
        if state == previous:
            killed_before_writing.append(fraction)
        visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
        assert visible == visible_before, f"partial files after a kill at {fraction:.0%}"
        if fraction <= 0.5:
            hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
            hidden = [name for name in hidden if name != CACHE_DIR]  # the workbooks' records
            assert not hidden, f"temporary files after a kill at {fraction:.0%}: {hidden}"
    assert killed_before_writing, (
        f"no build was killed before writing its outputs (uninterrupted: {duration:.1f} s)"
    )
    # the next build completes and replaces the outputs
    subprocess.run(_build_cmd(raw, out), check=True, capture_output=True, timeout=600)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == complete

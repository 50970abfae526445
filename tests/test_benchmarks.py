"""The benchmark script works (its figures are printed, not asserted: see benchmarks/)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent / "benchmarks"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load("_bench_run", BENCH / "run.py")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    raw = tmp_path_factory.mktemp("archive")
    _load("_bench_make_archive", BENCH / "make_archive.py").make_archive(raw, 4, seed=3, jobs=1)
    return raw


def test_every_kind_reads_the_archive(bench, archive, tmp_path, monkeypatch):
    monkeypatch.setenv("BKANALYSIS_WORKERS", "1")  # build_serial sets it: restored after
    files = bench._files(archive)
    assert len(files) == 4
    counts = {
        kind: bench._run_kind(kind, files, archive, tmp_path / kind)
        for kind in ("calamine", "sniff", "floor", "read_workbook", "build", "build_serial")
    }
    assert counts["sniff"] == 4  # every workbook passed the bad-input checks as xlsx
    assert counts["calamine"] > counts["floor"] > 0  # cells, then numeric cells
    # the build writes what read_workbook reads, one line per observation
    assert counts["build"] == counts["build_serial"] == counts["read_workbook"] > 0


def test_rounds_keep_every_run_and_the_fastest(bench, archive):
    best = bench.best_of_rounds(2, ["sniff", "calamine"], archive)
    for kind in ("sniff", "calamine"):
        r = best[kind]
        assert "error" not in r, r
        assert len(r["runs"]) == len(r["cpu_runs"]) == 2
        assert r["seconds"] == pytest.approx(min(r["runs"]), abs=1e-3)
        assert r["files"] == 4
    json.dumps(best)  # what --json writes

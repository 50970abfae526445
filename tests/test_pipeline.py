"""Tests of bkanalysis.pipeline (build, load_observations) and the build command."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bkanalysis.commands import build_command
from bkanalysis.errors import BkError
from bkanalysis.pipeline import build, find_workbooks, load_observations

DATA = Path(__file__).parent / "data" / "ingest"


@pytest.fixture()
def raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    shutil.copy(DATA / "areas_years.xlsx", raw / "areas_years.xlsx")
    shutil.copy(DATA / "communes.xlsx", raw / "sub" / "communes.xlsx")
    shutil.copy(DATA / "spec_target.xlsx", raw / "spec_target.xlsx")
    shutil.copytree(DATA / "specs", raw / "specs")
    (raw / "SOURCES.yml").write_text("files: []\n", encoding="utf-8")
    (raw / "~$areas_years.xlsx").write_bytes(b"lock")
    (raw / ".hidden.xlsx").write_bytes(b"hidden")
    (raw / "notes.txt").write_text("hello", encoding="utf-8")
    (raw / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    return raw


def test_find_workbooks(raw):
    books, others = find_workbooks(raw)
    assert [p.relative_to(raw).as_posix() for p in books] == [
        "areas_years.xlsx",
        "broken.xlsx",
        "spec_target.xlsx",
        "sub/communes.xlsx",
    ]
    assert [p.name for p in others] == ["notes.txt"]


def test_build_outputs_and_determinism(raw, tmp_path, capsys):
    out = tmp_path / "out"
    res = build(raw, out, progress=True)
    err = capsys.readouterr().err
    assert "broken.xlsx: FAILED" in err
    assert res.failed == 1
    assert {p.name for p in out.iterdir()} == {
        "observations.parquet",
        "observations.csv",
        "rejects.csv",
        "superseded.csv",
        "superseded.parquet",
        "validation.md",
        ".read-cache",  # the records of the 3 readable workbooks, for the next build
    }
    assert len(list((out / ".read-cache").iterdir())) == 3
    obs = load_observations(out)
    assert len(obs) == len(res.observations) > 0
    assert set(obs.source_file) == {"areas_years.xlsx", "spec_target.xlsx", "sub/communes.xlsx"}
    csv = (out / "observations.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    rej = pd.read_csv(out / "rejects.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "unreadable file" in rej.loc[rej.source_file == "broken.xlsx", "reason"].iloc[0]
    report = (out / "validation.md").read_text(encoding="utf-8")
    for part in (
        "broken.xlsx",
        "areas_x_years",
        "communes_x_measures",
        "spec:free_form_forest",
        "missing marker",
        "Range problems",
        "Conflicting values across files",
        "notes.txt",
    ):
        assert part in report, part
    # identical inputs -> byte-identical outputs
    out2 = tmp_path / "out2"
    build(raw, out2, progress=False)
    for name in ("observations.csv", "rejects.csv", "validation.md"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes(), name


def test_conflicts_across_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(DATA / "legacy.xls", raw / "a.xls")
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [
        ["Tỷ lệ hộ dân được sử dụng nước sạch phân theo huyện"],
        ["Đơn vị tính: %"],
        [None, 2019],
        ["TỔNG SỐ - TOTAL", 90.0],
    ]:
        ws.append(row)
    wb.save(raw / "b.xlsx")
    res = build(raw, tmp_path / "out", progress=False)
    assert set(res.conflicts.source_file) == {"a.xls", "b.xlsx"}
    assert "85.2" in (tmp_path / "out" / "validation.md").read_text(encoding="utf-8")


def test_build_command_exit_codes(raw, tmp_path):
    args = argparse.Namespace(raw=str(raw), out=str(tmp_path / "o"), strict=False, quiet=True)
    assert build_command(args) == 1  # broken.xlsx
    (raw / "broken.xlsx").unlink()
    assert build_command(args) == 0
    args.strict = True
    assert build_command(args) != 0  # there are rejects


def test_missing_inputs(tmp_path):
    with pytest.raises(BkError, match="run `bkanalysis build`"):
        load_observations(tmp_path)
    with pytest.raises(BkError, match="not found"):
        build(tmp_path / "nope", tmp_path / "out", progress=False)


def test_parallel_build_is_identical(raw, tmp_path, monkeypatch):
    (raw / "broken.xlsx").unlink()
    build(raw, tmp_path / "seq", progress=False)
    monkeypatch.setenv("BKANALYSIS_WORKERS", "2")
    build(raw, tmp_path / "par", progress=False)
    for name in ("observations.csv", "rejects.csv", "validation.md"):
        assert (tmp_path / "seq" / name).read_bytes() == (tmp_path / "par" / name).read_bytes()


def _reads(monkeypatch) -> list[str]:
    """Record the name of every workbook the build reads (not taken from its cache)."""
    import bkanalysis.pipeline as pipeline

    read = []
    real = pipeline.workbook_records

    def counted(path, **kwargs):
        read.append(Path(path).name)
        return real(path, **kwargs)

    monkeypatch.setattr(pipeline, "workbook_records", counted)
    return read


_OUTPUTS = ("observations.csv", "observations.parquet", "rejects.csv", "superseded.csv",
            "validation.md")  # fmt: skip


def _same_outputs(a: Path, b: Path) -> None:
    for name in _OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_build_reads_again_only_the_workbooks_that_changed(raw, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    read = _reads(monkeypatch)
    build(raw, out, progress=False)
    assert sorted(read) == ["areas_years.xlsx", "broken.xlsx", "communes.xlsx", "spec_target.xlsx"]

    read.clear()
    build(raw, out, progress=True)
    assert read == ["broken.xlsx"]  # an unreadable file is never kept: tried again
    err = capsys.readouterr().err
    assert "areas_years.xlsx: " in err and "(unchanged: kept from the last build)" in err
    build(raw, tmp_path / "fresh", progress=False)
    _same_outputs(out, tmp_path / "fresh")

    # one workbook changed, one added, one removed: the changed and the new are read
    import openpyxl

    wb = openpyxl.load_workbook(raw / "areas_years.xlsx")
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, int | float))
    cell.value = cell.value + 1
    wb.save(raw / "areas_years.xlsx")
    shutil.copy(DATA / "communes.xlsx", raw / "communes_copy.xlsx")
    (raw / "spec_target.xlsx").unlink()
    read.clear()
    build(raw, out, progress=False)
    assert sorted(read) == ["areas_years.xlsx", "broken.xlsx", "communes_copy.xlsx"]
    assert len(list((out / ".read-cache").iterdir())) == 3  # the removed file's entry is gone
    shutil.rmtree(tmp_path / "fresh")
    build(raw, tmp_path / "fresh", progress=False)
    _same_outputs(out, tmp_path / "fresh")


def test_changed_aliases_or_specs_make_every_workbook_read_again(raw, tmp_path, monkeypatch):
    (raw / "broken.xlsx").unlink()
    out = tmp_path / "out"
    build(raw, out, progress=False)
    read = _reads(monkeypatch)
    spec = next((raw / "specs").glob("*.y*ml"))
    spec.write_text(spec.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    build(raw, out, progress=False)
    assert len(read) == 3
    read.clear()
    (raw / "aliases.csv").write_text("label,indicator_id,file,note\n", encoding="utf-8")
    build(raw, out, progress=False)
    assert len(read) == 3
    read.clear()
    build(raw, out, progress=False)
    assert read == []


def test_a_damaged_cache_entry_is_read_around(raw, tmp_path, monkeypatch):
    (raw / "broken.xlsx").unlink()
    out = tmp_path / "out"
    build(raw, out, progress=False)
    entries = sorted((out / ".read-cache").iterdir())
    entries[0].write_bytes(b"not a pickle")
    entries[1].write_bytes(entries[1].read_bytes()[:10])
    read = _reads(monkeypatch)
    build(raw, out, progress=False)
    assert len(read) == 2
    build(raw, tmp_path / "fresh", progress=False)
    _same_outputs(out, tmp_path / "fresh")


def test_stale_temporaries_of_a_killed_build_are_cleared(tmp_path):
    from bkanalysis.conflicts import resolve_conflicts
    from bkanalysis.pipeline import _write_outputs
    from bkanalysis.schema import empty_observations, empty_rejects

    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".observations.csv.abc123.tmp"
    stale.write_text("half a file", encoding="utf-8")
    keep = out / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    none = resolve_conflicts(empty_observations()).superseded
    _write_outputs(out, empty_observations(), empty_rejects(), "# report\n", none)
    assert not stale.exists()
    assert keep.exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "notes.txt",
        "observations.csv",
        "observations.parquet",
        "rejects.csv",
        "superseded.csv",
        "superseded.parquet",
        "validation.md",
    ]


def test_build_restores_the_garbage_collector_thresholds(raw, tmp_path, monkeypatch):
    import gc

    from bkanalysis import pipeline

    before = gc.get_threshold()
    seen = []
    real_read_all = pipeline._read_all

    def spy(*args):
        seen.append(gc.get_threshold()[0])  # while reading: fewer young collections
        yield from real_read_all(*args)

    monkeypatch.setattr(pipeline, "_read_all", spy)
    build(raw, tmp_path / "out", progress=False)
    assert seen and seen[0] >= 50_000 > before[0]
    assert gc.get_threshold() == before
    with pytest.raises(BkError):
        build(tmp_path / "missing", tmp_path / "out2", progress=False)
    assert gc.get_threshold() == before


def test_conflicts_are_sorted_and_need_two_files_and_two_values(tmp_path):
    from bkanalysis.conflicts import find_conflicts

    base = {
        "indicator_id": "forest_cover_pct",
        "area_code": "06",
        "admin_vintage": "2020",
        "status": "actual",
        "source_sheet": "S",
    }
    rows = [
        {**base, "year": 2021, "value": 1.0, "source_file": "b.xlsx", "source_cell": "C2"},
        {**base, "year": 2021, "value": 2.0, "source_file": "a.xlsx", "source_cell": "B2"},
        {**base, "year": 2020, "value": 5.0, "source_file": "a.xlsx", "source_cell": "B3"},
        {**base, "year": 2020, "value": 5.0, "source_file": "b.xlsx", "source_cell": "B3"},
        {**base, "year": 2022, "value": 1.0, "source_file": "a.xlsx", "source_cell": "B4"},
        {**base, "year": 2022, "value": 3.0, "source_file": "a.xlsx", "source_cell": "B5"},
        {**base, "year": 2019, "value": 7.0, "source_file": "c.xlsx", "source_cell": "A1"},
        {**base, "year": 2019, "value": 8.0, "source_file": "a.xlsx", "source_cell": "A1"},
    ]
    out = find_conflicts(pd.DataFrame(rows))
    # 2020: same value in two files; 2022: two values in one file; neither conflicts
    assert out[["year", "source_file", "value"]].values.tolist() == [
        [2019, "a.xlsx", 8.0],
        [2019, "c.xlsx", 7.0],
        [2021, "a.xlsx", 2.0],
        [2021, "b.xlsx", 1.0],
    ]
    assert list(out.index) == [0, 1, 2, 3]

"""Issue 13, findings 2, 5 and 6: SOURCES.yml checked at the start of ``build``, ``--strict``
fails only on what needs a person, and the terminal summary of a build.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from bkanalysis.build_summary import NeedsReviewError
from bkanalysis.commands import build_command
from bkanalysis.errors import BkError
from bkanalysis.pipeline import build
from bkanalysis.provenance import check_sources, parse_sources
from bkanalysis.reject_reasons import BY_DESIGN, NEEDS_REVIEW, classify_reason, reason_classes

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

HERE = Path(__file__).parent


def _precedence_helpers():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_precedence_helpers", HERE / "test_build_precedence.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _precedence_helpers()
write_province_sheet = helpers.write_province_sheet
write_sources = helpers.write_sources
FOREST = helpers.FOREST


def _args(raw: Path, out: Path, *, strict: bool = False, quiet: bool = False):
    return argparse.Namespace(raw=str(raw), out=str(out), strict=strict, quiet=quiet)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- finding 2: SOURCES.yml


def _doc_yaml_blocks(name: str) -> list[str]:
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [textwrap.dedent(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]


def test_the_examples_in_docs_data_md_are_valid():
    blocks = _doc_yaml_blocks("data.md")
    assert blocks, "docs/data.md has no ```yaml example"
    for block in blocks:
        text = block if block.lstrip().startswith("files:") else "files:\n" + block
        table = parse_sources(text, origin="docs/data.md")  # raises if invalid
        assert len(table) >= 1
        for row in table.to_dict("records"):
            if row["kind"] == "published":
                assert row["sources"], "a published example must show its citations"


def test_published_entry_without_citation_stops_the_build(tmp_path, capsys):
    """The finding as reported: `kind: published`, `sources: []` passed the build."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "2025/nien_giam_2025.xlsx", FOREST, {2025: 73.5})
    sha = _sha(raw / "2025/nien_giam_2025.xlsx")
    (raw / "SOURCES.yml").write_text(
        "files:\n  - path: 2025/nien_giam_2025.xlsx\n    title: Niên giám 2025\n"
        '    publisher: "Cục Thống kê"\n    kind: published\n    received: 2026-03-15\n'
        f'    sha256: "{sha}"\n    sources: []\n',
        encoding="utf-8",
    )
    with pytest.raises(BkError) as err:
        build(raw, out, progress=False)
    msg = str(err.value)
    assert "2025/nien_giam_2025.xlsx" in msg and "'sources'" in msg and "write" in msg
    assert not out.exists() or not any(out.iterdir()), "a refused build wrote outputs"
    # through the command line: exit status 1, the problem on stderr
    from bkanalysis.cli import main

    capsys.readouterr()
    assert main(["build", "--raw", str(raw), "--out", str(out), "--quiet"]) == 1
    err_text = capsys.readouterr().err
    assert "nien_giam_2025.xlsx" in err_text and "citation" in err_text


def test_every_problem_is_reported_at_once_one_line_each(tmp_path):
    raw = tmp_path / "raw"
    a = write_province_sheet(raw / "a.xlsx", FOREST, {2025: 1.0})
    b = write_province_sheet(raw / "b.xlsx", FOREST, {2024: 1.0})
    c = write_province_sheet(raw / "c.xlsx", FOREST, {2023: 1.0})
    write_province_sheet(raw / "new.xlsx", FOREST, {2022: 1.0})
    (raw / "SOURCES.yml").write_text(
        "files:\n"
        f'  - path: a.xlsx\n    title: A\n    kind: real\n    received: 2026-01-01\n    sha256: "{_sha(a)}"\n'
        f'  - path: b.xlsx\n    kind: synthetic\n    received: 2026-01-01\n    generator: g\n    sha256: "{_sha(b)}"\n'
        f'  - path: c.xlsx\n    title: C\n    kind: synthetic\n    received: 2026-01-01\n    generator: g\n    sha256: "{"0" * 64}"\n'
        f'  - path: gone.xlsx\n    title: G\n    kind: synthetic\n    received: 2026-01-01\n    generator: g\n    sha256: "{"0" * 64}"\n',
        encoding="utf-8",
    )  # fmt: skip
    files = [p for p in raw.iterdir() if p.suffix == ".xlsx"]
    _table, problems = check_sources(raw, files)
    by_file = {}
    for p in problems:
        assert "\n" not in p.message
        name = re.search(r"'([a-z]+\.xlsx)'", p.message).group(1)
        by_file[name] = p
    assert by_file["a.xlsx"].severity == "error" and "'kind'" in by_file["a.xlsx"].message
    assert by_file["b.xlsx"].severity == "error" and "'title'" in by_file["b.xlsx"].message
    assert by_file["c.xlsx"].severity == "error" and "'sha256'" in by_file["c.xlsx"].message
    assert _sha(c) in by_file["c.xlsx"].message  # what to write
    assert by_file["gone.xlsx"].severity == "warning"
    assert by_file["new.xlsx"].severity == "warning"
    assert _sha(raw / "new.xlsx") in by_file["new.xlsx"].message
    with pytest.raises(BkError) as err:
        build(raw, tmp_path / "out", progress=False)
    assert all(n in str(err.value) for n in ("a.xlsx", "b.xlsx", "c.xlsx"))


def test_an_unlisted_workbook_is_read_and_flagged(tmp_path, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "listed.xlsx", FOREST, {2024: 73.2})
    write_sources(raw, {"listed.xlsx": {}})
    write_province_sheet(raw / "2025/new_from_email.xlsx", FOREST, {2025: 73.5})
    assert build_command(_args(raw, out)) == 0
    err = capsys.readouterr().err
    assert "2025/new_from_email.xlsx" in err and "not listed" in err
    obs = build(raw, out, progress=False).observations
    assert "2025/new_from_email.xlsx" in set(obs["source_file"])  # not lost
    report = (out / "validation.md").read_text(encoding="utf-8")
    assert "new_from_email.xlsx" in report.split("## Provenance (SOURCES.yml)", 1)[1]
    # it needs a person: --strict fails and says why
    assert build_command(_args(raw, out, strict=True)) != 0
    assert "SOURCES.yml" in capsys.readouterr().err


def test_shipped_sources_are_valid_and_match():
    books = [p for p in RAW.rglob("*") if p.is_file() and p.name != "SOURCES.yml"]
    _table, problems = check_sources(RAW, books)
    assert problems == []


# ---------------------------------------------------------------- finding 5: --strict


def test_reject_reason_classes():
    assert reason_classes()
    for reason in (
        "missing marker",
        "subtotal row (not an observation)",
        "group row (not an observation)",
        "derived column 'So sánh (%)' (not an observation)",
        "remarks column 'Ghi chú' (not an observation)",
        "tick-mark column 'Đạt chuẩn NTM (x)' (not an observation)",
    ):
        assert classify_reason(reason) == BY_DESIGN, reason
    for reason in (
        "unreadable file: a PDF document, not a spreadsheet; ask for the Excel file",
        "unrecognised layout: no table (data rows under a header) found",
        "unresolved area 'Xã Mới' in vintage 2020 (unknown; candidates: none)",
        "no indicator matches label 'ty le ho nuoi ong' (candidates: none)",
        "unit mismatch: 'tấn' is not % (forest_cover_pct)",
        "out of range: forest_cover_pct = 120 % outside 0–100",
        "error cell (#REF!)",
        "formula without cached value",
        "something new nobody classified",
    ):
        assert classify_reason(reason) == NEEDS_REVIEW, reason


@pytest.fixture(scope="module")
def shipped_raw(tmp_path_factory):
    raw = tmp_path_factory.mktemp("shipped") / "raw"
    shutil.copytree(RAW, raw)
    return raw


def test_strict_passes_on_the_shipped_example_data(shipped_raw, tmp_path, capsys):
    """The finding as reported: 284 expected rejects made --strict unusable."""
    assert build_command(_args(shipped_raw, tmp_path / "out", strict=True)) == 0
    err = capsys.readouterr().err
    assert re.search(r"rejects: \d+ by design", err)
    assert "0 need review" in err


def _report_with_unmatched_label(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Bieu 1"
    ws["A1"] = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU TĂNG TRƯỞNG XANH TỈNH BẮC KẠN NĂM 2025"
    ws.append([])
    ws.append(["STT", "Chỉ tiêu", "ĐVT", "TH 2024", "ƯTH 2025"])
    ws.append([1, "Tỷ lệ che phủ rừng", "%", 73.1, 73.4])
    ws.append([2, "Tỷ lệ hộ nuôi ong mật có chứng nhận", "%", 12.0, 13.0])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_strict_fails_naming_the_cell_of_an_unmatched_label(shipped_raw, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(shipped_raw, raw)
    rel = "2025/bao_cao_2025.xlsx"
    book = _report_with_unmatched_label(raw / rel)
    sources = (raw / "SOURCES.yml").read_text(encoding="utf-8")
    sources += (
        f"  - path: {rel}\n    title: Báo cáo 2025\n    kind: synthetic\n"
        f'    received: 2026-03-15\n    sha256: "{_sha(book)}"\n    generator: tests\n'
    )
    (raw / "SOURCES.yml").write_text(sources, encoding="utf-8")
    out = tmp_path / "out"
    assert build_command(_args(raw, out)) == 0  # without --strict: read and reported
    capsys.readouterr()
    assert build_command(_args(raw, out, strict=True, quiet=True)) == 2
    err = capsys.readouterr().err
    assert f"{rel}, sheet Bieu 1, cell D5" in err
    assert "no indicator matches label" in err
    assert "need review" in err


def test_strict_fails_on_an_unresolved_conflict(tmp_path, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "x.xlsx", FOREST, {2025: 70.0})
    write_province_sheet(raw / "y.xlsx", FOREST, {2025: 71.0})
    write_sources(raw, {"x.xlsx": {}, "y.xlsx": {}})
    assert build_command(_args(raw, out, strict=True, quiet=True)) == 2
    err = capsys.readouterr().err
    assert "unresolved" in err and "x.xlsx" in err and "y.xlsx" in err


# ---------------------------------------------------------------- finding 6: summary


def test_summary_counts_and_lists_files_skipped(tmp_path, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a.xlsx", FOREST, {2024: 73.2, 2025: "-"})
    write_province_sheet(raw / "b.xlsx", FOREST, {2025: 73.5})
    (raw / "docs").mkdir()
    (raw / "docs" / "cong_van.docx").write_bytes(b"PK\x03\x04 not read")
    (raw / "ke_hoach.pdf").write_bytes(b"%PDF-1.4 not read")
    assert build_command(_args(raw, out)) == 0
    err = capsys.readouterr().err
    summary = err[err.index("built ") :]
    assert "2 observations" in summary
    assert "rejects: 1 by design, 0 need review" in summary
    assert "conflicts: 0 resolved, 0 unresolved" in summary
    assert "skipped (not workbooks): docs/cong_van.docx, ke_hoach.pdf" in summary
    # --quiet: nothing but problems
    assert build_command(_args(raw, out, quiet=True)) == 0
    assert capsys.readouterr().err == ""


def test_sources_checked_with_a_relative_raw_path(tmp_path, monkeypatch, capsys):
    """`bkanalysis build --raw raw` from the project folder: paths relative to the cwd."""
    write_province_sheet(tmp_path / "raw" / "a.xlsx", FOREST, {2024: 73.2})
    write_sources(tmp_path / "raw", {"a.xlsx": {}})
    monkeypatch.chdir(tmp_path)
    assert build_command(_args(Path("raw"), Path("out"), strict=True, quiet=True)) == 0
    (tmp_path / "raw" / "a.xlsx").write_bytes(b"edited")
    with pytest.raises(BkError, match="'sha256'"):
        build(Path("raw"), Path("out"), progress=False)


def test_an_unlisted_file_that_is_not_a_workbook_is_not_called_read(tmp_path):
    raw = tmp_path / "raw"
    write_province_sheet(raw / "a.xlsx", FOREST, {2024: 73.2})
    write_sources(raw, {"a.xlsx": {}})
    (raw / "cong_van.docx").write_bytes(b"PK\x03\x04")
    res = build(raw, tmp_path / "out", progress=False)
    (line,) = [str(p) for p in res.source_problems]
    assert "'cong_van.docx' is not listed (not read: not a workbook)" in line


def test_strict_build_raises_after_writing(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "notes.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(NeedsReviewError) as info:
        build(raw, tmp_path / "out", strict=True, progress=False)
    assert info.value.result.failed == 1 and info.value.problems
    assert (tmp_path / "out" / "validation.md").is_file()
    assert build(raw, tmp_path / "out2", progress=False).failed == 1  # not strict: no error

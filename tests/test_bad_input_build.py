"""Build-level bad-input tests: each bad file of tests/data/bad/ is reported, the rest is read.

For every file of the corpus, ``build()`` runs on a raw folder holding that file and one
good workbook; the good workbook must give its 36 observations, and the bad file must give
a one-line reason naming it (a row of rejects.csv), or be read when it holds a table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BAD = Path(__file__).parent / "data" / "bad"

pipeline = pytest.importorskip("bkanalysis.pipeline", reason="bkanalysis.pipeline not written yet")
pd = pytest.importorskip("pandas")

DISTRICTS = [
    ("Thành phố Bắc Kạn - Bac Kan city", "Thành phố Bắc Kạn"),
    ("Huyện Pác Nặm - Pac Nam district", "Huyện Pác Nặm"),
    ("Huyện Ba Bể - Ba Be district", "Huyện Ba Bể"),
    ("Huyện Ngân Sơn - Ngan Son district", "Huyện Ngân Sơn"),
    ("Huyện Bạch Thông - Bach Thong district", "Huyện Bạch Thông"),
    ("Huyện Chợ Đồn - Cho Don district", "Huyện Chợ Đồn"),
    ("Huyện Chợ Mới - Cho Moi district", "Huyện Chợ Mới"),
    ("Huyện Na Rì - Na Ri district", "Huyện Na Rì"),
]
GOOD_YEARS = [2019, 2020, 2021, 2022]


def good_value(i: int, j: int) -> float:
    """Forest area (ha) of district *i* (0-based) in year index *j*: distinct, exact in binary/10."""
    return round(20000 + 5000 * i + 111.1 * j, 1)


def write_good_workbook(path: Path) -> Path:
    """A clean areas × years yearbook sheet (forest area by district, ha), 2019–2022."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws["A1"] = "Diện tích rừng phân theo huyện - Forest area by district"
    ws["A2"] = "Đơn vị tính - Unit: Ha"
    for j, y in enumerate(GOOD_YEARS):
        ws.cell(3, j + 2, y)
    ws["A4"] = "TỔNG SỐ - TOTAL"
    for j in range(len(GOOD_YEARS)):
        ws.cell(4, j + 2, round(sum(good_value(i, j) for i in range(len(DISTRICTS))), 1))
    for i, (label, _) in enumerate(DISTRICTS):
        ws.cell(5 + i, 1, label)
        for j in range(len(GOOD_YEARS)):
            ws.cell(5 + i, j + 2, good_value(i, j))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def read_outputs(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the values read (observations, and those another file superseded) and rejects.

    The bad files are variants of the good workbook: where their values differ from the good
    file's, the precedence between sources keeps one and moves the other to superseded.csv
    (issue 13). Both were read; neither is lost.
    """
    obs = pd.read_csv(
        out / "observations.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    if (out / "superseded.csv").is_file():
        sup = pd.read_csv(
            out / "superseded.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        obs = pd.concat([obs, sup[list(obs.columns)]], ignore_index=True)
    rej = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return obs, rej


def run_build(raw: Path, out: Path, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    pipeline.build(raw, out, progress=False, **kw)
    return read_outputs(out)


def assert_good_file_read(obs: pd.DataFrame, name: str = "good.xlsx") -> None:
    mine = obs[obs["source_file"] == name]
    assert len(mine) == 36, f"{name}: expected 36 observations, got {len(mine)}"
    assert set(mine["indicator_id"]) == {"forest_area_ha"}
    assert set(mine["year"].astype(int)) == set(GOOD_YEARS)
    by_cell = dict(zip(mine["source_cell"], mine["value"].astype(float), strict=True))
    assert by_cell["C7"] == good_value(2, 1)  # Ba Bể 2020
    assert by_cell["E12"] == good_value(7, 3)  # Na Rì 2022
    province = mine[mine["area_level"] == "province"]
    assert len(province) == 4 and set(province["area_code"]) == {"06"}


def assert_one_line_reason(rej: pd.DataFrame, name: str, pattern: str | None = None) -> None:
    mine = rej[rej["source_file"] == name]
    assert len(mine) >= 1, f"{name} is not reported in rejects.csv"
    for reason in mine["reason"]:
        assert reason.strip(), f"{name}: empty reason"
        assert "\n" not in reason, f"{name}: reason spans several lines: {reason!r}"
    if pattern is not None:
        assert mine["reason"].str.contains(pattern, case=False, regex=True).any(), (
            f"{name}: no reason matches {pattern!r}: {list(mine['reason'])}"
        )


def assert_reported(out: Path, rej: pd.DataFrame, name: str, pattern: str | None = None) -> None:
    """*name* is a row of rejects.csv, or a one-line entry of validation.md naming it."""
    if (rej["source_file"] == name).any():
        assert_one_line_reason(rej, name, pattern)
        return
    lines = [
        line
        for line in (out / "validation.md").read_text(encoding="utf-8").splitlines()
        if name in line
    ]
    assert lines, f"{name} is neither in rejects.csv nor in validation.md"
    if pattern is not None:
        import re

        assert any(re.search(pattern, line, re.IGNORECASE) for line in lines), (
            f"{name}: no line of validation.md matches {pattern!r}: {lines}"
        )


REFUSED = {
    "truncated.xlsx": "corrupt|truncated",
    "crc_corrupt.xlsx": "corrupt",
    "text_renamed.xlsx": "text file|not a spreadsheet",
    "pdf_renamed.xlsx": "pdf",
    "not_a_workbook.xlsx": "not an excel workbook",
    "html_no_table.xls": "without a <table>|no table",
    "encrypted.xlsx": "password|encrypted",
    "zip_bomb.xlsx": "zip bomb",
    "billion_laughs.xlsx": "entity",
}


@pytest.fixture
def raw_with(tmp_path):
    def make(*names: str) -> Path:
        raw = tmp_path / "raw"
        write_good_workbook(raw / "good.xlsx")
        for name in names:
            shutil.copy2(BAD / name, raw / name)
        return raw

    return make


def test_good_workbook_alone_has_no_rejects(raw_with, tmp_path):
    obs, rej = run_build(raw_with(), tmp_path / "out")
    assert_good_file_read(obs)
    assert rej.empty, rej.to_string()


@pytest.mark.parametrize(("name", "pattern"), sorted(REFUSED.items()))
def test_unreadable_file_is_reported_and_others_read(raw_with, tmp_path, name, pattern):
    obs, rej = run_build(raw_with(name), tmp_path / "out")
    assert_good_file_read(obs)
    assert_one_line_reason(rej, name, pattern)
    assert not (obs["source_file"] == name).any()


def test_empty_workbook_is_reported(raw_with, tmp_path):
    obs, rej = run_build(raw_with("empty_workbook.xlsx"), tmp_path / "out")
    assert_good_file_read(obs)
    assert not (obs["source_file"] == "empty_workbook.xlsx").any()
    assert_reported(tmp_path / "out", rej, "empty_workbook.xlsx", "empty|no cells|no data|no table")


def test_memo_sheet_is_reported_never_half_read(raw_with, tmp_path):
    obs, rej = run_build(raw_with("memo_sheet.xlsx"), tmp_path / "out")
    assert_good_file_read(obs)
    assert not (obs["source_file"] == "memo_sheet.xlsx").any()
    assert_reported(tmp_path / "out", rej, "memo_sheet.xlsx", "Ghi chú")


def test_error_cells_are_rejects_never_zeros(raw_with, tmp_path):
    obs, rej = run_build(raw_with("error_cells.xlsx"), tmp_path / "out")
    assert_good_file_read(obs)
    name = "error_cells.xlsx"
    mine_rej = rej[rej["source_file"] == name].set_index("source_cell")
    for cell, err in {"C5": "#REF!", "D7": "#VALUE!", "B10": "#DIV/0!"}.items():
        assert cell in mine_rej.index, f"{name}!{cell} ({err}) is not a reject"
        assert err in mine_rej.loc[cell, "raw_value"]
    mine_obs = obs[obs["source_file"] == name]
    assert not set(mine_obs["source_cell"]) & {"C5", "D7", "B10"}
    assert not (mine_obs["value"].astype(float) == 0).any()
    # every other district value of the sheet is read (8 districts x 4 years - 3 errors)
    districts = mine_obs[mine_obs["area_level"] == "district"]
    assert len(districts) == 29


def test_formula_without_cached_value_is_a_reject(raw_with, tmp_path):
    obs, rej = run_build(raw_with("formula_no_cache.xlsx"), tmp_path / "out")
    assert_good_file_read(obs)
    name = "formula_no_cache.xlsx"
    mine_rej = rej[rej["source_file"] == name]
    assert {"B4", "C4", "D4", "E4"} <= set(mine_rej["source_cell"])
    mine_obs = obs[obs["source_file"] == name]
    assert not set(mine_obs["source_cell"]) & {"B4", "C4", "D4", "E4"}
    assert len(mine_obs[mine_obs["area_level"] == "district"]) == 32


def test_html_table_saved_as_xls_is_read(raw_with, tmp_path):
    obs, rej = run_build(raw_with("html_table.xls"), tmp_path / "out")
    assert_good_file_read(obs)
    mine = obs[obs["source_file"] == "html_table.xls"]
    assert len(mine) == 36, rej[rej["source_file"] == "html_table.xls"].to_string()
    assert set(mine["indicator_id"]) == {"forest_area_ha"}
    ba_be_2020 = mine[(mine["area_name"] == "Huyện Ba Bể") & (mine["year"] == "2020")]
    assert ba_be_2020["value"].astype(float).tolist() == [50402.6]
    prel = mine[mine["year"] == "2022"]
    assert set(prel["status"]) == {"preliminary"}


@pytest.mark.parametrize(
    "name", ["very_wide.xlsx", pytest.param("very_long.xlsx", marks=pytest.mark.slow)]
)
def test_very_large_sheet_is_read_or_reported(raw_with, tmp_path, name):
    obs, rej = run_build(raw_with(name), tmp_path / "out")
    assert_good_file_read(obs)
    assert (obs["source_file"] == name).any() or (rej["source_file"] == name).any(), (
        f"{name} vanished without a trace"
    )
    if (rej["source_file"] == name).any():
        assert_one_line_reason(rej, name)


def test_memo_under_a_neutral_sheet_name_is_not_half_read(tmp_path):
    """A memo in a sheet called 'Sheet1' (not recognisable by name) still gives nothing."""
    from openpyxl import load_workbook

    raw = tmp_path / "raw"
    write_good_workbook(raw / "good.xlsx")
    wb = load_workbook(BAD / "memo_sheet.xlsx")
    wb.active.title = "Sheet1"
    wb.save(raw / "memo.xlsx")
    obs, rej = run_build(raw, tmp_path / "out")
    assert_good_file_read(obs)
    assert not (obs["source_file"] == "memo.xlsx").any()
    assert_reported(tmp_path / "out", rej, "memo.xlsx")


def test_whole_corpus_at_once(tmp_path):
    raw = tmp_path / "raw"
    write_good_workbook(raw / "good.xlsx")
    big = {"very_long.xlsx", "very_wide.xlsx"}  # tested on their own above
    corpus = sorted(p for p in BAD.iterdir() if p.suffix in {".xlsx", ".xls"} and p.name not in big)
    (raw / "inbox").mkdir()
    for p in corpus:
        shutil.copy2(p, raw / "inbox" / p.name)
    obs, rej = run_build(raw, tmp_path / "out")
    assert_good_file_read(obs)
    validation = (tmp_path / "out" / "validation.md").read_text(encoding="utf-8")
    seen = set(obs["source_file"]) | set(rej["source_file"])
    for p in corpus:
        name = f"inbox/{p.name}"
        assert name in seen or name in validation, f"{name} vanished without a trace"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bkanalysis", "build", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_prints_one_line_naming_file_and_reason(raw_with, tmp_path):
    raw = raw_with("truncated.xlsx", "encrypted.xlsx")
    proc = _cli("--raw", str(raw), "--out", str(tmp_path / "out"))
    # the exit status without --strict is the pipeline's choice (it fails on unreadable files)
    assert (tmp_path / "out" / "observations.csv").is_file(), proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    for name, word in [("truncated.xlsx", "corrupt"), ("encrypted.xlsx", "password")]:
        hits = [line for line in lines if name in line and word in line.lower()]
        assert hits, f"no line names {name} with its reason in:\n{proc.stdout}\n{proc.stderr}"


def _cli_in_process(capsys, *args: str) -> tuple[int, str]:
    from bkanalysis.cli import main

    code = main(["build", *args])
    return code, capsys.readouterr().err


def test_strict_turns_any_reject_into_failure(raw_with, tmp_path, capsys):
    raw = raw_with("error_cells.xlsx")
    code, _ = _cli_in_process(capsys, "--raw", str(raw), "--out", str(tmp_path / "lax"), "--quiet")
    assert code == 0
    code, err = _cli_in_process(
        capsys, "--raw", str(raw), "--out", str(tmp_path / "strict"), "--quiet", "--strict"
    )
    assert code != 0
    assert err.strip(), "strict failure without a message"
    assert "reject" in err.lower()


def test_strict_passes_on_clean_input(raw_with, tmp_path, capsys):
    code, err = _cli_in_process(
        capsys, "--raw", str(raw_with()), "--out", str(tmp_path / "out"), "--quiet", "--strict"
    )
    assert code == 0, err


def test_strict_fails_on_unreadable_file(raw_with, tmp_path, capsys):
    raw = raw_with("text_renamed.xlsx")
    code, _ = _cli_in_process(
        capsys, "--raw", str(raw), "--out", str(tmp_path / "o"), "--quiet", "--strict"
    )
    assert code != 0

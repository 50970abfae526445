"""Issue 13, finding 4: which value wins when two files disagree is a stated rule, not path order.

Each test builds a raw folder of small workbooks that give the province's forest cover (and
rural latrines) for the same years, with a ``SOURCES.yml`` describing them, and checks the
observations, the ``superseded`` table and ``validation.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from bkanalysis.pipeline import build

FOREST = "Tỷ lệ che phủ rừng - Forest cover rate"
LATRINE = "Tỷ lệ hộ nông thôn có nhà tiêu hợp vệ sinh - Rural households with hygienic latrine"


def write_province_sheet(path: Path, title: str, values: dict[int, float]) -> Path:
    """An areas × years sheet with only the province row (``TỔNG SỐ - TOTAL``), unit %."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws["A1"] = title
    ws["A2"] = "Đơn vị tính - Unit: %"
    ws["A4"] = "TỔNG SỐ - TOTAL"
    for j, (year, value) in enumerate(sorted(values.items())):
        ws.cell(3, j + 2, year)
        ws.cell(4, j + 2, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_sources(raw: Path, entries: dict[str, dict]) -> None:
    """``SOURCES.yml`` for *entries* (path -> fields), with the files' real sha256."""
    lines = ["files:"]
    for rel, e in sorted(entries.items()):
        sha = hashlib.sha256((raw / rel).read_bytes()).hexdigest()
        kind = e.get("kind", "synthetic")
        lines += [
            f"  - path: {rel}",
            f'    title: "{e.get("title", "Bảng " + rel)}"',
            f"    kind: {kind}",
            f"    received: {e.get('received', '2026-01-10')}",
            f'    sha256: "{sha}"',
        ]
        if e.get("published"):
            lines.append(f"    published: {e['published']}")
        if kind == "published":
            lines += ['    publisher: "Cục Thống kê"', '    sources: ["https://example.org/t"]']
        else:
            lines.append('    generator: "tests"')
    (raw / "SOURCES.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _value(obs: pd.DataFrame, year: int, indicator: str = "forest_cover_pct") -> list[float]:
    sel = obs[(obs["indicator_id"] == indicator) & (obs["year"] == year)]
    return sorted(sel["value"].tolist())


def _superseded(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "superseded.csv", encoding="utf-8-sig", dtype={"area_code": str})


def test_newer_source_wins_not_the_file_that_sorts_first(tmp_path):
    """The finding as reported: an older file that sorts first won with 73.34 and 79.3."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a_chi_tieu_cu.xlsx", FOREST, {2024: 73.2, 2025: 73.34})
    write_province_sheet(raw / "a_ve_sinh_cu.xlsx", LATRINE, {2025: 79.3})
    write_province_sheet(raw / "nam_2025/chi_tieu_2025.xlsx", FOREST, {2025: 73.5})
    write_province_sheet(raw / "nam_2025/ve_sinh_2025.xlsx", LATRINE, {2025: 84.2})
    write_sources(
        raw,
        {
            "a_chi_tieu_cu.xlsx": {"received": "2025-06-01"},
            "a_ve_sinh_cu.xlsx": {"received": "2025-06-01"},
            "nam_2025/chi_tieu_2025.xlsx": {"received": "2026-03-15"},
            "nam_2025/ve_sinh_2025.xlsx": {"received": "2026-03-15"},
        },
    )
    res = build(raw, out, progress=False)
    assert _value(res.observations, 2025) == [73.5]
    assert _value(res.observations, 2025, "hygienic_latrine_rural_households_pct") == [84.2]
    assert _value(res.observations, 2024) == [73.2]  # no conflict: kept
    sup = _superseded(out).set_index("value")
    assert set(sup.index) == {73.34, 79.3}
    assert sup.loc[73.34, "winner_file"] == "nam_2025/chi_tieu_2025.xlsx"
    assert sup.loc[73.34, "winner_cell"] == "B4"
    assert sup.loc[73.34, "winner_value"] == 73.5
    assert sup.loc[73.34, "source_file"] == "a_chi_tieu_cu.xlsx"
    assert sup.loc[73.34, "source_cell"] == "C4"
    assert sup.loc[79.3, "rule"] == "date"
    assert "received 2026-03-15" in sup.loc[79.3, "reason"]
    # the parquet copy holds the same rows
    assert len(pd.read_parquet(out / "superseded.parquet")) == 2
    # validation.md names, for every conflict, the winner and the reason
    report = (out / "validation.md").read_text(encoding="utf-8")
    section = report.split("## Conflicting values across files", 1)[1].split("\n## ", 1)[0]
    for loser, winner in ((73.34, 73.5), (79.3, 84.2)):
        line = next(x for x in section.splitlines() if f"| {loser} |" in x)
        assert f"| {winner} |" in line and "newer source" in line
    assert "2 resolved, 0 unresolved" in report
    assert res.resolved_conflicts == 2 and res.unresolved_conflicts == 0


@pytest.mark.parametrize(
    ("first", "second", "winner", "rule"),
    [
        # published over synthetic, even when the synthetic file is newer
        ({"kind": "synthetic", "received": "2026-05-01"},
         {"kind": "published", "received": "2025-01-01"}, "b", "kind"),
        # a file not in SOURCES.yml is never preferred to a published one
        (None, {"kind": "published", "received": "2025-01-01"}, "b", "kind"),
        # a listed, dated file over an unlisted one (no date)
        (None, {"kind": "synthetic", "received": "2025-01-01"}, "b", "date"),
        # the published date, when given, is the source's date (not the received date)
        ({"kind": "published", "received": "2026-05-01"},
         {"kind": "published", "received": "2026-01-01", "published": "2026-06-30"}, "b", "date"),
        ({"kind": "published", "received": "2026-05-01", "published": "2026-04-01"},
         {"kind": "published", "received": "2026-01-01", "published": "2026-03-30"}, "a", "date"),
    ],
)  # fmt: skip
def test_precedence_rules(tmp_path, first, second, winner, rule):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a.xlsx", FOREST, {2025: 70.0})
    write_province_sheet(raw / "b.xlsx", FOREST, {2025: 71.0})
    write_sources(raw, {k: v for k, v in (("a.xlsx", first), ("b.xlsx", second)) if v})
    res = build(raw, out, progress=False)
    assert _value(res.observations, 2025) == [70.0 if winner == "a" else 71.0]
    sup = _superseded(out)
    assert len(sup) == 1
    assert sup["winner_file"].tolist() == [f"{winner}.xlsx"]
    assert sup["rule"].tolist() == [rule]


@pytest.mark.parametrize(
    ("name", "title"),
    [("b_dieu_chinh.xlsx", None), ("b.xlsx", "Tỷ lệ che phủ rừng (số liệu cập nhật)"),
     ("b_revised.xlsx", None)],
)  # fmt: skip
def test_a_named_revision_wins_over_the_same_kind_and_date(tmp_path, name, title):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a.xlsx", FOREST, {2025: 70.0})
    write_province_sheet(raw / name, FOREST, {2025: 71.0})
    entries = {"a.xlsx": {}, name: {"title": title} if title else {}}
    write_sources(raw, entries)
    res = build(raw, out, progress=False)
    assert _value(res.observations, 2025) == [71.0]
    sup = _superseded(out)
    assert sup["rule"].tolist() == ["revision"]
    assert ("cập nhật" if title else "file name") in sup["reason"].iloc[0]


def test_tie_break_is_deterministic_and_counted_unresolved(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "x.xlsx", FOREST, {2025: 70.0})
    write_province_sheet(raw / "y.xlsx", FOREST, {2025: 71.0})
    write_sources(raw, {"x.xlsx": {}, "y.xlsx": {}})
    res = build(raw, out, progress=False)
    assert _value(res.observations, 2025) == [70.0]  # the first file by path
    sup = _superseded(out)
    assert sup["rule"].tolist() == ["tie-break"]
    assert res.unresolved_conflicts == 1 and res.resolved_conflicts == 0
    assert "0 resolved, 1 unresolved" in (out / "validation.md").read_text(encoding="utf-8")


def test_equal_values_are_not_a_conflict(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a.xlsx", FOREST, {2025: 73.5})
    write_province_sheet(raw / "b.xlsx", FOREST, {2025: 73.5})
    write_province_sheet(raw / "c.xlsx", FOREST, {2025: 72.0})
    write_sources(raw, {"a.xlsx": {"received": "2026-03-15"}, "b.xlsx": {}, "c.xlsx": {}})
    res = build(raw, out, progress=False)
    # a wins by date; b gives the winner's value, so it stays (as before), c is superseded
    kept = res.observations[res.observations["year"] == 2025]
    assert sorted(kept["source_file"]) == ["a.xlsx", "b.xlsx"]
    assert _superseded(out)["source_file"].tolist() == ["c.xlsx"]


def test_no_conflict_gives_an_empty_superseded_table(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_province_sheet(raw / "a.xlsx", FOREST, {2024: 73.2})
    write_province_sheet(raw / "b.xlsx", FOREST, {2025: 73.5})
    res = build(raw, out, progress=False)
    assert len(res.observations) == 2
    sup = _superseded(out)
    assert sup.empty
    assert {"winner_file", "winner_cell", "rule", "reason", "source_cell"} <= set(sup.columns)
    assert (out / "superseded.csv").read_bytes().startswith(b"\xef\xbb\xbf")

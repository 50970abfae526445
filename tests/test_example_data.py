"""The example workbooks of data/raw: catalogued, marked, cited, complete and reproducible."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from bkanalysis.catalog import load_indicators, read_package_csv

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SCRIPT = ROOT / "scripts" / "make_example_data.py"
REQUIRED_KEYS = {"path", "title", "publisher", "kind", "received", "sha256", "sources", "note"}
SYNTHETIC_SENTENCE = "Dữ liệu minh hoạ (tổng hợp) / Illustrative (synthetic) data"
#: Target indicators computed from others (ghg_reduction_* from the emission series).
DERIVED = {
    "ghg_reduction_below_bau_pct",
    "ghg_reduction_voluntary_pct",
    "ghg_reduction_national_pct",
    "ghg_reduction_international_pct",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_example_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_example_data"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources() -> list[dict]:
    doc = yaml.safe_load((RAW / "SOURCES.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and isinstance(doc.get("files"), list), (
        "SOURCES.yml must hold a 'files' list"
    )
    return doc["files"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("raw")
    entries = _load_generator().generate(out, 1635)
    return out, entries


def _readings(cell) -> set[float]:
    """The numbers a cell can mean: itself, or its text read in Vietnamese or English format."""
    if isinstance(cell, (int, float)):
        return {float(cell)}
    text = str(cell).strip()
    out = set()
    for candidate in (text.replace(".", "").replace(",", "."), text.replace(",", "")):
        with contextlib.suppress(ValueError):
            out.add(float(candidate))
    return out


def _workbooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SOURCES.yml")


def test_every_file_is_listed_with_its_sha256(sources):
    listed = {e["path"]: e for e in sources}
    on_disk = {p.relative_to(RAW).as_posix() for p in _workbooks(RAW)}
    assert on_disk == set(listed), (
        f"not listed: {on_disk - set(listed)}; listed but absent: {set(listed) - on_disk}"
    )
    for path, e in listed.items():
        assert set(e) >= REQUIRED_KEYS, f"{path}: missing keys {REQUIRED_KEYS - set(e)}"
        assert e["kind"] in ("published", "synthetic"), f"{path}: kind {e['kind']!r}"
        assert hashlib.sha256((RAW / path).read_bytes()).hexdigest() == e["sha256"], (
            f"{path}: sha256 differs"
        )
        assert isinstance(e["sources"], list)
        if e["kind"] == "synthetic":
            assert e["publisher"] == "bkanalysis example-data generator"
            assert e["generator"] == "scripts/make_example_data.py --seed 1635"
        else:
            assert e["sources"] and all(s.startswith("http") for s in e["sources"]), (
                f"{path}: no source URL"
            )
            assert "generator" not in e


def test_raw_folder_is_small():
    total = sum(p.stat().st_size for p in _workbooks(RAW))
    assert total < 1.5 * 1024 * 1024, f"data/raw holds {total} bytes"


def _note_sheet(wb):
    assert "Ghi chú - Notes" in wb.sheetnames, f"no note sheet in {wb.sheetnames}"
    return wb["Ghi chú - Notes"]


def test_synthetic_workbooks_are_marked(sources):
    for e in sources:
        wb = openpyxl.load_workbook(RAW / e["path"])
        note = " ".join(str(c.value) for row in _note_sheet(wb).iter_rows() for c in row if c.value)
        if e["kind"] == "synthetic":
            assert SYNTHETIC_SENTENCE in note and "seed 1635" in note, e["path"]
            first = wb.worksheets[0]
            title = " ".join(
                str(c.value) for row in first.iter_rows(max_row=4) for c in row if c.value
            )
            assert "Dữ liệu minh hoạ" in title, (
                f"{e['path']}: title does not say the data are illustrative"
            )
        else:
            assert "minh hoạ" not in note.lower(), (
                f"{e['path']}: published book says it is illustrative"
            )


def test_published_cells_are_cited(sources):
    for e in (e for e in sources if e["kind"] == "published"):
        wb = openpyxl.load_workbook(RAW / e["path"], data_only=True)
        note = _note_sheet(wb)
        rows = [r for r in note.iter_rows(values_only=True) if r[0] in wb.sheetnames and r[1]]
        assert rows, f"{e['path']}: no cited cells"
        cited = {(r[0], r[1]) for r in rows}
        for sheet, ref, value, url, quote in (r[:5] for r in rows):
            assert url.startswith("http") and quote, f"{e['path']} {ref}: no URL or quote"
            cell = wb[sheet][ref].value
            assert float(value) in _readings(cell), (
                f"{e['path']} {sheet}!{ref}: {cell!r} is not the cited {value!r}"
            )
        # every numeric value cell of the data sheets is cited (no uncited number slipped in)
        for ws in wb.worksheets:
            if ws.title == note.title:
                continue
            for row in ws.iter_rows(min_row=5):
                for c in row[1:]:
                    if (
                        isinstance(c.value, (int, float))
                        and c.column > 2
                        and ws.title != "Dan so ho 2019"
                    ):
                        assert (ws.title, c.coordinate) in cited, (
                            f"{e['path']} {ws.title}!{c.coordinate} not cited"
                        )


def test_no_formula_without_cached_value():
    for path in (p for p in _workbooks(RAW) if p.suffix == ".xlsx"):
        formulas = openpyxl.load_workbook(path)
        values = openpyxl.load_workbook(path, data_only=True)
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith("="):
                        cached = values[ws.title][c.coordinate].value
                        assert cached is not None, (
                            f"{path.name} {ws.title}!{c.coordinate}: formula without cached value"
                        )


def test_every_target_indicator_has_data(generated):
    _out, entries = generated
    targets = read_package_csv("targets.csv")
    needed = set(targets["indicator_id"]) - DERIVED
    carried = set().union(*(e["indicators"] for e in entries))
    assert needed <= carried, f"target indicators without example data: {sorted(needed - carried)}"
    # the derived GHG indicators need both emission series
    assert {"ghg_emissions_tco2e", "ghg_bau_tco2e"} <= carried
    assert {"population_persons", "households_count"} <= carried
    catalog = set(load_indicators()["id"])
    assert carried <= catalog, f"unknown indicator ids: {sorted(carried - catalog)}"


def test_generator_reproduces_the_committed_files(generated, sources):
    out, _entries = generated
    produced = {p.relative_to(out).as_posix(): p.read_bytes() for p in _workbooks(out)}
    committed = {p.relative_to(RAW).as_posix(): p.read_bytes() for p in _workbooks(RAW)}
    assert produced.keys() == committed.keys()
    differ = [k for k in produced if produced[k] != committed[k]]
    assert not differ, f"regenerate with `make example-data`: {differ}"
    fresh = {
        e["path"]: e
        for e in yaml.safe_load((out / "SOURCES.yml").read_text(encoding="utf-8"))["files"]
    }
    listed = {e["path"]: e for e in sources}
    for path, e in fresh.items():
        assert listed.get(path) == e, f"SOURCES.yml entry of {path} differs from the generator's"


def test_sources_keeps_entries_added_by_hand(tmp_path):
    gen = _load_generator()
    gen.generate(tmp_path, 1635)
    (tmp_path / "2025").mkdir()
    (tmp_path / "2025" / "real.xlsx").write_bytes(b"x")
    text = (tmp_path / "SOURCES.yml").read_text(encoding="utf-8")
    text += (
        '  - path: 2025/real.xlsx\n    title: "Real"\n    publisher: "Cục Thống kê"\n    kind: published\n'
        '    received: 2026-12-01\n    sha256: "abc"\n    sources: []\n    note: "by e-mail"\n'
    )
    (tmp_path / "SOURCES.yml").write_text(text, encoding="utf-8")
    gen.generate(tmp_path, 1635)
    doc = yaml.safe_load((tmp_path / "SOURCES.yml").read_text(encoding="utf-8"))
    kept = [e for e in doc["files"] if e["path"] == "2025/real.xlsx"]
    assert kept and kept[0]["publisher"] == "Cục Thống kê" and kept[0]["sha256"] == "abc"
    assert len(doc["files"]) == len(list(RAW.rglob("*.xlsx"))) + 1


def test_generator_is_deterministic_and_seeded(generated, tmp_path):
    out, _ = generated
    gen = _load_generator()
    again = tmp_path / "again"
    gen.generate(again, 1635)
    for p in _workbooks(out):
        assert p.read_bytes() == (again / p.relative_to(out)).read_bytes(), p.name
    other = tmp_path / "other"
    gen.generate(other, 7)
    name = "synthetic/kiem_ke_khi_nha_kinh_2015_2024.xlsx"
    assert (other / name).read_bytes() != (out / name).read_bytes(), (
        "the seed does not change the synthetic values"
    )


def test_synthetic_values_are_plausible(generated):
    gen = _load_generator()
    facts = gen.published_facts()
    series = gen.province_series(__import__("numpy").random.default_rng([1635, 0]), facts)
    fc = series["forest_cover_pct"]
    assert all(70 <= v <= 74 for v in fc.values()) and fc[2020] == 73.4
    ntm = series["ntm_communes_count"]
    assert ntm[2021] == 21 and ntm[2015] == 0 and ntm[2017] == 9
    for ind, vals in series.items():
        if ind.endswith("_pct"):
            assert all(0 <= v <= 100 for v in vals.values()), ind
    em = gen.emissions_series(__import__("numpy").random.default_rng([1635, 3]))
    for y in gen.YEARS:
        total = sum(em[f"ghg_emissions_{s}_tco2e"][y] for s in gen.SECTORS)
        assert total == em["ghg_emissions_tco2e"][y]
        assert sum(em[f"ghg_bau_{s}_tco2e"][y] for s in gen.SECTORS) == em["ghg_bau_tco2e"][y]
        assert em["ghg_emissions_tco2e"][y] < em["ghg_bau_tco2e"][y]
    growth = em["ghg_bau_tco2e"][2024] / em["ghg_bau_tco2e"][2015]
    assert 1.03**9 <= growth <= 1.05**9, growth


def test_commune_tables_use_gazetteer_names_and_ntm_rules(generated):
    out, _ = generated
    wb = openpyxl.load_workbook(out / "synthetic" / "ntm_xa_2021.xlsx", data_only=True)
    ws = wb.worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 95  # every 2020-vintage xã
    for _k, _name, crit, flag, year in rows:
        assert 5 <= crit <= 19
        assert (flag == "x") == (crit == 19) == (year is not None)
    assert sum(1 for r in rows if r[3] == "x") == 21  # published count for 2021
    before = openpyxl.load_workbook(
        out / "synthetic" / "ntm_xa_2020.xlsx", data_only=True
    ).worksheets[0]
    flags = [r[3] for r in before.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(flags) == 95 and flags.count("x") == 15  # 21 - the 6 recognised in 2021
    names = [unicodedata.normalize("NFC", r[1]) for r in rows]
    assert any(n.startswith("X. ") for n in names) and any("ƣ" in n for n in names)


def test_census_facts_match_the_published_totals():
    df = pd.read_csv(ROOT / "scripts" / "example_data" / "census2019_communes.csv", dtype=str)
    assert len(df) == 122 and df["commune_code"].str.fullmatch(r"\d{5}").all()
    assert df["population_persons"].astype(int).sum() == 313_905
    assert df["households_count"].astype(int).sum() == 82_835


def test_reader_finds_every_target_indicator():
    reader = pytest.importorskip(
        "bkanalysis.ingest.reader", reason="the ingest reader is not available"
    )
    frames = [
        reader.read_workbook(p, raw_root=RAW).observations for p in sorted(RAW.rglob("*.xlsx"))
    ]
    obs = pd.concat(frames, ignore_index=True)
    targets = read_package_csv("targets.csv")
    missing = sorted(set(targets["indicator_id"]) - DERIVED - set(obs["indicator_id"]))
    assert not missing, f"the reader finds no observation of {missing}"
    province = obs[obs["area_code"] == "06"]
    for ind in ("ghg_emissions_tco2e", "ghg_bau_tco2e", "forest_cover_pct", "ntm_communes_count"):
        years = set(province.loc[province["indicator_id"] == ind, "year"])
        assert set(range(2015, 2025)) <= years, f"{ind}: province years {sorted(years)}"
    assert {"2019", "2020", "2025"} <= set(obs.loc[obs["area_level"] == "commune", "admin_vintage"])

"""Issue 15: the statistics office's downloads (all-province tables, census tables, CSV, PC-Axis).

The fixtures are written here, small, in the shapes of the office's exports; their numbers
are test values, not data.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from bkanalysis.admin.provinces import national_units, resolve_national
from bkanalysis.errors import UnreadableFileError
from bkanalysis.ingest.reader import read_workbook

CENSUS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "census2019"
if not CENSUS.is_dir():
    CENSUS = Path("/work/shared/reference/census2019")

TITLE = "Dân số trung bình phân theo địa phương chia theo Địa phương, Năm và Chỉ tiêu"
YEARS = ["2019 (*)", "2020", "2021", "Sơ bộ 2022"]
POP = "Dân số trung bình (Nghìn người)"
GROWTH = "Tỷ lệ tăng dân số (%)"
#: rows of an all-province table: label, populations (thousand), growth rates
ROWS = [
    ("CẢ NƯỚC", ["96484,0", "97582,7", "98506,2", "99474,4"], ["1,15", "1,14", "0,94", "0,98"]),
    ("Đồng bằng sông Hồng", ["22620,0", "22920,0", "23224,0", ".."], ["1,3", "1,3", "1,3", ".."]),
    ("Hà Nội", ["8093,9", "8246,5", "8330,8", "8435,7"], ["2,1", "1,9", "1,0", "1,3"]),
    (
        "Trung du và miền núi phía Bắc",
        ["12569,3", "12724,7", "12853,3", "12991,8"],
        ["1,3", "1,2", "1,0", "1,1"],
    ),
    ("Hà Giang", ["858,1", "869,7", "880,3", "890,8"], ["1,9", "1,4", "1,2", "1,2"]),
    ("Bắc Kạn", ["314,4", "317,3", "320,4", "323,7"], ["0,8", "0,9", "1,0", "1,0"]),
    ("Thái Nguyên", ["1290,9", "1307,9", "1323,4", "1335,9"], ["1,4", "1,3", "1,2", "0,9"]),
    ("TP. Hồ Chí Minh", ["9038,6", "9227,6", "9166,8", "9389,7"], ["2,3", "2,1", "-0,7", "2,4"]),
]
BK_EXPECTED = {
    (2019, "actual"): 314400.0,
    (2020, "actual"): 317300.0,
    (2021, "actual"): 320400.0,
    (2022, "preliminary"): 323700.0,
}


def _all_province_rows(two_measures: bool) -> list[list[str]]:
    """The rows of the office's Excel/CSV export: title, blank, years, measures, areas."""
    if two_measures:
        years = [""] + [y for y in YEARS for _ in (0, 1)]
        measures = [""] + [m for _ in YEARS for m in (POP, GROWTH)]
    else:
        years = ["", *YEARS]
        measures = ["", *[POP] * len(YEARS)]
    out = [[TITLE], [], years, measures]
    for label, pop, growth in ROWS:
        if two_measures:
            out.append([label] + [x for pair in zip(pop, growth, strict=True) for x in pair])
        else:
            out.append([label, *pop])
    return out


def _xlsx(path: Path, rows, merges=()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in rows:
        ws.append([None if x == "" else x for x in r])
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def _bk(obs):
    return obs[obs["area_code"] == "06"]


def _series(obs, indicator="population_persons"):
    s = obs[obs["indicator_id"] == indicator]
    return {(r.area_code, r.year, r.status): r.value for r in s.itertuples()}


def _value_cells(rows, first_data_row: int) -> int:
    return sum(1 for r in rows[first_data_row:] for x in r[1:] if x != "")


# ---------------------------------------------------------------- gazetteer
def test_national_units_counts_and_codes():
    u20, u25 = national_units("2020"), national_units("2025")
    assert (u20["area_level"] == "province").sum() == 63
    assert sorted(u20.loc[u20["area_level"] == "region", "area_code"]) == [
        f"VN-R{i}" for i in range(1, 7)
    ]
    # the 34 provinces from 1 July 2025, plus 06 standing for the former province's area
    assert (u25["area_level"] == "province").sum() == 35
    bk = u20[u20["area_code"] == "06"].iloc[0]
    assert (bk["area_name"], bk["region_code"], bk["name_en"]) == (
        "Tỉnh Bắc Kạn",
        "VN-R2",
        "Bac Kan",
    )


@pytest.mark.parametrize(
    ("label", "vintage", "code"),
    [
        ("CẢ NƯỚC", "2020", "VN"),
        ("Toàn quốc", "2020", "VN"),
        ("Whole country", "2025", "VN"),
        ("TP. Hồ Chí Minh", "2020", "79"),
        ("Thừa Thiên Huế", "2020", "46"),
        ("Huế", "2025", "46"),
        ("Thanh Hoá", "2019", "38"),
        ("Bắc Kạn", "2020", "06"),
        ("Bac Kan", "2020", "06"),
        ("Tỉnh Bắc Kạn (Tổng số)", "2019", "06"),
        ("Trung du và miền núi phía Bắc", "2020", "VN-R2"),
        ("Vùng Đồng bằng sông Cửu Long", "2025", "VN-R6"),
        ("Bà Rịa - Vũng Tàu", "2020", "77"),
    ],
)
def test_resolve_national(label, vintage, code):
    assert resolve_national(label, vintage).code == code


@pytest.mark.parametrize(
    "label",
    [
        "Thành phố Bắc Kạn",
        "Thành phố Huế",
        "Thành phố Thái Nguyên",
        "Huyện Ba Bể",
        "Tổng số",
        "Nam",
        "Thành thị",
        "Tày",
        "0 - 04",
    ],
)
def test_resolve_national_refuses_units_and_parts(label):
    assert resolve_national(label, "2020") is None


def test_abolished_province_not_in_2025():
    assert resolve_national("Hà Giang", "2025") is None
    assert resolve_national("Hà Giang", "2020").code == "02"


# ---------------------------------------------------------------- all-province tables
def test_all_province_table(tmp_path):
    rows = _all_province_rows(two_measures=False)
    res = read_workbook(_xlsx(tmp_path / "dan_so.xlsx", rows))
    obs, rej = res
    assert _value_cells(rows, 4) == len(obs) + len(rej)  # nothing lost
    bk = _bk(obs)
    assert {(r.year, r.status): r.value for r in bk.itertuples()} == BK_EXPECTED
    assert set(bk["area_level"]) == {"province"} and set(bk["unit"]) == {"persons"}
    levels = obs.drop_duplicates("area_code").set_index("area_code")["area_level"].to_dict()
    assert levels["VN"] == "country" and levels["VN-R1"] == "region" and levels["79"] == "province"
    assert levels["VN-R2"] == "region" and levels["02"] == "province"
    # '..' is a reject, not a value
    assert set(rej["raw_value"]) == {".."}
    assert all(rej["reason"].str.startswith("missing marker"))
    assert set(bk["source_cell"]) == {"B10", "C10", "D10", "E10"}


def test_all_province_table_other_measures_never_read(tmp_path):
    rows = _all_province_rows(two_measures=True)
    obs, rej = read_workbook(_xlsx(tmp_path / "dan_so_2.xlsx", rows))
    assert _value_cells(rows, 4) == len(obs) + len(rej)
    assert set(obs["indicator_id"]) == {"population_persons"}
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    # the growth-rate columns are rejected with their header, on every row
    growth = rej[rej["reason"].str.contains("Tỷ lệ tăng dân số")]
    assert len(growth) == sum(1 for _l, _p, g in ROWS for x in g)
    # no value of a growth column became an observation
    growth_cols = {"C", "E", "G", "I"}
    assert not any(c[0] in growth_cols for c in obs["source_cell"])


def test_neighbours_regions_and_country_never_become_bac_kan(tmp_path):
    rows = _all_province_rows(two_measures=True)
    obs, _ = read_workbook(_xlsx(tmp_path / "t.xlsx", rows))
    bk = _bk(obs)
    # every 06 observation is read on the Bắc Kạn row (row 10) and nowhere else
    assert {c[1:] for c in bk["source_cell"]} == {"10"}
    assert len(bk) == 4
    # the neighbour Thái Nguyên keeps its own code
    assert set(obs.loc[obs["source_cell"].str.endswith("11"), "area_code"]) == {"19"}


# ---------------------------------------------------------------- CSV and PC-Axis
def _csv_text(rows, delim: str) -> str:
    def q(x):
        return f'"{x}"' if (delim in x or '"' in x) else x

    return "\n".join(delim.join(q(x) for x in r) for r in rows) + "\n"


@pytest.mark.parametrize(
    ("delim", "encoding", "name"),
    [
        (",", "utf-8", "a.csv"),
        (";", "utf-8-sig", "b.csv"),
        ("\t", "utf-16", "c.csv"),
        ("\t", "utf-8", "d.tsv"),
    ],
)
def test_csv_variants_read_like_the_workbook(tmp_path, delim, encoding, name):
    rows = _all_province_rows(two_measures=True)
    ref, _ = read_workbook(_xlsx(tmp_path / "ref.xlsx", rows))
    p = tmp_path / name
    p.write_bytes(_csv_text(rows, delim).encode(encoding))
    res = read_workbook(p)
    obs, rej = res
    assert _series(obs) == _series(ref)
    assert set(obs["source_sheet"]) == {name}
    assert set(_bk(obs)["source_cell"]) == set(_bk(ref)["source_cell"])
    assert _value_cells(rows, 4) == len(obs) + len(rej)
    if encoding == "utf-16":
        assert p.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def test_csv_one_header_line_unit_in_title(tmp_path):
    rows = [["Dân số trung bình (Nghìn người)"], ["Địa phương", *YEARS]]
    rows += [[label, *pop] for label, pop, _g in ROWS]
    p = tmp_path / "mot_dong.csv"
    p.write_text(_csv_text(rows, ";"), encoding="utf-8")
    obs, _ = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED


def test_csv_english_decimals(tmp_path):
    rows = [[TITLE], [], ["", *YEARS], ["", *[POP] * 4]]
    rows += [[label, *[x.replace(",", ".") for x in pop]] for label, pop, _g in ROWS]
    p = tmp_path / "en.csv"
    p.write_text(_csv_text(rows, ","), encoding="utf-8")
    obs, _ = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED


def test_pc_axis(tmp_path):
    labels = [label for label, _p, _g in ROWS]
    data = "\n".join(" ".join(x.replace(",", ".") for x in pop) for _l, pop, _g in ROWS)
    data = data.replace("..", '".."')
    px = (
        'CHARSET="ANSI";\nAXIS-VERSION="2013";\nLANGUAGE="vi";\n'
        f'TITLE="{TITLE}";\nUNITS="Nghìn người";\nSTUB="Địa phương";\nHEADING="Năm";\n'
        f'VALUES("Địa phương")={",".join(chr(34) + x + chr(34) for x in labels)};\n'
        f'VALUES("Năm")={",".join(chr(34) + y + chr(34) for y in YEARS)};\nDATA=\n{data};\n'
    )
    p = tmp_path / "dan_so.px"
    p.write_text(px, encoding="utf-8")
    obs, rej = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert len(obs) + len(rej) == len(ROWS) * len(YEARS)
    assert set(rej["raw_value"]) == {".."}


def test_text_file_renamed_xlsx_still_refused(tmp_path):
    p = tmp_path / "dan_so.xlsx"
    p.write_text(_csv_text(_all_province_rows(False), ","), encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="text file"):
        read_workbook(p)


def test_px_name_without_px_content_refused(tmp_path):
    p = tmp_path / "x.px"
    p.write_text("hello, world\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError):
        read_workbook(p)


# ---------------------------------------------------------------- census tables
CENSUS_ROWS = [
    ["DÂN SỐ CHIA THEO THÀNH THỊ, NÔNG THÔN VÀ GIỚI TÍNH, 01/4/2019"],
    ["", "", "", "", "", "", "", "", "", "Đơn vị: Người"],
    ["", "Tổng số", "", "", "Thành thị", "", "", "Nông thôn", "", ""],
    ["", "Chung", "Nam", "Nữ", "Chung", "Nam", "Nữ", "Chung", "Nam", "Nữ"],
    [
        "CẢ NƯỚC",
        96208984,
        47881061,
        48327923,
        33122548,
        16059795,
        17062753,
        63086436,
        31821266,
        31265170,
    ],
    [
        "Trung du và miền núi phía Bắc",
        12532866,
        6291677,
        6241189,
        2290035,
        1117386,
        1172649,
        10242831,
        5174291,
        5068540,
    ],
    ["Cao Bằng", 530341, 263274, 267067, 122223, 59574, 62649, 408118, 203700, 204418],
    ["Bắc Kạn", 313905, 158008, 155897, 65132, 32082, 33050, 248773, 125926, 122847],
    ["Thái Nguyên", 1286751, 632729, 654022, 467208, 226101, 241107, 819543, 406628, 412915],
]
CENSUS_MERGES = ["B3:D3", "E3:G3", "H3:J3"]


def test_census_table_total_only(tmp_path):
    obs, rej = read_workbook(_xlsx(tmp_path / "census.xlsx", CENSUS_ROWS, CENSUS_MERGES))
    assert len(obs) + len(rej) == 5 * 9
    bk = _bk(obs)
    assert bk[
        ["indicator_id", "year", "value", "unit", "area_level", "source_cell"]
    ].values.tolist() == [["population_persons", 2019, 313905.0, "persons", "province", "B8"]]
    assert set(obs["source_cell"].str[0]) == {"B"}  # only the Tổng số / Chung column
    parts = rej[rej["source_cell"].str[0] != "B"]
    assert len(parts) == 5 * 8 and all(parts["reason"].str.startswith("part or other measure"))
    assert obs.set_index("area_code").loc["VN", "value"] == 96208984.0


def test_census_nested_sub_rows_are_parts(tmp_path):
    rows = [
        ["DÂN SỐ CHIA THEO NHÓM TUỔI, 01/4/2019"],
        ["Đơn vị: Người"],
        ["", "Tổng số", "Thành thị", "Nông thôn"],
        ["CẢ NƯỚC", 96208984, 33122548, 63086436],
        ["0 - 04", 7475311, 2436970, 5038341],
        ["05 - 09", 8036001, 2638637, 5397364],
        ["Bắc Kạn", 313905, 65132, 248773],
        ["0 - 04", 26094, 5720, 20374],
        ["05 - 09", 27930, 6058, 21872],
        ["Kinh", 40000, 30000, 10000],
        ["Cao Bằng", 530341, 122223, 408118],
        ["0 - 04", 47047, 9513, 37534],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "tuoi.xlsx", rows))
    assert len(obs) + len(rej) == 9 * 3
    assert _series(obs) == {
        ("VN", 2019, "actual"): 96208984.0,
        ("06", 2019, "actual"): 313905.0,
        ("04", 2019, "actual"): 530341.0,
    }
    sub = rej[rej["source_cell"].str[0] == "B"]
    assert len(sub) == 6 and all(sub["reason"].str.startswith("part row"))


def test_districts_of_bac_kan_inside_a_country_table(tmp_path):
    rows = [
        ["Dân số trung bình phân theo huyện (Người)"],
        ["", "2020"],
        ["CẢ NƯỚC", 97582700],
        ["Tỉnh Cao Bằng", 534100],
        ["Huyện Bảo Lạc", 55000],
        ["Tỉnh Bắc Kạn", 317300],
        ["Thành phố Bắc Kạn", 45500],
        ["Huyện Ba Bể", 50100],
        ["Tỉnh Thái Nguyên", 1307900],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "huyen.xlsx", rows))
    got = _series(obs)
    assert got[("06", 2020, "actual")] == 317300.0
    assert got[("058", 2020, "actual")] == 45500.0
    assert got[("061", 2020, "actual")] == 50100.0
    assert got[("19", 2020, "actual")] == 1307900.0
    assert "outside the study area" in rej.set_index("source_cell").loc["B5", "reason"]


@pytest.mark.skipif(not CENSUS.is_dir(), reason="census2019 reference workbooks absent")
@pytest.mark.parametrize(
    ("name", "indicator", "value", "communes"),
    [
        ("population_by_urban_rural_commune_2019.xlsx", "population_persons", 313905.0, 122),
        ("households_by_size_commune_2019.xlsx", "households_count", 82835.0, 122),
        ("population_by_age_district_2019.xlsx", "population_persons", 313905.0, 0),
    ],
)
def test_real_census_cubes(name, indicator, value, communes):
    path = CENSUS / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    obs, rej = read_workbook(path)
    bk = _bk(obs)
    assert bk[["indicator_id", "year", "value", "area_level"]].values.tolist() == [
        [indicator, 2019, value, "province"]
    ]
    assert set(obs["indicator_id"]) == {indicator}
    levels = obs["area_level"].value_counts().to_dict()
    assert levels["province"] == 63 and levels["country"] == 1 and levels["district"] == 8
    assert levels.get("commune", 0) == communes
    # the units of Bắc Kạn add up to its total; nothing else is at district/commune level
    for lvl in ("district", "commune"):
        part = obs[obs["area_level"] == lvl]
        if len(part):
            assert part["value"].sum() == value
    assert not rej["reason"].str.startswith("unresolved").any()


# ---------------------------------------------------------------- the merged province
def _thai_nguyen_rows(bk_units: int | None = None):
    from bkanalysis.admin import gazetteer

    g = gazetteer("2025")
    units = g[g["area_level"] == "commune"]
    if bk_units is not None:
        units = units.head(bk_units)
    others = ["Phường Phan Đình Phùng", "Xã Tân Cương", "Phường Quan Triều"]
    rows = [
        ["DÂN SỐ TRUNG BÌNH PHÂN THEO XÃ, PHƯỜNG TỈNH THÁI NGUYÊN NĂM 2026"],
        ["Đơn vị tính: Người"],
        ["STT", "Xã, phường", "Dân số trung bình", "Nam", "Nữ"],
        ["", "Tổng số", 1830000, 910000, 920000],
    ]
    # former Bắc Kạn units mixed with the other communes of the new province
    for i, name in enumerate(units["area_name"]):
        rows.append([str(len(rows) - 3), name, 8000 + i, 4000, 4000 + i])
        if i % 12 == 0 and others:
            rows.append([str(len(rows) - 3), others.pop(), 50000, 25000, 25000])
    return rows, units


def test_thai_nguyen_2026_commune_table(tmp_path):
    rows, units = _thai_nguyen_rows()
    obs, rej = read_workbook(_xlsx(tmp_path / "thai_nguyen_2026.xlsx", rows))
    pop = obs[obs["indicator_id"] == "population_persons"]
    # the new province's total is the new province, never 06
    total = pop[pop["source_cell"] == "C4"]
    assert total[["area_code", "area_level", "admin_vintage", "value"]].values.tolist() == [
        ["19", "province", "2025", 1830000.0]
    ]
    # the 37 units of the former Bắc Kạn, in vintage 2025
    communes = pop[pop["area_level"] == "commune"]
    assert sorted(communes["area_code"]) == sorted(units["area_code"])
    assert set(communes["admin_vintage"]) == {"2025"} and set(communes["year"]) == {2026}
    # the other communes are outside the study area
    outside = rej[rej["reason"].str.startswith("outside the study area")]
    assert len(outside) == 3  # their Dân số cells (Nam/Nữ are parts)
    # 06 is derived from the 37 units (sum), marked as derived
    bk = _bk(obs)
    assert len(bk) == 1
    assert bk["value"].item() == sum(8000 + i for i in range(len(units)))
    assert bk["source_cell"].item().startswith("derived:")
    assert bk["admin_vintage"].item() == "2025" and bk["year"].item() == 2026
    # nothing lost: every value cell is an observation or a reject (derived row aside)
    n_cells = sum(1 for r in rows[3:] for x in r[2:] if x != "")
    assert len(obs) - 1 + len(rej) == n_cells


def test_thai_nguyen_incomplete_units_no_derived_total(tmp_path):
    rows, _units = _thai_nguyen_rows(bk_units=10)
    obs, _ = read_workbook(_xlsx(tmp_path / "tn.xlsx", rows))
    assert _bk(obs).empty  # 10 of 37 units: the former province's total is not computed
    assert (obs["area_code"] == "19").sum() == 1


def test_other_province_table_never_becomes_bac_kan(tmp_path):
    rows = [
        ["Diện tích rừng phân theo huyện tỉnh Cao Bằng năm 2021"],
        ["Đơn vị tính: Ha"],
        ["", "Diện tích rừng"],
        ["Tổng số", 380000],
        ["Huyện Bảo Lạc", 60000],
        ["Huyện Bảo Lâm", 70000],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "cao_bang.xlsx", rows))
    assert obs[["area_code", "value"]].values.tolist() == [["04", 380000.0]]
    assert all(rej["reason"].str.startswith("outside the study area"))


# ---------------------------------------------------------------- record-level sheets
def test_record_level_sheet_reported_in_one_line(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hộ gia đình"
    ws.append(["Mã hộ", "Xã", "Số nhân khẩu", "Có nước sạch (1/0)", "Có nhà tiêu HVS (1/0)"])
    for i in range(3000):
        ws.append([f"H{i:05d}", "Xã Bằng Thành" if i < 2000 else "Xã Cao Tân", 1 + i % 7, i % 2, 1])
    summary = wb.create_sheet("Tổng hợp")
    summary.append(["Tỷ lệ hộ dân được sử dụng nước sạch tỉnh Bắc Kạn"])
    summary.append(["Đơn vị tính: %"])
    summary.append(["Chỉ tiêu", 2019, 2020])
    summary.append(["Tỷ lệ hộ dân được sử dụng nước sạch", 89.0, 90.5])
    wb.save(tmp_path / "ho.xlsx")
    res = read_workbook(tmp_path / "ho.xlsx")
    rec = res.rejects[res.rejects["source_sheet"] == "Hộ gia đình"]
    assert len(rec) == 1 and rec["reason"].item().startswith("record-level data: 3,000 rows")
    assert res.sheets.set_index("sheet").loc["Hộ gia đình", "layout"] == "record_level"
    # an ordinary table beside it is still read
    assert res.observations["value"].tolist() == [89.0, 90.5]


def test_ordinary_commune_table_is_not_record_level(tmp_path):
    from bkanalysis.ingest.cells import Cell, SheetGrid
    from bkanalysis.ingest.records import record_level_message

    cells = {(0, 0): Cell("Xã"), (0, 1): Cell("Số tiêu chí đạt")}
    for r in range(1, 1500):
        cells[(r, 0)] = Cell(f"Xã {r}")
        cells[(r, 1)] = Cell(r % 19)
    assert record_level_message(SheetGrid("S", cells)) is None


def test_csv_year_and_measure_in_one_header_cell(tmp_path):
    header = ["Địa phương"] + [f"{y} Dân số trung bình (Nghìn người)" for y in YEARS]
    rows = [[TITLE], header] + [[label, *pop] for label, pop, _g in ROWS]
    p = tmp_path / "mot_o.csv"
    p.write_text(_csv_text(rows, ";"), encoding="utf-8-sig")
    obs, _ = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED


def test_english_export(tmp_path):
    rows = [
        ["Average population by province by Cities, provincial, Year and Items"],
        [],
        ["", "2019", "2020", "Prel. 2021"],
        ["", *["Average population (Thous. pers.)"] * 3],
        ["WHOLE COUNTRY", "96484.0", "97582.7", "98506.2"],
        ["Northern midlands and mountain areas", "12569.3", "12724.7", "12853.3"],
        ["Ha Giang", "858.1", "869.7", "880.3"],
        ["Bac Kan", "314.4", "317.3", "320.4"],
        ["Thai Nguyen", "1290.9", "1307.9", "1323.4"],
    ]
    obs, _ = read_workbook(_xlsx(tmp_path / "en.xlsx", rows))
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == {
        (2019, "actual"): 314400.0,
        (2020, "actual"): 317300.0,
        (2021, "preliminary"): 320400.0,
    }
    assert set(obs["area_code"]) == {"VN", "VN-R2", "02", "06", "19"}


def test_numbering_column_left_of_the_labels(tmp_path):
    rows = [list(r) for r in CENSUS_ROWS]
    rows = [rows[0], rows[1], ["STT", *rows[2]], ["", *rows[3]]]
    rows += [[i, *r] for i, r in enumerate(CENSUS_ROWS[4:], 1)]
    obs, rej = read_workbook(_xlsx(tmp_path / "stt.xlsx", rows, ["C3:E3", "F3:H3", "I3:K3"]))
    assert _series(obs) == {
        ("VN", 2019, "actual"): 96208984.0,
        ("VN-R2", 2019, "actual"): 12532866.0,
        ("04", 2019, "actual"): 530341.0,
        ("06", 2019, "actual"): 313905.0,
        ("19", 2019, "actual"): 1286751.0,
    }
    assert len(obs) + len(rej) == 5 * 9


def test_province_lists_and_the_2025_reorganisation(tmp_path):
    # the list of 63 provinces read for 2024 and 2025: only the country and Bắc Kạn (06,
    # the former province's area) are units in force in 2025
    rows = [
        ["Diện tích rừng phân theo địa phương"],
        [],
        ["", "2024", "2025"],
        ["", "Diện tích rừng (Nghìn ha)", "Diện tích rừng (Nghìn ha)"],
        ["CẢ NƯỚC", "14860,3", "14900,1"],
        ["Trung du và miền núi phía Bắc", "5400,2", "5410,9"],
        ["Hà Giang", "460,0", "461,0"],
        ["Bắc Kạn", "371,2", "372,0"],
        ["Thái Nguyên", "190,1", "190,3"],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "63.xlsx", rows))
    got = {(r.area_code, r.year): (r.area_level, r.admin_vintage) for r in obs.itertuples()}
    assert got[("06", 2025)] == ("province", "2025")
    assert got[("06", 2024)] == ("province", "2020")
    assert ("19", 2025) not in got and ("02", 2025) not in got and ("VN-R2", 2025) not in got
    assert got[("VN", 2025)] == ("country", "2025")
    assert got[("19", 2024)] == ("province", "2020")
    assert len(obs) + len(rej) == 10
    # the list of 34 provinces (from 1 July 2025): Thái Nguyên is the new province
    from bkanalysis.admin.provinces import national_units

    new = national_units("2025")
    names = new.loc[(new["area_level"] == "province") & (new["area_code"] != "06"), "area_name"]
    rows = [["Diện tích rừng phân theo địa phương"], [], ["", "2025"], ["", "Diện tích rừng (Ha)"]]
    rows += [["CẢ NƯỚC", "1000"]] + [[n, "10"] for n in names]
    obs, _ = read_workbook(_xlsx(tmp_path / "34.xlsx", rows))
    assert len(obs) == 35 and "06" not in set(obs["area_code"])
    assert obs.set_index("area_code").loc["19", "admin_vintage"] == "2025"


def test_pc_axis_measures_in_the_stub(tmp_path):
    labels = [label for label, _p, _g in ROWS]
    data = "\n".join(
        " ".join(x.replace(",", ".") for x in pop) + "\n" + " ".join(x.replace(",", ".") for x in g)
        for _l, pop, g in ROWS
    ).replace("..", '".."')
    q = chr(34)
    px = (
        'CHARSET="ANSI";\n'
        f'TITLE="{TITLE}";\nSTUB="Địa phương","Chỉ tiêu";\nHEADING="Năm";\n'
        f"VALUES({q}Địa phương{q})={','.join(q + x + q for x in labels)};\n"
        f'VALUES("Chỉ tiêu")="{POP}","{GROWTH}";\n'
        f"VALUES({q}Năm{q})={','.join(q + y + q for y in YEARS)};\nDATA=\n{data};\n"
    )
    p = tmp_path / "two_stubs.px"
    p.write_text(px, encoding="utf-8")
    obs, rej = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert set(obs["indicator_id"]) == {"population_persons"}
    assert len(obs) + len(rej) == 2 * len(ROWS) * len(YEARS)
    assert rej["reason"].str.contains("Tỷ lệ tăng dân số").sum() == len(ROWS) * len(YEARS)
    assert (rej["reason"] == "missing marker").sum() == 1


def _cp1258(text: str) -> bytes:
    """Encode Vietnamese in Windows-1258: precomposed vowels, combining tone marks."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(x for x in d if x not in tones))
        out.append(base + "".join(x for x in d if x in tones))
    return "".join(out).encode("cp1258")


def test_pc_axis_windows_1258(tmp_path):
    labels = [label for label, _p, _g in ROWS]
    data = "\n".join(" ".join(x.replace(",", ".") for x in pop) for _l, pop, _g in ROWS)
    q = chr(34)
    px = (
        'CHARSET="ANSI";\nCODEPAGE="windows-1258";\n'
        f'TITLE="{TITLE}";\nUNITS="Nghìn người";\nSTUB="Địa phương";\nHEADING="Năm";\n'
        f"VALUES({q}Địa phương{q})={','.join(q + x + q for x in labels)};\n"
        f"VALUES({q}Năm{q})={','.join(q + y + q for y in YEARS)};\nDATA=\n"
        f"{data.replace('..', q + '..' + q)};\n"
    )
    p = tmp_path / "cp1258.px"
    p.write_bytes(_cp1258(px))
    obs, _ = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED


def test_male_population_is_a_part_not_the_population(tmp_path):
    # 'nam' (male) folds like 'năm' (year), a word label keys drop: it must stay a part
    rows = [
        ["Dân số phân theo giới tính và địa phương"],
        [],
        ["", "2020", "2020", "2020"],
        ["", "Dân số trung bình (Người)", "Dân số nam (Người)", "Dân số nữ (Người)"],
        ["CẢ NƯỚC", 97582700, 48591000, 48991700],
        ["Cao Bằng", 534100, 266000, 268100],
        ["Bắc Kạn", 317300, 159600, 157700],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "gioi_tinh.xlsx", rows))
    assert set(obs["source_cell"].str[0]) == {"B"}
    assert _bk(obs)["value"].tolist() == [317300.0]
    assert len(rej) == 6 and all(rej["reason"].str.startswith("part or other measure"))
    # a title naming a part gives no indicator to its columns
    rows = [
        ["DÂN SỐ NAM PHÂN THEO ĐỊA PHƯƠNG, 01/4/2019"],
        ["Đơn vị: Người"],
        ["", "Tổng số"],
        ["CẢ NƯỚC", 47881061],
        ["Cao Bằng", 263274],
        ["Bắc Kạn", 158008],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "nam.xlsx", rows))
    assert obs.empty and len(rej) == 3


def test_merged_province_table_without_its_name_in_the_title(tmp_path):
    rows, units = _thai_nguyen_rows()
    rows[0] = ["DÂN SỐ TRUNG BÌNH PHÂN THEO XÃ, PHƯỜNG NĂM 2026"]  # no province named
    obs, rej = read_workbook(_xlsx(tmp_path / "xa_2026.xlsx", rows))
    pop = obs[obs["indicator_id"] == "population_persons"]
    assert pop.loc[pop["source_cell"] == "C4", "area_code"].tolist() == ["19"]
    assert sorted(pop.loc[pop["area_level"] == "commune", "area_code"]) == sorted(
        units["area_code"]
    )
    assert (rej["reason"].str.startswith("outside the study area")).sum() == 3
    assert _bk(obs)["source_cell"].str.startswith("derived:").all()


def test_census_table_of_the_province_own_units(tmp_path):
    rows = [
        ["DÂN SỐ CHIA THEO THÀNH THỊ, NÔNG THÔN VÀ GIỚI TÍNH, 01/4/2019"],
        ["", "", "", "", "", "", "", "", "", "Đơn vị: Người"],
        ["", "Tổng số", "", "", "Thành thị", "", "", "Nông thôn", "", ""],
        ["", "Chung", "Nam", "Nữ", "Chung", "Nam", "Nữ", "Chung", "Nam", "Nữ"],
        ["Toàn tỉnh", 313905, 158008, 155897, 65132, 32082, 33050, 248773, 125926, 122847],
        ["Thành phố Bắc Kạn", 45036, 22000, 23036, 38510, 19000, 19510, 6526, 3000, 3526],
        ["Huyện Pác Nặm", 33000, 16500, 16500, 0, 0, 0, 33000, 16500, 16500],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "bk.xlsx", rows, CENSUS_MERGES))
    assert _series(obs) == {
        ("06", 2019, "actual"): 313905.0,
        ("058", 2019, "actual"): 45036.0,
        ("060", 2019, "actual"): 33000.0,
    }
    assert set(obs["source_cell"].str[0]) == {"B"}
    assert len(rej) == 3 * 8


def test_title_and_notes_above_the_header_are_not_headers(tmp_path):
    rows = _all_province_rows(two_measures=False)
    rows = [["", TITLE], ["", "(Tính đến 31/12 hằng năm)"], [], *rows[2:]]
    obs, rej = read_workbook(_xlsx(tmp_path / "title_b1.xlsx", rows))
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert set(rej["raw_value"]) == {".."}


def test_title_right_above_the_header(tmp_path):
    rows = _all_province_rows(two_measures=False)
    rows = [["", TITLE], ["", "", "", "", "Đơn vị tính: Nghìn người"], *rows[2:]]
    obs, _ = read_workbook(_xlsx(tmp_path / "title_adjacent.xlsx", rows))
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED


def test_merged_province_table_of_the_former_units_only(tmp_path):
    rows, units = _thai_nguyen_rows()
    rows = [
        r
        for r in rows
        if not (
            len(r) > 1 and r[1] in ("Phường Phan Đình Phùng", "Xã Tân Cương", "Phường Quan Triều")
        )
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "bk_cu_2026.xlsx", rows))
    # the total is not read (whose total is it?), the 37 units are, 06 is derived
    assert "C4" not in set(obs["source_cell"])
    assert rej.set_index("source_cell").loc["C4", "reason"].startswith("total row")
    assert (obs["area_code"] == "19").sum() == 0
    assert _bk(obs)["value"].item() == sum(8000 + i for i in range(len(units)))


def test_pc_axis_content_variable_with_units_per_measure(tmp_path):
    labels = [label for label, _p, _g in ROWS]
    q = chr(34)
    # HEADING year then measure: each row holds, per year, the population and the growth
    data = "\n".join(
        " ".join(
            f"{p.replace(',', '.')} {g.replace(',', '.')}" for p, g in zip(pop, gr, strict=True)
        )
        for _l, pop, gr in ROWS
    ).replace("..", '".."')
    px = (
        'CHARSET="ANSI";\nCODEPAGE="utf-8";\n'
        f'CONTENTS="{TITLE}";\nUNITS="Nghìn người, %";\nSTUB="Địa phương";\n'
        'HEADING="Năm","Chỉ tiêu";\nCONTVARIABLE="Chỉ tiêu";\n'
        f"VALUES({q}Địa phương{q})={','.join(q + x + q for x in labels)};\n"
        f"VALUES({q}Năm{q})={','.join(q + y + q for y in YEARS)};\n"
        'VALUES("Chỉ tiêu")="Dân số trung bình","Tỷ lệ tăng dân số";\n'
        'UNITS("Dân số trung bình")="Nghìn người";\nUNITS("Tỷ lệ tăng dân số")="%";\n'
        f"DATA=\n{data};\n"
    )
    p = tmp_path / "contvar.px"
    p.write_text(px, encoding="utf-8")
    obs, rej = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert set(obs["indicator_id"]) == {"population_persons"}
    assert len(obs) + len(rej) == 2 * len(ROWS) * len(YEARS)


def test_province_table_agrees_with_vietnamadminunits():
    from bkanalysis.admin.units import query

    for vintage, table in (("2020", "admin_units_legacy"), ("2025", "admin_units")):
        vau = {
            r["provinceCode"]: r["province"]
            for r in query(f"SELECT DISTINCT provinceCode, province FROM {table}")
        }
        ours = national_units(vintage)
        ours = ours[
            (ours["area_level"] == "province")
            & ~((ours["area_code"] == "06") & (vintage == "2025"))
        ]
        assert set(ours["area_code"]) == set(vau)
        differ = {
            c: (n, vau[c])
            for c, n in zip(ours["area_code"], ours["area_name"], strict=True)
            if vau[c] != n
        }
        # NOTE: 46 is named as in the 2019-2024 tables (Tỉnh Thừa Thiên Huế) before 2025
        assert differ == (
            {"46": ("Tỉnh Thừa Thiên Huế", "Thành phố Huế")} if vintage == "2020" else {}
        )


def test_record_level_sheet_with_commune_codes():
    from bkanalysis.ingest.cells import Cell, SheetGrid
    from bkanalysis.ingest.records import record_level_message

    cells = {(0, 0): Cell("Mã xã"), (0, 1): Cell("Có điện (1/0)"), (0, 2): Cell("Số người")}
    for r in range(1, 2001):
        cells[(r, 0)] = Cell(1852 if r < 1200 else 1855)
        cells[(r, 1)] = Cell(r % 2)
        cells[(r, 2)] = Cell(1 + r % 6)
    msg = record_level_message(SheetGrid("Hộ", cells))
    assert msg is not None and "'01852' on 1,199 rows" in msg


def test_csv_with_excel_separator_line(tmp_path):
    rows = _all_province_rows(two_measures=False)
    p = tmp_path / "sep.csv"
    p.write_text("sep=;\n" + _csv_text(rows, ";"), encoding="utf-8")
    obs, _ = read_workbook(p)
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert set(_bk(obs)["source_cell"]) == {"B11", "C11", "D11", "E11"}  # line 11 of the file


def test_areas_across_the_columns(tmp_path):
    labels = [label for label, _p, _g in ROWS]
    rows = [[TITLE], [], ["", *labels], ["", *[POP] * len(labels)]]
    for i, y in enumerate(YEARS):
        rows.append([y, *[pop[i] for _l, pop, _g in ROWS]])
    obs, rej = read_workbook(_xlsx(tmp_path / "pivot.xlsx", rows))
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    # Bắc Kạn is the 6th area: column G, years on rows 5-8
    assert set(_bk(obs)["source_cell"]) == {"G5", "G6", "G7", "G8"}
    assert len(obs) + len(rej) == len(ROWS) * len(YEARS)
    assert set(rej["raw_value"]) == {".."}


def test_column_numbering_row_under_the_header(tmp_path):
    rows = [list(r) for r in CENSUS_ROWS]
    rows.insert(4, ["A", 1, 2, 3, 4, 5, 6, 7, 8, 9])
    obs, rej = read_workbook(_xlsx(tmp_path / "numbered.xlsx", rows, CENSUS_MERGES))
    assert _bk(obs)[["value", "source_cell"]].values.tolist() == [[313905.0, "B9"]]
    assert len(obs) == 5 and len(obs) + len(rej) == 5 * 9


def test_second_table_in_the_sheet_is_not_read_with_the_first_headers(tmp_path):
    rows = _all_province_rows(two_measures=False)
    rows += [
        [],
        ["Diện tích rừng phân theo địa phương"],
        [],
        ["", "2018", "2019", "2020", "2021"],
        ["", *["Diện tích rừng (Nghìn ha)"] * 4],
        ["CẢ NƯỚC", "14491,3", "14609,2", "14677,2", "14745,2"],
        ["Bắc Kạn", "371,2", "372,0", "373,9", "374,1"],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "two_tables.xlsx", rows))
    # the first table is read; nothing of the second becomes a population figure
    assert {(r.year, r.status): r.value for r in _bk(obs).itertuples()} == BK_EXPECTED
    assert not obs["source_cell"].str[1:].astype(int).gt(12).any()
    second = rej[rej["source_cell"].str[1:].astype(int) > 13]
    assert len(second) == 16
    assert set(second["reason"].str.split(" [(:]", regex=True).str[0]) <= {
        "after a second header",
        "row without label",
    }
    assert second["reason"].str.startswith("after a second header").sum() == 12


# ---------------------------------------------------------------- a title about rural areas
SANITATION = ["Tỷ lệ hộ sử dụng nước hợp vệ sinh (%)", "Tỷ lệ hộ có nhà tiêu hợp vệ sinh (%)"]


def _merged_province_sanitation(tmp_path: Path, title: str):
    """A 2025 table of the merged Thái Nguyên: the former Bắc Kạn's communes only."""
    rows = [
        ["TỈNH THÁI NGUYÊN"],
        [title],
        [],
        ["STT", "Xã, phường", *SANITATION],
        [1, "Xã Ba Bể", "96,5", "82,1"],
        [2, "Xã Chợ Rã", 97.2, 85],
        [3, "Xã Nà Phặc", 93, "78,5"],
    ]
    return read_workbook(_xlsx(tmp_path / "vs.xlsx", rows))


def _department_report(tmp_path: Path, title: str):
    rows = [
        [title],
        [],
        ["STT", "Chỉ tiêu", "ĐVT", "TH 2022", "TH 2023", "KH 2024"],
        [1, "Tỷ lệ hộ có nhà tiêu hợp vệ sinh", "%", 75.2, "77,8", 80],
        [2, "Tỷ lệ hộ sử dụng nước hợp vệ sinh", "%", 95, 96, 97],
    ]
    return read_workbook(_xlsx(tmp_path / "bc.xlsx", rows))


RURAL = "hygienic_latrine_rural_households_pct"


def test_a_label_completed_by_a_title_about_rural_areas(tmp_path):
    """``Tỷ lệ hộ có nhà tiêu hợp vệ sinh`` under a rural title is the rural households' rate."""
    title = "Chỉ tiêu nước sạch và vệ sinh môi trường nông thôn các xã khu vực Bắc Kạn cũ năm 2025"
    obs, rej = _merged_province_sanitation(tmp_path, title)
    latrines = obs[obs["indicator_id"] == RURAL]
    assert sorted(latrines["value"]) == [78.5, 82.1, 85.0]
    assert set(obs["year"]) == {2025} and rej.empty
    # the observation says how it was read
    assert latrines["source_label"].str.endswith("hợp vệ sinh (%) › khu vực nông thôn").all()
    obs, rej = _department_report(tmp_path, "Kết quả nước sạch và vệ sinh môi trường nông thôn")
    latrines = obs[obs["indicator_id"] == RURAL]
    assert latrines["value"].tolist() == [75.2, 77.8, 80.0] and rej.empty
    assert set(latrines["source_label"]) == {"Tỷ lệ hộ có nhà tiêu hợp vệ sinh › khu vực nông thôn"}


def test_sections_of_urban_and_rural_measures(tmp_path):
    """The same labels under ``A. KHU VỰC ĐÔ THỊ`` and ``B. KHU VỰC NÔNG THÔN`` headers."""
    rows = [
        ["Các chỉ tiêu môi trường chủ yếu tỉnh Bắc Kạn giai đoạn 2021-2025"],
        [],
        ["TT", "Chỉ tiêu", "Đơn vị", "2021", "2022"],
        ["A", "KHU VỰC ĐÔ THỊ"],
        [1, "Tỷ lệ hộ có nhà tiêu hợp vệ sinh", "%", 95, 96],
        [2, "Tỷ lệ chất thải rắn sinh hoạt được thu gom", "%", 85, 87],
        ["B", "KHU VỰC NÔNG THÔN"],
        [1, "Tỷ lệ hộ có nhà tiêu hợp vệ sinh", "%", 70, 72],
        [2, "Tỷ lệ chất thải rắn sinh hoạt được thu gom", "%", 40, 45],
        ["C", "CHỈ TIÊU KHÁC"],
        [1, "Tỷ lệ hộ có nhà tiêu hợp vệ sinh", "%", 80, 81],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "bc.xlsx", rows))
    got = {(o.indicator_id, o.year): o.value for o in obs.itertuples()}
    assert got == {
        ("hygienic_latrine_urban_households_pct", 2021): 95.0,
        ("hygienic_latrine_urban_households_pct", 2022): 96.0,
        ("urban_waste_collected_pct", 2021): 85.0,
        ("urban_waste_collected_pct", 2022): 87.0,
        (RURAL, 2021): 70.0,
        (RURAL, 2022): 72.0,
        ("rural_waste_collected_pct", 2021): 40.0,
        ("rural_waste_collected_pct", 2022): 45.0,
    }
    assert "KHU VỰC ĐÔ THỊ › Tỷ lệ hộ có nhà tiêu hợp vệ sinh" in set(obs["source_label"])
    # a section naming no area does not inherit the one before: its label is refused
    assert sorted(rej["source_cell"]) == ["D11", "E11"]
    assert rej["reason"].str.startswith("no indicator matches").all()


@pytest.mark.parametrize("table", [_merged_province_sanitation, _department_report])
def test_a_new_rural_title_names_no_area_so_the_label_goes_to_review(tmp_path, table):
    """``nông thôn mới`` is a programme, not an area: the label names no one indicator."""
    from bkanalysis.review import rejected_labels

    obs, rej = table(tmp_path, "Kết quả thực hiện tiêu chí nông thôn mới năm 2025")
    # neither label names its area: both need review, every cell kept as a reject
    assert obs.empty and len(rej) == 6
    assert rej["reason"].str.startswith("no indicator matches").all()
    items = rejected_labels(rej)
    assert sorted(i.label for i in items) == [
        "Tỷ lệ hộ có nhà tiêu hợp vệ sinh", "Tỷ lệ hộ sử dụng nước hợp vệ sinh",
    ]  # fmt: skip
    assert [i.cells for i in items] == [3, 3]


def test_a_total_row_closing_a_section_is_the_sections_indicator(tmp_path):
    """``Tổng`` under ``I. Phát thải thực tế`` and under ``II. Kịch bản BAU``."""
    rows = [
        ["Kết quả kiểm kê khí nhà kính tỉnh Bắc Kạn"],
        ["Đơn vị: nghìn tấn CO2tđ"],
        [],
        ["STT", "Lĩnh vực", "2021", "2022"],
        ["I", "Phát thải thực tế"],
        [1, "Năng lượng", 410.2, 425.8],
        [2, "Nông nghiệp", "512,4", "515,0"],
        ["", "Tổng", 922.6, 940.8],
        ["II", "Kịch bản BAU"],
        [1, "Năng lượng", 430, 452],
        ["", "Tổng", 950, 977],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "knk.xlsx", rows))
    assert rej.empty
    got = {(o.indicator_id, o.year): (o.value, o.source_label) for o in obs.itertuples()}
    assert got[("ghg_emissions_tco2e", 2021)] == (922600.0, "Phát thải thực tế › Tổng")
    assert got[("ghg_bau_tco2e", 2022)] == (977000.0, "Kịch bản BAU › Tổng")
    assert got[("ghg_bau_energy_tco2e", 2021)][0] == 430000.0
    assert len(obs) == 10
    # a total under no section naming an indicator is not read, and says why
    rows = [
        ["Một số chỉ tiêu tỉnh Bắc Kạn"],
        [],
        ["STT", "Chỉ tiêu", "ĐVT", "2022", "2023"],
        [1, "Tỷ lệ che phủ rừng", "%", 73.5, 73.6],
        [2, "Số xã đạt chuẩn nông thôn mới", "xã", 25, 30],
        ["", "Tổng", "", 98.5, 103.6],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "tong.xlsx", rows))
    assert len(obs) == 4 and sorted(rej["source_cell"]) == ["D6", "E6"]
    assert rej["reason"].eq("total row 'Tổng' closes no section naming an indicator").all()


def test_a_plans_evaluation_sheet(tmp_path):
    """Target by 2020, result in 2020, an assessment in words: the numbers are read."""
    rows = [
        ["Đánh giá kết quả thực hiện các chỉ tiêu tăng trưởng xanh đến năm 2020"],
        [],
        ["STT", "Chỉ tiêu", "ĐVT", "Mục tiêu đến năm 2020", "Kết quả thực hiện năm 2020",
         "Đánh giá"],
        [1, "Tỷ lệ che phủ rừng", "%", 72, 73.4, "Đạt"],
        [2, "Tỷ lệ hộ dân được sử dụng nước sạch", "%", "> 98", 94.8, "Không đạt"],
        [3, "Số xã đạt chuẩn nông thôn mới", "xã", 26, 15, "Không đạt"],
    ]  # fmt: skip
    obs, rej = read_workbook(_xlsx(tmp_path / "danh_gia.xlsx", rows))
    got = {(o.indicator_id, o.status): o.value for o in obs.itertuples()}
    assert got == {
        ("forest_cover_pct", "plan"): 72.0,
        ("forest_cover_pct", "actual"): 73.4,
        ("clean_water_households_pct", "actual"): 94.8,
        ("ntm_communes_count", "plan"): 26.0,
        ("ntm_communes_count", "actual"): 15.0,
    }
    assert set(obs["year"]) == {2020}
    assert rej["reason"].tolist() == ["not a single number (range or qualifier)"]


def test_an_administrative_unit_header_is_no_unit_line(tmp_path):
    """``Đơn vị hành chính`` over the areas is not ``Đơn vị: hành chính``."""
    rows = [
        ["Tỷ lệ thu gom rác thải sinh hoạt đô thị phân theo huyện, thành phố (%)"],
        [],
        ["Đơn vị hành chính", "Năm"],
        ["", 2022, 2023],
        ["Toàn tỉnh", 88.0, 89.2],
        ["TP Bắc Kạn", 98.5, 99],
        ["Ba Bể", 82, 84],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "rac.xlsx", rows, ["B3:C3", "A3:A4"]))
    assert rej.empty and len(obs) == 6
    assert set(obs["indicator_id"]) == {"urban_waste_collected_pct"}
    assert set(obs["area_code"]) == {"06", "058", "061"}


def test_a_column_naming_only_the_measure_of_the_titles_subject(tmp_path):
    """``Tỷ lệ thu gom (%)`` under ``Tình hình thu gom, xử lý CTR sinh hoạt đô thị``."""
    rows = [
        ["TÌNH HÌNH THU GOM, XỬ LÝ CHẤT THẢI RẮN SINH HOẠT ĐÔ THỊ NĂM 2023"],
        [],
        ["STT", "Huyện/Thành phố", "Khối lượng phát sinh (tấn/ngày)", "Tỷ lệ thu gom (%)"],
        [1, "Thành phố Bắc Kạn", 45.2, 97.6],
        [2, "Huyện Ba Bể", 8.5, 83.5],
        ["", "Tổng cộng", 53.7, 95.3],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "ctr.xlsx", rows))
    got = {o.area_code: o.value for o in obs.itertuples()}
    assert got == {"058": 97.6, "061": 83.5, "06": 95.3}
    assert set(obs["indicator_id"]) == {"urban_waste_collected_pct"}
    assert set(obs["source_label"]) == {
        "TÌNH HÌNH THU GOM, XỬ LÝ CHẤT THẢI RẮN SINH HOẠT ĐÔ THỊ NĂM 2023 › Tỷ lệ thu gom"
    }
    # the tonnage is no indicator of the catalogue: refused, for review
    assert sorted(rej["source_cell"]) == ["C4", "C5", "C6"]


def test_a_label_of_all_areas_under_one_area_is_not_read_as_the_indicator(tmp_path):
    """``Tỷ lệ hộ dân dùng nước sạch`` under ``Khu vực thành thị`` is the urban rate."""
    rows = [
        ["Kết quả thực hiện một số chỉ tiêu về môi trường năm 2025"],
        [],
        ["TT", "Nội dung chỉ tiêu", "ĐVT", "Kế hoạch giao năm 2025", "Ước cả năm 2025"],
        ["A", "Khu vực thành thị"],
        [1, "Tỷ lệ hộ dân dùng nước sạch", "%", 99, "98,9"],
        [2, "Tỷ lệ CTR SH được thu gom, xử lý", "%", 95, 94.8],
        ["B", "Rừng"],
        [1, "Tỷ lệ che phủ rừng", "%", "73,7", "73,8"],
    ]
    obs, rej = read_workbook(_xlsx(tmp_path / "pl.xlsx", rows))
    assert set(obs["indicator_id"]) == {"urban_waste_collected_pct", "forest_cover_pct"}
    assert "clean_water_households_pct" not in set(obs["indicator_id"])
    assert sorted(rej["source_cell"]) == ["D5", "E5"]
    assert rej["reason"].str.contains("is of all areas").all()
    assert set(obs.loc[obs["indicator_id"] == "forest_cover_pct", "status"]) == {"plan", "estimate"}

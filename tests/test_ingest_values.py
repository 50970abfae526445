"""Unit tests of the ingestion building blocks: numbers, periods, units, indicator labels."""

from __future__ import annotations

import pytest

from bkanalysis.ingest.cells import Cell, a1, is_percent_format
from bkanalysis.ingest.labels import (
    Period,
    label_key,
    match_indicator,
    parse_period,
    parse_unit,
    parse_unit_line,
    title_key,
)
from bkanalysis.ingest.numbers import classify_number_text, parse_cell


@pytest.mark.parametrize(
    ("text", "conv", "value"),
    [
        ("4.346,0", None, 4346.0),
        ("41,20", None, 41.2),
        ("73,4%", None, 73.4),
        ("73,4*", None, 73.4),
        ("2.288,0", None, 2288.0),
        ("1.136,10", None, 1136.1),
        ("325.517,2", None, 325517.2),
        ("71.40", None, 71.4),
        ("13118.8", None, 13118.8),
        ("370,382", "en", 370382.0),
        ("370,382", "vi", 370.382),
        ("1.234", "vi", 1234.0),
        ("1 234,5", None, 1234.5),
        ("-310,2", None, -310.2),
        ("0,123", None, 0.123),
        ("1,234,567", None, 1234567.0),
        ("19(1)", None, 19.0),
    ],
)
def test_number_text(text, conv, value):
    pv = parse_cell(Cell(text), conv)
    assert pv.reason is None
    assert pv.value == pytest.approx(value, rel=0, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-", "missing marker"),
        ("…", "missing marker"),
        ("..", "missing marker"),
        ("x", "missing marker"),
        ("KTH", "missing marker"),
        ("1.234", "ambiguous number text"),
        ("370,382", "ambiguous number text"),
        ("Khoảng 6", "not a single number (range or qualifier)"),
        ("Trên 90", "not a single number (range or qualifier)"),
        ("1 - 1,5", "not a single number (range or qualifier)"),
        ("57-57,5", "not a single number (range or qualifier)"),
        ("abc", "not a number"),
        ("1.23.4", "not a number"),
        ("12,34,5", "not a number"),
    ],
)
def test_number_text_rejected(text, reason):
    assert parse_cell(Cell(text)).reason == reason


def test_cells_special():
    assert parse_cell(Cell(0.734, "0.0%", True)).value == 73.4
    assert parse_cell(Cell(0.1, "0%", True)).value == 10.0
    assert parse_cell(Cell("#REF!", is_error=True)).reason == "error cell (#REF!)"
    assert parse_cell(Cell("#VALUE!")).reason == "error cell (#VALUE!)"
    assert parse_cell(Cell(None, is_formula=True, has_cached=False)).reason == (
        "formula without cached value"
    )
    assert parse_cell(Cell(5.0, is_formula=True)).value == 5.0
    assert parse_cell(Cell(True)).reason.startswith("not a number")
    assert classify_number_text("1.234")[2] == "ambiguous"
    assert is_percent_format("0.00%") and not is_percent_format("#,##0.0")
    assert a1(0, 27) == "AB1"


@pytest.mark.parametrize(
    ("label", "period"),
    [
        (2019, Period(2019, "actual")),
        (2019.0, Period(2019, "actual")),
        ("2008(*)", Period(2008, "actual")),
        ("Sơ bộ - Prel. 2023", Period(2023, "preliminary")),
        ("Sơ bộ\nPrel.\n2021", Period(2021, "preliminary")),
        ("Sơ bộ Prel. 2022", Period(2022, "preliminary")),
        ("Prel.2022", Period(2022, "preliminary")),
        ("KH 2020", Period(2020, "plan")),
        ("Kế hoạch năm 2021", Period(2021, "plan")),
        ("Mục tiêu 2025", Period(2025, "plan")),
        ("Chỉ tiêu KH 2025", Period(2025, "plan")),
        ("TH 2018", Period(2018, "actual")),
        ("Thực hiện 2019", Period(2019, "actual")),
        ("ƯTH 2020", Period(2020, "estimate")),
        ("Ước TH 2020", Period(2020, "estimate")),
        ("Ước thực hiện năm 2020", Period(2020, "estimate")),
        ("Năm 2020", Period(2020, "actual")),
        ("Ước TH 2024", Period(2024, "estimate")),
        # the columns of a plan's evaluation sheet: target by, result in
        ("Mục tiêu đến năm 2020", Period(2020, "plan")),
        ("Kết quả thực hiện năm 2020", Period(2020, "actual")),
        ("Kết quả đạt được năm 2020", Period(2020, "actual")),
        ("Chỉ tiêu KH giao năm 2020", Period(2020, "plan")),
        # "Kết quả thực hiện" over "ƯTH 2017": the status is the estimate's
        ("Kết quả thực hiện ƯTH 2017", Period(2017, "estimate")),
    ],
)
def test_periods(label, period):
    assert parse_period(label) == period


def test_periods_nfd():
    import unicodedata

    assert parse_period(unicodedata.normalize("NFD", "Sơ bộ 2023")) == Period(2023, "preliminary")


@pytest.mark.parametrize(
    "label",
    [
        "2016-2020",
        "Giai đoạn 2016-2020",
        "Sơ bộ",
        "TH 2019/KH 2019",
        "Tên huyện",
        1.5,
        True,
        "Từ 2016 đến 2020",
        "Lũy kế đến năm 2020",
    ],
)
def test_not_periods(label):
    assert parse_period(label) is None


def test_units():
    assert parse_unit("Ha") == ("ha", 1.0)
    assert parse_unit("Nghìn ha") == ("ha", 1000.0)
    assert parse_unit("Km2") == ("ha", 100.0)
    assert parse_unit("km²") == ("ha", 100.0)
    assert parse_unit("nghìn người") == ("persons", 1000.0)
    assert parse_unit("tấn CO2tđ") == ("tCO2e", 1.0)
    assert parse_unit("Nghìn tấn CO2e") == ("tCO2e", 1000.0)
    assert parse_unit("tCO2e (tấn CO2 tương đương)") == ("tCO2e", 1.0)
    assert parse_unit("Tỷ đồng") is None
    assert parse_unit_line("Đơn vị tính - Unit: Ha") == ("Ha", "ha")
    assert parse_unit_line("ĐVT: %") == ("%", "%")
    assert parse_unit_line("Diện tích rừng") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Tỷ lệ che phủ rừng", "forest_cover_pct"),
        ("TỶ LỆ CHE PHỦ RỪNG (%)", "forest_cover_pct"),
        ("Tỉ lệ che phủ rừng", "forest_cover_pct"),
        ("Diện tích có rừng", "forest_area_ha"),
        ("Area of forest", "forest_area_ha"),
        ("Rừng tự nhiên", "natural_forest_area_ha"),
        ("Số xã đạt chuẩn NTM", "ntm_communes_count"),
        ("Số xã đạt chuẩn nông thôn mới", "ntm_communes_count"),
        ("1.2. Số tiêu chí đạt", "ntm_criteria_met_count"),
        ("a) Năm đạt chuẩn", "ntm_recognised_year"),
        ("Dân số trung bình", "population_persons"),
        (
            "Tỷ lệ rác thải, nước thải nguy hại được xử lý đúng quy định",
            "hazardous_waste_treated_pct",
        ),
    ],
)
def test_indicator_labels(label, expected):
    import unicodedata

    assert match_indicator(label_key(label)).id == expected
    assert match_indicator(label_key(unicodedata.normalize("NFD", label))).id == expected


@pytest.mark.parametrize(
    "label",
    ["Diện tích", "Mới trồng", "Diện tích trồng cây cam", "Tốc độ tăng trưởng GRDP", "Năng lượng"],
)
def test_indicator_labels_not_guessed(label):
    m = match_indicator(label_key(label))
    assert m.id is None and m.reason


def test_sector_labels_need_context():
    assert match_indicator(label_key("Nông nghiệp"), ("ghg_emissions_tco2e",)).id == (
        "ghg_emissions_agriculture_tco2e"
    )
    assert match_indicator(label_key("Nông nghiệp"), ("ghg_bau_tco2e",)).id == (
        "ghg_bau_agriculture_tco2e"
    )


def test_titles():
    assert title_key("Biểu 12. Tỷ lệ che phủ rừng phân theo huyện/thành phố thuộc tỉnh") == (
        "ty le che phu rung"
    )
    assert title_key("Hiện trạng rừng đến 31/12 hằng năm") == "hien trang rung"
    assert match_indicator(title_key("Dân số trung bình tỉnh Bắc Kạn năm 2021")).id == (
        "population_persons"
    )


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Tỷ lệ hộ nông thôn được dùng nước hợp vệ sinh", "rural_hygienic_water_households_pct"),
        ("Tỷ lệ hộ thành thị có nhà tiêu hợp vệ sinh", "hygienic_latrine_urban_households_pct"),
        ("Số tiêu chí đạt được", "ntm_criteria_met_count"),
    ],
)
def test_indicator_label_variants(label, expected):
    assert match_indicator(label_key(label)).id == expected


def test_period_variants():
    assert parse_period("Năm 2020 - Year 2020") == Period(2020, "actual")
    assert parse_period("SB 2023") == Period(2023, "preliminary")
    assert parse_period("Ước thực hiện cả năm 2020") == Period(2020, "estimate")
    assert parse_period("6 tháng đầu năm 2020") is None  # half-year: not a year's value

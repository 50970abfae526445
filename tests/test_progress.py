"""Progress assessment: one test per target shape, with hand-computed expectations."""

import math
import sys
import types
import zipfile

import openpyxl
import pandas as pd
import pytest

from bkanalysis import catalog
from bkanalysis.catalog import read_package_csv
from bkanalysis.cli import main
from bkanalysis.errors import CatalogError
from bkanalysis.progress import (
    ASSESSMENT_COLUMNS,
    assess,
    format_assessment,
    preferred_values,
    write_progress_workbook,
)
from bkanalysis.schema import ASSESSMENT_STATUSES, vintage_for_year
from bkanalysis.targets import load_targets


def obs(indicator_id, points, *, status="actual", code="06", level="province", name="Bắc Kạn"):
    """Observation rows from {year: value}."""
    return pd.DataFrame(
        [
            {
                "indicator_id": indicator_id,
                "area_code": code,
                "area_level": level,
                "admin_vintage": vintage_for_year(y),
                "area_name": name,
                "year": y,
                "value": float(v),
                "unit": catalog.indicator(indicator_id)["unit"],
                "status": status,
                "source_file": "t.xlsx",
                "source_sheet": "S",
                "source_cell": f"B{i + 2}",
            }
            for i, (y, v) in enumerate(points.items())
        ]
    )


def one(observations, target_id, **kw):
    t = load_targets()
    result = assess(observations, t[t["target_id"] == target_id], **kw)
    assert len(result) == 1
    return result.iloc[0]


def cagr(a, b, n):
    return (b / a) ** (1 / n) - 1


# ---------------------------------------------------------------- at-least percentage
@pytest.mark.parametrize(
    ("latest", "status", "progress"),
    [
        (71.5, "on_track", "substantial"),
        (71.0, "off_track", "moderate"),
        (70.4, "off_track", "limited"),
        (69.0, "deteriorating", "deterioration"),
        (72.0, "achieved", "achieved"),
    ],
)
def test_at_least_percentage_opensdg_bands(latest, status, progress):
    # forest cover >= 72% by 2020; base 2017 = 70, latest 2019
    r = one(obs("forest_cover_pct", {2017: 70, 2019: latest}), "forest_cover_2020")
    assert (r["status"], r["progress"]) == (status, progress)
    expected = cagr(70, latest, 2) / abs(cagr(70, 72, 3))
    assert r["measure"] == pytest.approx(expected)
    assert r["gap"] == pytest.approx(72 - latest)
    assert r["required_annual_change"] == pytest.approx((72 - latest) / 1)
    assert r["actual_annual_change"] == pytest.approx((latest - 70) / 2)
    assert (r["baseline_year"], r["latest_year"], r["as_of"]) == (2017, 2019, 2019)


def test_hand_computed_ratio_value():
    # (71.5/70)^(1/2) - 1 = 0.0106576; (72/70)^(1/3) - 1 = 0.0094346; ratio 1.12963
    r = one(obs("forest_cover_pct", {2017: 70, 2019: 71.5}), "forest_cover_2020")
    assert r["measure"] == pytest.approx(1.12963, abs=1e-5)


def test_base_year_is_latest_year_up_to_2017_else_first():
    r = one(obs("forest_cover_pct", {2015: 60, 2017: 70, 2019: 71.5}), "forest_cover_2020")
    assert (r["baseline_year"], r["baseline_value"]) == (2017, 70)
    r = one(obs("forest_cover_pct", {2018: 70, 2019: 71}), "forest_cover_2020")
    assert (r["baseline_year"], r["baseline_value"]) == (2018, 70)


def test_single_year_is_insufficient_unless_achieved():
    r = one(obs("forest_cover_pct", {2019: 71}), "forest_cover_2020")
    assert r["status"] == "insufficient_data"
    assert "no trend" in r["note"]
    assert one(obs("forest_cover_pct", {2019: 73}), "forest_cover_2020")["status"] == "achieved"


def test_no_data_is_insufficient():
    r = one(obs("forest_cover_pct", {2019: 71}), "clean_tech_facilities")
    assert r["status"] == "insufficient_data"
    assert math.isnan(r["latest_value"])


# ---------------------------------------------------------------- strict and exact
def test_strict_more_than():
    # clean water > 98%: exactly 98 is not achieved
    r = one(obs("clean_water_households_pct", {2017: 96, 2019: 98}), "clean_water_households_2020")
    assert r["status"] == "on_track"
    assert r["gap"] == 0
    assert "strict" in r["note"]
    r = one(
        obs("clean_water_households_pct", {2017: 96, 2019: 98.2}), "clean_water_households_2020"
    )
    assert r["status"] == "achieved"


def test_exact_hundred_percent():
    r = one(
        obs("hygienic_latrine_urban_households_pct", {2017: 95, 2019: 100}),
        "hygienic_latrines_urban",
    )
    assert r["status"] == "achieved"
    r = one(
        obs("hygienic_latrine_urban_households_pct", {2017: 95, 2019: 99.9}),
        "hygienic_latrines_urban",
    )
    assert r["status"] == "on_track"
    assert r["gap"] == pytest.approx(0.1)


# ---------------------------------------------------------------- decreasing, counts, zero
def test_at_most_decreasing_indicator():
    # landfilled <= 40%, direction decrease: base 60 (2017), 50 (2019)
    r = one(obs("waste_landfilled_pct", {2017: 60, 2019: 50}), "waste_recycled_share_landfilled")
    expected = -cagr(60, 50, 2) / abs(cagr(60, 40, 3))  # 0.6892
    assert r["measure"] == pytest.approx(expected)
    assert r["measure"] == pytest.approx(0.6892, abs=1e-4)
    assert (r["status"], r["progress"]) == ("off_track", "moderate")
    assert r["gap"] == pytest.approx(10)  # positive: 10 points still to cut


def test_count_strictly_more_than():
    # > 60 NTM communes by 2030: 10 (2017) -> 30 (2022); 3^(1/5)-1 over 6^(1/13)-1 = 1.6628
    r = one(obs("ntm_communes_count", {2017: 10, 2022: 30}), "ntm_communes_2030")
    assert r["measure"] == pytest.approx(1.6628, abs=1e-4)
    assert r["status"] == "on_track"
    assert r["required_annual_change"] == pytest.approx(30 / 8)
    assert one(obs("ntm_communes_count", {2017: 10, 2022: 60}), "ntm_communes_2030")["status"] == (
        "on_track"
    )
    assert one(obs("ntm_communes_count", {2017: 10, 2022: 61}), "ntm_communes_2030")["status"] == (
        "achieved"
    )


def test_zero_target_uses_absolute_change():
    # no heavily polluting facility: 3 (2017) -> 1 (2019); actual -1/yr, required -1/yr
    r = one(
        obs("heavily_polluting_facilities_count", {2017: 3, 2019: 1}),
        "heavily_polluting_facilities",
    )
    assert r["measure"] == pytest.approx(1.0)
    assert r["status"] == "on_track"
    assert r["gap"] == pytest.approx(1)
    assert "absolute change" in r["note"]
    r = one(
        obs("heavily_polluting_facilities_count", {2017: 3, 2019: 0}),
        "heavily_polluting_facilities",
    )
    assert r["status"] == "achieved"


# ---------------------------------------------------------------- ranges
def test_range_below_inside_above():
    below = one(obs("public_green_space_m2_per_person", {2017: 6, 2019: 8}), "public_green_space")
    assert below["measure"] == pytest.approx(cagr(6, 8, 2) / cagr(6, 10, 3))  # 0.8334
    assert (below["status"], below["progress"]) == ("off_track", "moderate")
    assert below["gap"] == pytest.approx(2)
    inside = one(obs("public_green_space_m2_per_person", {2017: 6, 2019: 12}), "public_green_space")
    assert (inside["status"], inside["gap"]) == ("achieved", 0)
    above = one(obs("public_green_space_m2_per_person", {2017: 18, 2019: 17}), "public_green_space")
    # towards the range from above: -CAGR(18->17) / |CAGR(18->15)| = 0.4779
    assert above["measure"] == pytest.approx(0.4779, abs=1e-4)
    assert (above["status"], above["progress"]) == ("off_track", "limited")
    assert above["gap"] == pytest.approx(2)


# ---------------------------------------------------------------- maintain
@pytest.mark.parametrize(
    ("points", "status", "progress"),
    [
        ({2020: 72.0, 2021: 72.5, 2022: 73.0}, "on_track", "held"),
        ({2020: 73.0, 2021: 72.5, 2022: 72.3}, "off_track", "trend below level"),
        ({2020: 73.0, 2021: 71.5, 2022: 72.5}, "off_track", "dipped"),
        ({2020: 73.0, 2021: 72.0, 2022: 71.8}, "deteriorating", "deterioration"),
        ({2020: 71.0, 2021: 71.5, 2022: 71.8}, "off_track", "below level"),
    ],
)
def test_maintain_before_deadline(points, status, progress):
    r = one(obs("forest_cover_pct", {2017: 70, **points}), "forest_cover_2030")
    assert (r["status"], r["progress"]) == (status, progress)
    assert r["baseline_year"] == 2020


def test_maintain_trend_projection_value():
    # points 73, 72.5, 72.3 -> slope -0.35, mean 72.6 at 2021 -> 72.6 - 0.35*9 = 69.45 in 2030
    r = one(obs("forest_cover_pct", {2020: 73, 2021: 72.5, 2022: 72.3}), "forest_cover_2030")
    assert r["projected_value"] == pytest.approx(69.45)


def test_maintain_at_deadline():
    held = dict.fromkeys(range(2020, 2031), 72.5)
    assert one(obs("forest_cover_pct", held), "forest_cover_2030", as_of=2031)["status"] == "met"
    dipped = {**held, 2025: 71.9}
    r = one(obs("forest_cover_pct", dipped), "forest_cover_2030", as_of=2030)
    assert r["status"] == "missed"
    assert "2025" in r["note"]


# ---------------------------------------------------------------- deadlines
def test_passed_deadline_judged_on_deadline_year():
    data = obs("forest_cover_pct", {2017: 70, 2020: 72.4, 2022: 71})
    r = one(data, "forest_cover_2020")
    assert (r["status"], r["latest_year"], r["latest_value"]) == ("met", 2020, 72.4)
    data = obs("forest_cover_pct", {2017: 70, 2020: 71.9, 2022: 75})
    r = one(data, "forest_cover_2020")
    assert (r["status"], r["latest_year"]) == ("missed", 2020)
    assert math.isnan(r["required_annual_change"])


def test_passed_deadline_without_deadline_value_is_insufficient():
    r = one(obs("forest_cover_pct", {2017: 70, 2019: 73, 2021: 74}), "forest_cover_2020")
    assert r["status"] == "insufficient_data"
    assert "no value for 2020" in r["note"]


def test_as_of_cuts_later_data():
    data = obs("forest_cover_pct", {2017: 70, 2019: 71.5, 2020: 73})
    assert one(data, "forest_cover_2020", as_of=2019)["status"] == "on_track"
    assert one(data, "forest_cover_2020", as_of=2020)["status"] == "met"


# ---------------------------------------------------------------- data statuses
def test_plan_rows_never_count():
    data = pd.concat(
        [
            obs("forest_cover_pct", {2017: 70, 2019: 71}),
            obs("forest_cover_pct", {2020: 75, 2019: 80}, status="plan"),
        ]
    )
    r = one(data, "forest_cover_2020")
    # as_of defaults to the latest non-plan year; the plan value of 2019 is ignored
    assert (r["as_of"], r["latest_value"], r["status"]) == (2019, 71, "off_track")


def test_actual_preferred_to_preliminary_to_estimate():
    data = pd.concat(
        [
            obs("forest_cover_pct", {2017: 70}),
            obs("forest_cover_pct", {2019: 75}, status="estimate"),
            obs("forest_cover_pct", {2019: 71.5}, status="preliminary"),
        ]
    )
    r = one(data, "forest_cover_2020")
    assert (r["latest_value"], r["data_status"]) == (71.5, "preliminary")
    data = pd.concat([data, obs("forest_cover_pct", {2019: 71.0})])
    assert one(data, "forest_cover_2020")["latest_value"] == 71.0


def test_conflicting_values_flagged():
    data = pd.concat([obs("forest_cover_pct", {2019: 71.0}), obs("forest_cover_pct", {2019: 72.0})])
    best = preferred_values(data)
    assert len(best) == 1 and bool(best["conflict"].iloc[0])


def test_province_series_crosses_vintages():
    data = obs("forest_cover_pct", {2019: 70, 2024: 72, 2025: 72.5})
    assert set(data["admin_vintage"]) == {"2019", "2020", "2025"}
    r = one(data, "forest_cover_2030")
    assert r["n_years"] == 3  # one series despite three vintages
    assert r["admin_vintage"] == "2025"


# ---------------------------------------------------------------- ESCAP method
def test_escap_anticipated_progress():
    # slope 0.5/yr through 70, 70.5, 71 -> 71.5 in 2020 < 72: share covered (71.5-70)/2 = 0.75
    data = obs("forest_cover_pct", {2017: 70, 2018: 70.5, 2019: 71})
    r = one(data, "forest_cover_2020", method="escap")
    assert r["projected_value"] == pytest.approx(71.5)
    assert r["measure"] == pytest.approx(0.75)
    assert (r["status"], r["method"]) == ("off_track", "escap")
    data = obs("forest_cover_pct", {2017: 70, 2018: 70.75, 2019: 71.5})
    assert one(data, "forest_cover_2020", method="escap")["status"] == "on_track"
    data = obs("forest_cover_pct", {2017: 70, 2018: 69.5, 2019: 69})
    assert one(data, "forest_cover_2020", method="escap")["status"] == "deteriorating"


# ---------------------------------------------------------------- emissions and tiers
def test_emission_target_and_tiers_from_bau():
    data = pd.concat(
        [
            obs("ghg_emissions_tco2e", {2018: 1000, 2020: 955}),
            obs("ghg_bau_tco2e", {2018: 1000, 2020: 1000}, status="plan"),
        ]
    )
    t = load_targets()
    res = assess(data, t[t["target_id"].str.startswith("ghg_reduction_2020")]).set_index(
        "target_id"
    )
    # 4.5% below BAU in 2020: voluntary 3 (met), national 1.5 (missed), international 0 (missed)
    assert res.loc["ghg_reduction_2020", "latest_value"] == pytest.approx(4.5)
    assert res.loc["ghg_reduction_2020", "status"] == "missed"
    assert res.loc["ghg_reduction_2020_voluntary", ["latest_value", "status"]].tolist() == [
        3,
        "met",
    ]
    assert res.loc["ghg_reduction_2020_national", "latest_value"] == pytest.approx(1.5)
    assert res.loc["ghg_reduction_2020_national", "status"] == "missed"
    assert res.loc["ghg_reduction_2020_international", "latest_value"] == 0


def test_missing_direction_is_an_error(monkeypatch):
    real = catalog.load_indicators

    def no_direction():
        cat = real()
        cat.loc[cat["id"] == "forest_cover_pct", "direction"] = ""
        return cat

    monkeypatch.setattr(catalog, "load_indicators", no_direction)
    with pytest.raises(CatalogError, match="'forest_cover_pct' has no direction"):
        one(obs("forest_cover_pct", {2017: 70, 2019: 71}), "forest_cover_2020")


def test_bad_arguments_rejected():
    data = obs("forest_cover_pct", {2019: 71})
    with pytest.raises(ValueError, match="'sdg'"):
        assess(data, method="sdg")
    with pytest.raises(ValueError, match="'village'"):
        assess(data, area_level="village")
    with pytest.raises(ValueError, match="lack column"):
        assess(data.drop(columns="status"))
    with pytest.raises(ValueError, match="'guess'"):
        assess(data.assign(status="guess"))


# ---------------------------------------------------------------- per-commune floor
def floor_data():
    frames = [
        # A: 8 criteria in 2020 -> below the floor
        obs(
            "ntm_criteria_met_count", {2019: 7, 2020: 8}, code="01843", level="commune", name="Xã A"
        ),
        # B: 12 criteria -> meets the floor
        obs(
            "ntm_criteria_met_count",
            {2019: 11, 2020: 12},
            code="01846",
            level="commune",
            name="Xã B",
        ),
        # C: recognised NTM in 2019: the floor does not bind it
        obs(
            "ntm_criteria_met_count",
            {2019: 19, 2020: 19},
            code="01849",
            level="commune",
            name="Xã C",
        ),
        obs("ntm_recognised_year", {2020: 2019}, code="01849", level="commune", name="Xã C"),
        # D: only 6 criteria, but recognised NTM in 2020 per the recognised-year table
        obs(
            "ntm_criteria_met_count", {2019: 5, 2020: 6}, code="01852", level="commune", name="Xã D"
        ),
        obs("ntm_recognised_year", {2020: 2020}, code="01852", level="commune", name="Xã D"),
    ]
    return pd.concat(frames, ignore_index=True)


def test_per_commune_floor():
    t = load_targets()
    res = assess(floor_data(), t[t["target_id"] == "ntm_communes_2020_floor"])
    summary = res[res["area_level"] == "province"].iloc[0]
    # non-NTM communes in 2020: A (8) and B (12); the minimum 8 < 10 at the deadline
    assert (summary["latest_year"], summary["latest_value"], summary["status"]) == (
        2020,
        8,
        "missed",
    )
    assert "1 of 2 non-NTM communes" in summary["note"]
    communes = res[res["area_level"] == "commune"].set_index("area_code")
    assert communes.loc["01843", "status"] == "missed"
    assert communes.loc["01846", "status"] == "met"
    assert communes.loc["01849", "status"] == "met"
    assert "NTM commune (recognised 2019)" in communes.loc["01849", "note"]
    assert communes.loc["01852", "status"] == "met"
    assert communes.loc["01846", "area_name"] == "Xã B"


def test_per_commune_floor_before_deadline():
    t = load_targets()
    data = floor_data()
    data = data[data["year"] == 2019]
    res = assess(data, t[t["target_id"] == "ntm_communes_2020_floor"])
    summary = res[res["area_level"] == "province"].iloc[0]
    # 2019: non-NTM communes A (7), B (11), D (5): minimum 5, one year only
    assert (summary["latest_value"], summary["status"]) == (5, "insufficient_data")
    communes = res[res["area_level"] == "commune"].set_index("area_code")
    assert communes.loc["01846", "status"] == "achieved"
    assert communes.loc["01849", "status"] == "achieved"


def test_district_level_rows():
    data = pd.concat(
        [
            obs(
                "forest_cover_pct",
                {2017: 70, 2019: 71.5},
                code="058",
                level="district",
                name="Huyện Ba Bể",
            ),
            obs(
                "forest_cover_pct",
                {2017: 70, 2019: 69},
                code="061",
                level="district",
                name="Huyện Pác Nặm",
            ),
        ]
    )
    t = load_targets()
    res = assess(data, t[t["target_id"] == "forest_cover_2020"], area_level="district")
    assert res.set_index("area_code")["status"].to_dict() == {
        "058": "on_track",
        "061": "deteriorating",
    }
    every = assess(data, area_level="district")
    assert set(every["target_id"]) == set(t["target_id"])  # one row even without district data
    row = every[every["target_id"] == "clean_tech_facilities"].iloc[0]
    assert (row["area_code"], row["status"]) == ("", "insufficient_data")


def test_every_target_gets_a_row_and_a_known_status():
    res = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}))
    assert list(res.columns) == list(ASSESSMENT_COLUMNS)
    assert res["target_id"].tolist() == load_targets()["target_id"].tolist()
    assert set(res["status"]) <= set(ASSESSMENT_STATUSES)


def test_inputs_not_mutated():
    data = obs("forest_cover_pct", {2017: 70, 2019: 71.5})
    before = data.copy()
    assess(data)
    pd.testing.assert_frame_equal(data, before)


# ---------------------------------------------------------------- output
def test_format_assessment_lists_every_target():
    res = assess(floor_data())
    for lang, missing in (("vi", "Thiếu dữ liệu"), ("en", "Insufficient data")):
        text = format_assessment(res, lang)
        for tid in load_targets()["target_id"]:
            assert tid in text
        assert missing in text


def test_workbook_formatting_and_text_cells(tmp_path):
    res = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}))
    res.loc[0, "note"] = '=HYPERLINK("http://x")'
    res.loc[1, "area_name"] = "+1+2"
    res.loc[2, "note"] = "-3"
    res.loc[3, "note"] = "@SUM(A1)"
    path = write_progress_workbook(res, tmp_path / "progress.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tiến độ (vi)", "Progress (en)"]
    colours = read_package_csv("statuses.csv").set_index("label_en")["colour"]
    ws = wb["Progress (en)"]
    # NOTE (issue 19): row 1 names the sheet (and carries the illustrative notice), the
    # header is row 2, so the frozen pane and the autofilter start one row lower.
    head = [c.value for c in ws[2]]
    assert ws.freeze_panes == "B3"
    assert ws.auto_filter.ref == ws.dimensions.replace("A1:", "A2:")
    assert all(c.font.b for c in ws[2])
    status_col = head.index("Status") + 1
    for row in range(3, ws.max_row + 1):
        cell = ws.cell(row=row, column=status_col)
        assert cell.fill.fgColor.rgb[-6:] == colours[cell.value].lstrip("#").upper()
    note_col = head.index("Note") + 1
    cell = ws.cell(row=3, column=note_col)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
    assert ws.cell(row=4, column=head.index("Area") + 1).value == "+1+2"
    assert ws.cell(row=6, column=note_col).value == "@SUM(A1)"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8")
    assert ws.column_dimensions["A"].width > 10


def test_workbook_reads_in_the_sheets_language(tmp_path):
    data = pd.concat(
        [
            obs("forest_cover_pct", {2017: 70, 2019: 71.56789}),
            obs("ntm_criteria_met_count", {2019: 8, 2020: 12}, code="01843", level="commune"),
        ],
        ignore_index=True,
    )
    res = assess(data)
    path = write_progress_workbook(res, tmp_path / "p.xlsx", source_files=["t.xlsx"])
    wb = openpyxl.load_workbook(path)
    for title, lang in (("Tiến độ (vi)", "vi"), ("Progress (en)", "en")):
        ws = wb[title]
        head = [c.value for c in ws[2]]
        # names first, ids last (in a column group that hides them)
        assert head[:2] == (["Chỉ tiêu", "Mục tiêu"] if lang == "vi" else ["Indicator", "Target"])
        assert head[-4:] == (
            ["Mã mục tiêu", "Thuộc mục tiêu", "Mã địa bàn", "Phiên bản địa giới"]
            if lang == "vi"
            else ["Target id", "Part of", "Area code", "Admin vintage"]
        )
        ids_col = openpyxl.utils.get_column_letter(len(head) - 3)
        assert ws.column_dimensions[ids_col].outlineLevel == 1
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
        col = {h: i for i, h in enumerate(head)}
        target = col["Mục tiêu" if lang == "vi" else "Target"]
        latest = col["Giá trị mới nhất" if lang == "vi" else "Latest value"]
        note = col["Ghi chú" if lang == "vi" else "Note"]
        floors = [r for r in rows if r[col[head[-4]]] == "ntm_communes_2020_floor"]
        assert floors and all(
            r[target] == ("≥ 10 tiêu chí" if lang == "vi" else "≥ 10 criteria") for r in floors
        )
        forest = next(r for r in rows if r[col[head[-4]]] == "forest_cover_2020")
        assert forest[latest] == 71.56789  # full precision in the cell
        cell = ws.cell(row=3 + rows.index(forest), column=latest + 1)
        assert cell.number_format == "#,##0.0#"
        texts = " ".join(str(r[note] or "") for r in rows)
        if lang == "vi":
            assert "non-NTM" not in texts and "xã chưa đạt chuẩn NTM" in texts
            assert "criteria" not in " ".join(str(v) for r in rows for v in r[: col["Ghi chú"]])
        assert ws["A1"].value.startswith("Tiến độ thực hiện" if lang == "vi" else "Progress of the")
        # t.xlsx is not in SOURCES.yml: the inputs count as illustrative
        assert "Dữ liệu minh hoạ / Illustrative data" in [c.value for c in ws[1]]


def test_workbook_notice_only_for_synthetic_inputs(tmp_path):
    res = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}))
    path = write_progress_workbook(res, tmp_path / "p.xlsx", synthetic=False)
    ws = openpyxl.load_workbook(path)["Tiến độ (vi)"]
    assert "Dữ liệu minh hoạ / Illustrative data" not in [c.value for c in ws[1]]


def test_workbook_is_deterministic(tmp_path):
    res = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}))
    a = write_progress_workbook(res, tmp_path / "a.xlsx").read_bytes()
    b = write_progress_workbook(res, tmp_path / "b.xlsx").read_bytes()
    assert a == b


# ---------------------------------------------------------------- status command
@pytest.fixture
def fake_pipeline(monkeypatch, tmp_path):
    data = pd.concat(
        [floor_data(), obs("forest_cover_pct", {2017: 70, 2019: 71.5, 2020: 72.3})],
        ignore_index=True,
    )
    module = types.ModuleType("bkanalysis.pipeline")

    def load_observations(processed):
        if not (processed / "observations.parquet").exists():
            raise FileNotFoundError(processed / "observations.parquet")
        return data

    module.load_observations = load_observations
    monkeypatch.setitem(sys.modules, "bkanalysis.pipeline", module)
    monkeypatch.setenv("BKANALYSIS_REPORTS", str(tmp_path / "reports"))
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "observations.parquet").write_bytes(b"")
    return processed


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_status_command(fake_pipeline, tmp_path, capsys, lang):
    assert main(["status", "--lang", lang, "--processed", str(fake_pipeline)]) == 0
    out = capsys.readouterr().out
    labels = read_package_csv("statuses.csv").set_index("status")[f"label_{lang}"]
    for tid in load_targets()["target_id"]:
        line = next(x for x in out.splitlines() if x.strip().startswith(tid + " "))
        assert any(label in line for label in labels), line
    assert labels["insufficient_data"] in out
    assert ("BAU" in out) and ("ghg_bau_tco2e" in out)  # the no-BAU message
    assert (tmp_path / "reports" / "progress.xlsx").exists()


def test_status_command_year_and_method(fake_pipeline, capsys):
    assert (
        main(
            [
                "status",
                "--lang",
                "en",
                "--year",
                "2019",
                "--method",
                "escap",
                "--processed",
                str(fake_pipeline),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "as of 2019" in out and "escap" in out
    assert main(["status", "--method", "magic", "--processed", str(fake_pipeline)]) == 1
    assert "magic" in capsys.readouterr().err


def test_status_without_processed_data(monkeypatch, tmp_path, capsys, fake_pipeline):
    assert main(["status", "--processed", str(tmp_path / "nowhere")]) == 1
    assert "bkanalysis build" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "bkanalysis.pipeline", None)
    assert main(["status", "--processed", str(fake_pipeline)]) == 1
    assert "run `bkanalysis build` first" in capsys.readouterr().err


def test_per_commune_floor_without_deadline_year_uses_year_before():
    t = load_targets()
    data = floor_data()
    later = data[data["year"] == 2020].assign(year=2021, admin_vintage="2020")
    data = pd.concat([data[data["year"] == 2019], later], ignore_index=True)
    res = assess(data, t[t["target_id"] == "ntm_communes_2020_floor"])
    summary = res[res["area_level"] == "province"].iloc[0]
    assert summary["status"] == "insufficient_data"
    assert "no value for 2020" in summary["note"]
    communes = res[res["area_level"] == "commune"]
    assert set(communes["admin_vintage"]) == {"2019"}  # the year before the deadline
    assert communes.set_index("area_code").loc["01849", "status"] == "met"  # NTM since 2019


def test_other_province_rows_ignored():
    data = pd.concat(
        [
            obs("forest_cover_pct", {2017: 70, 2019: 71.5}),
            obs("forest_cover_pct", {2017: 50, 2019: 40}, code="19", name="Thái Nguyên"),
        ]
    )
    r = one(data, "forest_cover_2020")
    assert (r["latest_value"], r["status"]) == (71.5, "on_track")


@pytest.mark.slow
def test_status_on_the_example_data(monkeypatch, tmp_path, capsys):
    from bkanalysis.config import get_paths

    raw = get_paths().raw
    if not any(raw.rglob("*.xlsx")):
        pytest.skip(f"no example workbooks in {raw} (run `make data`)")
    processed = tmp_path / "processed"
    monkeypatch.setenv("BKANALYSIS_REPORTS", str(tmp_path / "reports"))
    assert main(["build", "--raw", str(raw), "--out", str(processed), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["status", "--lang", "en", "--processed", str(processed)]) == 0
    out = capsys.readouterr().out
    labels = read_package_csv("statuses.csv")["label_en"].tolist()
    for tid in load_targets()["target_id"]:
        line = next(x for x in out.splitlines() if x.strip().startswith(tid + " "))
        assert any(label in line for label in labels), line
    wb = openpyxl.load_workbook(tmp_path / "reports" / "progress.xlsx")
    assert wb.sheetnames == ["Tiến độ (vi)", "Progress (en)"]


def test_empty_observations_give_insufficient_data(tmp_path):
    from bkanalysis.schema import empty_observations

    res = assess(empty_observations())
    assert len(res) == len(load_targets())
    assert set(res["status"]) == {"insufficient_data"}
    assert f"Insufficient data: {len(res)}  ({len(res)} targets)" in format_assessment(res, "en")
    write_progress_workbook(res, tmp_path / "p.xlsx")

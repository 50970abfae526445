"""Progress assessment: one test per target shape, with hand-computed expectations."""

import math
import zipfile

import openpyxl
import pandas as pd
import pytest

from bkanalysis import catalog, observations
from bkanalysis.catalog import read_package_csv
from bkanalysis.cli import main
from bkanalysis.errors import BkError, CatalogError
from bkanalysis.observations import preferred_values
from bkanalysis.progress import (
    ASSESSMENT_COLUMNS,
    assess,
    assessment,
    format_assessment,
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
    # count reading (as reported): > 60 NTM communes by 2030: 10 (2017) -> 30 (2022);
    # 3^(1/5)-1 over 6^(1/13)-1 = 1.6628
    kw = {"count_reading": "count"}
    r = one(obs("ntm_communes_count", {2017: 10, 2022: 30}), "ntm_communes_2030", **kw)
    assert r["measure"] == pytest.approx(1.6628, abs=1e-4)
    assert r["status"] == "on_track"
    assert r["required_annual_change"] == pytest.approx(30 / 8)
    assert r["reading"] == "count_as_reported"
    assert "not comparable" in r["note"]  # 2022 is in the 2020 units
    data = obs("ntm_communes_count", {2017: 10, 2022: 60})
    assert one(data, "ntm_communes_2030", **kw)["status"] == "on_track"
    data = obs("ntm_communes_count", {2017: 10, 2022: 61})
    assert one(data, "ntm_communes_2030", **kw)["status"] == "achieved"


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
    # "đạt mức … 10 – 15 m²/người" = reach at least the range
    below = one(obs("public_green_space_m2_per_person", {2017: 6, 2019: 8}), "public_green_space")
    assert below["measure"] == pytest.approx(cagr(6, 8, 2) / cagr(6, 10, 3))  # 0.8334
    assert (below["status"], below["progress"]) == ("off_track", "moderate")
    assert below["gap"] == pytest.approx(2)
    assert below["reading"] == "at_least_range"
    inside = one(obs("public_green_space_m2_per_person", {2017: 6, 2019: 12}), "public_green_space")
    assert (inside["status"], inside["gap"]) == ("achieved", 0)
    # above the range: achieved, with a note (changed by issue 16: was off_track/limited)
    above = one(obs("public_green_space_m2_per_person", {2017: 18, 2019: 17}), "public_green_space")
    assert (above["status"], above["gap"]) == ("achieved", 0)
    assert "above the range" in above["note"]
    met = one(
        obs("env_investment_share_pct", {2017: 2.0, 2020: 4.6}), "env_investment_share", as_of=2020
    )
    assert met["status"] == "met"
    assert "above the range" in met["note"]
    missed = one(
        obs("env_investment_share_pct", {2017: 2.0, 2020: 2.9}), "env_investment_share", as_of=2020
    )
    assert missed["status"] == "missed"


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
    # 4.5% below BAU in 2020: voluntary 3 (met); national 1.5 of 2 and international 0
    # of 1 are conditional on support: reported as conditional parts, never "missed"
    # (changed by issue 16: they were "missed"); the 6% total is conditional too, since
    # its voluntary part is met.
    assert res.loc["ghg_reduction_2020", "latest_value"] == pytest.approx(4.5)
    assert res.loc["ghg_reduction_2020", "status"] == "conditional"
    assert "voluntary part met" in res.loc["ghg_reduction_2020", "note"]
    assert res.loc["ghg_reduction_2020_voluntary", ["latest_value", "status"]].tolist() == [
        3,
        "met",
    ]
    assert not res.loc["ghg_reduction_2020_voluntary", "conditional"]
    assert res.loc["ghg_reduction_2020_national", "latest_value"] == pytest.approx(1.5)
    assert res.loc["ghg_reduction_2020_national", "status"] == "conditional"
    assert res.loc["ghg_reduction_2020_national", "conditional"]
    assert res.loc["ghg_reduction_2020_international", "latest_value"] == 0
    assert res.loc["ghg_reduction_2020_international", "status"] == "conditional"


def test_total_with_voluntary_part_missed_is_missed():
    # 2% below BAU in 2020: the voluntary 3% itself is missed, so the total is missed;
    # the national part (0 of 2) waits for the voluntary part: conditional, with that reason
    data = pd.concat(
        [
            obs("ghg_emissions_tco2e", {2018: 1000, 2020: 980}),
            obs("ghg_bau_tco2e", {2018: 1000, 2020: 1000}, status="plan"),
        ]
    )
    t = load_targets()
    res = assess(data, t[t["target_id"].str.startswith("ghg_reduction_2020")]).set_index(
        "target_id"
    )
    assert res.loc["ghg_reduction_2020_voluntary", "status"] == "missed"
    assert res.loc["ghg_reduction_2020", "status"] == "missed"
    assert res.loc["ghg_reduction_2020_national", "status"] == "conditional"
    assert "voluntary part is full" in res.loc["ghg_reduction_2020_national", "note"]


def test_conditional_tier_not_off_track_before_deadline():
    # 2022: 5% below BAU, 2030 tiers 7/4/3: the voluntary tier holds 5 (on its way), the
    # national tier is 0 because tiers fill in order: not "off track", conditional
    data = pd.concat(
        [
            obs("ghg_emissions_tco2e", {2018: 1000, 2022: 950}),
            obs("ghg_bau_tco2e", {2018: 1000, 2022: 1000}, status="plan"),
        ]
    )
    t = load_targets()
    res = assess(data, t[t["target_id"].str.startswith("ghg_reduction_2030")]).set_index(
        "target_id"
    )
    assert res.loc["ghg_reduction_2030_national", "status"] == "conditional"
    assert res.loc["ghg_reduction_2030_international", "status"] == "conditional"
    assert res.loc["ghg_reduction_2030_voluntary", "status"] not in {"conditional"}


def test_missing_direction_is_an_error(monkeypatch):
    real = catalog.load_indicators

    def no_direction():
        cat = real()
        cat.loc[cat["id"] == "forest_cover_pct", "direction"] = ""
        return cat

    monkeypatch.setattr(assessment, "load_indicators", no_direction)
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

    def load_observations(processed):
        if not (processed / "observations.parquet").exists():
            raise BkError(f"{processed} has no data: run `bkanalysis build` first")
        return data

    monkeypatch.setattr(observations, "load_observations", load_observations)
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


def test_status_without_processed_data(tmp_path, capsys):
    assert main(["status", "--processed", str(tmp_path / "nowhere")]) == 1
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


# ---------------------------------------------------------------- NTM 2030: the unit change
def test_ntm_2030_share_of_the_years_own_xa():
    # 'trên 60 xã' set for the 110 xã of 2019 -> more than 60/110 = 54.545 % of xã.
    # 2017: 10 of 110 xã = 9.0909 %; 2022: 30 of the 95 xã of the 2020 units = 31.579 %.
    # CAGR_obs = (31.579/9.0909)^(1/5) - 1 = 0.282797; CAGR_req = 6^(1/13) - 1 = 0.147778;
    # ratio 1.91367 -> on track
    r = one(obs("ntm_communes_count", {2017: 10, 2022: 30}), "ntm_communes_2030")
    assert r["reading"] == "share_of_units"
    assert r["target_value"] == pytest.approx(100 * 60 / 110)
    assert r["baseline_value"] == pytest.approx(100 * 10 / 110)
    assert r["latest_value"] == pytest.approx(100 * 30 / 95)
    assert r["measure"] == pytest.approx(1.91367, abs=1e-5)
    assert r["status"] == "on_track"
    assert "95 xã" in r["note"] and "110 xã" in r["note"] and "units changed" in r["note"]
    # 2025 (35 xã + 2 phường): 20 of 35 xã = 57.14 % > 54.55 % -> achieved, though 20 < 60
    later = obs("ntm_communes_count", {2017: 10, 2022: 30, 2025: 20})
    r = one(later, "ntm_communes_2030")
    assert r["latest_value"] == pytest.approx(100 * 20 / 35)
    assert r["status"] == "achieved"
    assert "35 xã" in r["note"]
    # read as a count, 20 < 60 and the note says the units are not comparable
    r = one(later, "ntm_communes_2030", count_reading="count")
    assert r["status"] != "achieved" and "not comparable" in r["note"]
    with pytest.raises(ValueError, match="count_reading"):
        one(later, "ntm_communes_2030", count_reading="both")


def test_chart_path_is_the_judged_path():
    # the required path runs from the base to the target with the required CAGR, and the
    # status agrees with the latest value against it: latest above the path -> on track
    r = one(obs("ntm_communes_count", {2017: 10, 2022: 30}), "ntm_communes_2030")
    path = dict(r["path"])
    assert r["path_kind"] == "required" and r["rate_kind"] == "cagr"
    assert path[2017] == pytest.approx(100 * 10 / 110)
    assert path[2030] == pytest.approx(100 * 60 / 110)
    assert path[2022] == pytest.approx(100 * 10 / 110 * 1.147778**5, rel=1e-5)
    assert r["latest_value"] > path[2022]
    assert {y: v for y, v, _ in r["series"]} == pytest.approx(
        {2017: 100 * 10 / 110, 2022: 100 * 30 / 95}
    )
    assert [s for _, _, s in r["series"]] == ["actual", "actual"]


# ---------------------------------------------------------------- ad-hoc targets
def test_adhoc_target_validated_and_assessed():
    import numpy as np

    from bkanalysis.targets import Target

    t = Target(indicator_id="forest_cover_pct", comparator=">=", value=72, year=np.int64(2020))
    assert t.year == 2020 and isinstance(t.year, int)
    r = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}), targets=[t]).iloc[0]
    # same as the registry's forest_cover_2020 (hand-computed ratio 1.12963)
    assert r["measure"] == pytest.approx(1.12963, abs=1e-5)
    assert (r["target_id"], r["status"]) == ("forest_cover_pct_2020", "on_track")
    r = assess(
        obs("forest_cover_pct", {2017: 70, 2019: 71.5}), targets=[t], as_of=np.int64(2019)
    ).iloc[0]
    assert r["as_of"] == 2019
    for bad in (
        {"comparator": "≥", "value": 72, "year": 2020},
        {"comparator": ">=", "value": 72, "year": 2020.0},
        {"comparator": ">=", "value": "72", "year": 2020},
        {"comparator": "<=", "value": 72, "year": 2020},  # contradicts 'increase'
        {"comparator": "range", "low": 5, "high": 3, "year": 2020},
        {"comparator": "=", "year": 2020},
    ):
        with pytest.raises(ValueError):
            Target(indicator_id="forest_cover_pct", **bad)
    with pytest.raises(ValueError, match="direction"):
        Target(indicator_id="unknown_series", comparator="=", value=1, year=2030)
    with pytest.raises(ValueError, match="as_of"):
        assess(obs("forest_cover_pct", {2017: 70}), targets=[t], as_of=2019.5)
    # a target without a value: only the opensdg method assesses it
    nv = Target(indicator_id="forest_cover_pct", comparator=">=", year=2030)
    r = assess(obs("forest_cover_pct", {2017: 70, 2019: 71.5}), targets=[nv]).iloc[0]
    assert r["status"] == "insufficient_data" and "opensdg" in r["note"]


# ---------------------------------------------------------------- table, terminal, workbook
def _wording_data():
    return pd.concat(
        [
            obs("ntm_communes_count", {2017: 10, 2022: 30, 2025: 20}),
            obs("ghg_emissions_tco2e", {2018: 1000, 2020: 955}),
            obs("ghg_bau_tco2e", {2018: 1000, 2020: 1000}, status="plan"),
            obs("public_green_space_m2_per_person", {2017: 8, 2020: 17}),
        ],
        ignore_index=True,
    )


def test_status_table_shows_conditional_parts_ranges_and_unit_change(tmp_path):
    res = assess(_wording_data())
    for lang, words in (
        ("vi", ["Phần có điều kiện", "đạt tối thiểu 10–15", "110 xã", "95 xã", "35 xã"]),
        ("en", ["Conditional part", "reach at least 10–15", "110 xã", "95 xã", "35 xã"]),
    ):
        text = format_assessment(res, lang)
        for w in words:
            assert w in text, (lang, w)
    text = format_assessment(res, "vi")
    line = next(x for x in text.splitlines() if x.startswith("ntm_communes_2030 "))
    assert "54,5 % số xã" in line and "Đã đạt" in line
    path = write_progress_workbook(res, tmp_path / "progress.xlsx")
    ws = openpyxl.load_workbook(path)["Progress (en)"]
    head = [c.value for c in ws[2]]  # row 1: the sheet's title and notice (issue 19)
    rows = [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)]
    rows = {r["Target id"]: r for r in rows}
    assert rows["ghg_reduction_2020_national"]["Status"] == "Conditional part"
    assert "not an obligation" in rows["ghg_reduction_2020_national"]["Reading of the target"]
    assert rows["public_green_space"]["Status"] == "Met at deadline"
    assert "above the range" in rows["public_green_space"]["Note"]
    assert "reach at least" in rows["public_green_space"]["Reading of the target"]
    ntm = rows["ntm_communes_2030"]
    assert ntm["Target"] == "> 54.5 % of xã"
    assert "units changed" in ntm["Reading of the target"]


def test_status_command_count_reading(fake_pipeline, capsys):
    assert main(["status", "--processed", str(fake_pipeline), "--count-reading", "count"]) == 0
    assert main(["status", "--processed", str(fake_pipeline), "--count-reading", "x"]) == 1

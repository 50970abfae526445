"""Emissions against business-as-usual: reduction, tiers, projection, missing BAU."""

import math

import pandas as pd
import pytest

from bkanalysis.emissions import (
    EMISSIONS_COLUMNS,
    emissions_vs_bau,
    project_emissions,
    reduction_observations,
    target_kind,
    tier_caps,
    tier_split,
)
from bkanalysis.schema import validate_observations


def rows(indicator_id, points, status="actual"):
    return pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "area_code": "06",
            "area_level": "province",
            "year": list(points),
            "value": [float(v) for v in points.values()],
            "status": status,
        }
    )


def test_tier_caps_from_registry_and_interpolated():
    # issue 16: no target before 2020 or after 2030 (were the nearest target's caps);
    # the years in between are an interpolated path, labelled as such
    assert all(math.isnan(c) for c in tier_caps(2015))
    assert all(math.isnan(c) for c in tier_caps(2035))
    assert tier_caps(2020) == (3, 2, 1)
    assert tier_caps(2021) == pytest.approx((3.4, 2.2, 1.2))
    assert tier_caps(2025) == pytest.approx((5, 3, 2))
    assert tier_caps(2030) == (7, 4, 3)
    assert [target_kind(y) for y in (2019, 2020, 2021, 2029, 2030, 2031)] == [
        "",
        "target",
        "path",
        "path",
        "target",
        "",
    ]


@pytest.mark.parametrize(
    ("reduction", "caps", "expected"),
    [
        (2.0, (3, 2, 1), (2, 0, 0)),
        (4.5, (3, 2, 1), (3, 1.5, 0)),
        (5.5, (3, 2, 1), (3, 2, 0.5)),
        (8.0, (3, 2, 1), (3, 2, 1)),
        (-1.0, (3, 2, 1), (0, 0, 0)),
        (12.0, (7, 4, 3), (7, 4, 1)),
    ],
)
def test_tier_split(reduction, caps, expected):
    assert tier_split(reduction, caps) == pytest.approx(expected)


def test_tier_split_nan():
    assert all(math.isnan(x) for x in tier_split(float("nan"), (3, 2, 1)))


def test_emissions_vs_bau_hand_computed():
    data = pd.concat(
        [
            rows("ghg_emissions_tco2e", {2020: 955, 2025: 900}),
            rows("ghg_bau_tco2e", {2020: 1000, 2025: 1000, 2030: 1200}, status="plan"),
            rows("ghg_emissions_energy_tco2e", {2020: 400}),
            rows("ghg_bau_energy_tco2e", {2020: 500}),
            rows("ghg_emissions_waste_tco2e", {2020: 50}),  # no BAU for waste: no row
        ]
    )
    df = emissions_vs_bau(data)
    assert list(df.columns) == list(EMISSIONS_COLUMNS)
    assert df[["year", "sector"]].values.tolist() == [
        [2020, "total"],
        [2020, "energy"],
        [2025, "total"],
    ]
    total20 = df.iloc[0]
    assert total20["reduction_tco2e"] == 45
    assert total20["reduction_pct"] == pytest.approx(4.5)
    assert (total20["tier_voluntary_pct"], total20["tier_national_pct"]) == pytest.approx((3, 1.5))
    assert total20["tier_international_pct"] == 0
    assert total20["target_pct"] == 6
    assert total20["bau_status"] == "plan"
    assert total20["target_kind"] == "target"
    energy = df.iloc[1]
    assert energy["reduction_pct"] == pytest.approx(20)
    # issue 16: the plan sets no per-sector split of the tiers: none for a sector
    cols = ["tier_voluntary_pct", "tier_national_pct", "cap_voluntary_pct", "target_pct"]
    assert energy[cols].isna().all()
    assert energy["target_kind"] == ""
    total25 = df.iloc[2]
    # 2025: 10% below BAU; caps 5 + 3 + 2 = 10 on the interpolated path (not a target)
    assert total25["target_kind"] == "path"
    assert total25["reduction_pct"] == pytest.approx(10)
    assert total25["target_pct"] == pytest.approx(10)
    assert total25[
        ["tier_voluntary_pct", "tier_national_pct", "tier_international_pct"]
    ].tolist() == pytest.approx([5, 3, 2])
    assert not df["is_projection"].any()


def test_actual_plan_rows_are_not_actual_emissions():
    data = pd.concat(
        [
            rows("ghg_emissions_tco2e", {2020: 900}, status="plan"),
            rows("ghg_bau_tco2e", {2020: 1000}),
        ]
    )
    assert emissions_vs_bau(data).empty


def test_preferred_status_for_actual():
    data = pd.concat(
        [
            rows("ghg_emissions_tco2e", {2020: 900}, status="estimate"),
            rows("ghg_emissions_tco2e", {2020: 940}, status="preliminary"),
            rows("ghg_bau_tco2e", {2020: 1000}),
        ]
    )
    r = emissions_vs_bau(data).iloc[0]
    assert (r["actual_tco2e"], r["actual_status"]) == (940, "preliminary")


def test_no_bau_gives_message_not_error():
    df = emissions_vs_bau(rows("ghg_emissions_tco2e", {2019: 900, 2020: 950}))
    assert df.empty
    assert list(df.columns) == list(EMISSIONS_COLUMNS)
    assert "BAU" in df.attrs["message"]
    assert df.attrs["message_vi"] in df.attrs["message"]
    assert df.attrs["message_en"] in df.attrs["message"]
    p = project_emissions(rows("ghg_emissions_tco2e", {2019: 900, 2020: 950}))
    assert p.empty and "BAU" in p.attrs["message"]


def test_project_log_linear_and_bau_sources():
    data = pd.concat(
        [
            rows("ghg_emissions_tco2e", {2018: 100, 2019: 110, 2020: 121}),
            rows("ghg_bau_tco2e", {2020: 130, 2022: 130 * 1.21}),
        ]
    )
    p = project_emissions(data, to_year=2024)
    assert p["year"].tolist() == [2021, 2022, 2023, 2024]
    # exactly 10% growth a year: the log-linear fit reproduces it
    assert p["actual_tco2e"].tolist() == pytest.approx([133.1, 146.41, 161.051, 177.1561])
    assert p["bau_source"].tolist() == ["interpolated", "observed", "extrapolated", "extrapolated"]
    assert p["bau_tco2e"].iloc[0] == pytest.approx(143.0)  # geometric mean of 130 and 157.3
    assert p["is_projection"].all()
    assert p["method"].iloc[0] == "log-linear OLS on 2018–2020"


def test_project_uses_last_n_years_and_linear_for_sinks():
    data = pd.concat(
        [
            rows("ghg_emissions_tco2e", {2015: 1, 2016: 1000, 2017: 100, 2018: 110, 2019: 121}),
            rows("ghg_bau_tco2e", {2019: 130, 2030: 200}),
            rows("ghg_emissions_lulucf_tco2e", {2018: -100, 2019: -90}),
            rows("ghg_bau_lulucf_tco2e", {2018: -50, 2019: -50}),
        ]
    )
    p = project_emissions(data, to_year=2020, n_years=3)
    total = p[p["sector"] == "total"].iloc[0]
    assert total["actual_tco2e"] == pytest.approx(133.1)
    lulucf = p[p["sector"] == "lulucf"].iloc[0]
    assert lulucf["actual_tco2e"] == pytest.approx(-80)
    assert lulucf["method"].startswith("linear OLS")
    with pytest.raises(ValueError, match="n_years"):
        project_emissions(data, n_years=1)


def test_reduction_observations_are_valid_observations():
    data = pd.concat(
        [rows("ghg_emissions_tco2e", {2020: 900}), rows("ghg_bau_tco2e", {2020: 1000}, "plan")]
    ).assign(
        admin_vintage="2020",
        area_name="Bắc Kạn",
        unit="tCO2e",
        source_file="a.xlsx",
        source_sheet="S",
        source_cell="B2",
    )
    red = reduction_observations(data)
    assert red["value"].tolist() == [10.0]
    validate_observations(red)


def test_inputs_not_mutated():
    data = pd.concat(
        [rows("ghg_emissions_tco2e", {2020: 900}), rows("ghg_bau_tco2e", {2020: 1000})]
    )
    before = data.copy()
    emissions_vs_bau(data)
    project_emissions(data)
    pd.testing.assert_frame_equal(data, before)

"""Harmonisation, aggregation and reconciliation of observations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bkanalysis.admin import aggregate, crosswalk, gazetteer, harmonise, reconcile_totals
from bkanalysis.schema import OBSERVATION_COLUMNS

UNITS = {
    "forest_area_ha": "ha",
    "natural_area_ha": "ha",
    "population_persons": "persons",
    "households_count": "households",
    "forest_cover_pct": "%",
    "clean_water_households_pct": "%",
    "ntm_recognised_year": "year",
    "ntm_criteria_met_count": "criteria",
    "medical_waste_treated_pct": "%",
}


def _series(vintage, indicator, values, *, year=None, level="commune", sheet="S", codes=None):
    g = gazetteer(vintage)
    g = g[g["area_level"] == level]
    if codes is not None:
        g = g[g["area_code"].isin(codes)]
    year = year or {"2019": 2019, "2020": 2021, "2025": 2025}[vintage]
    return pd.DataFrame(
        {
            "indicator_id": indicator,
            "area_code": g["area_code"].to_numpy(),
            "area_level": level,
            "admin_vintage": vintage,
            "area_name": g["area_name"].to_numpy(),
            "year": year,
            "value": values if np.isscalar(values) else np.asarray(values)[: len(g)],
            "unit": UNITS[indicator],
            "status": "actual",
            "source_file": "synthetic.xlsx",
            "source_sheet": sheet,
            "source_cell": [f"C{i + 5}" for i in range(len(g))],
        }
    )


@pytest.fixture(scope="module")
def synthetic_2019():
    rng = np.random.default_rng(20200201)
    n = 122
    return pd.concat(
        [
            _series("2019", "forest_area_ha", rng.uniform(50, 9000, n)),
            _series("2019", "population_persons", rng.integers(500, 12000, n).astype(float)),
            _series("2019", "households_count", rng.integers(100, 3000, n).astype(float)),
            _series("2019", "clean_water_households_pct", rng.uniform(40, 100, n)),
            _series("2019", "ntm_recognised_year", rng.choice([2016.0, 2017.0, 2018.0], n)),
        ],
        ignore_index=True,
    )


@pytest.mark.parametrize("to", ["2020", "2025"])
def test_additive_totals_are_conserved(synthetic_2019, to):
    out = harmonise(synthetic_2019, to)
    for ind in ("forest_area_ha", "population_persons", "households_count"):
        before = synthetic_2019.loc[synthetic_2019["indicator_id"] == ind, "value"]
        after = out[(out["indicator_id"] == ind)]
        assert (after["admin_vintage"] == to).all()
        assert after["value"].sum() == pytest.approx(before.sum(), rel=1e-9, abs=1e-9)
        assert len(after) == {"2020": 108, "2025": 37}[to]


@pytest.mark.parametrize("to", ["2020", "2025"])
def test_weighted_mean_keeps_the_province_rate(synthetic_2019, to):
    out = harmonise(synthetic_2019, to)

    def rate(df):
        v = df[df["indicator_id"] == "clean_water_households_pct"].set_index("area_code")["value"]
        w = df[df["indicator_id"] == "households_count"].set_index("area_code")["value"]
        return (v * w.loc[v.index]).sum() / w.loc[v.index].sum()

    assert rate(out) == pytest.approx(rate(synthetic_2019), rel=1e-12)
    conv = out[(out["indicator_id"] == "clean_water_households_pct") & out["converted"]]
    assert conv["conversion_note"].str.contains("weighted by households_count").all()


def test_weighted_mean_falls_back_to_area_with_a_note(synthetic_2019):
    obs = synthetic_2019[synthetic_2019["indicator_id"] == "clean_water_households_pct"]
    out = harmonise(obs, "2020")
    merged = out[out["area_code"] == "01912"].iloc[0]  # Thượng Giáo + Cao Trĩ
    assert merged["converted"]
    assert "weighted by area (ASSUMPTION" in merged["conversion_note"]
    area = gazetteer("2019").set_index("area_code")["area_km2"]
    v = obs.set_index("area_code")["value"]
    expected = (v["01903"] * area["01903"] + v["01912"] * area["01912"]) / (
        area["01903"] + area["01912"]
    )
    assert merged["value"] == pytest.approx(expected)
    # weights given separately are used
    w = synthetic_2019[synthetic_2019["indicator_id"] == "households_count"]
    out = harmonise(obs, "2020", weights=w)
    assert "households_count" in out.loc[out["area_code"] == "01912", "conversion_note"].item()


def test_partial_transfer_split_by_area_share():
    obs = _series("2019", "forest_area_ha", 100.0)
    out = harmonise(obs, "2020").set_index("area_code")
    cw = crosswalk("2019", "2020")
    share = cw[(cw["from_code"] == "02074") & (cw["to_code"] == "02065")]["area_share"].item()
    # Bằng Lãng 2020 = Bằng Lãng 2019 + its part of Phong Huân
    assert out.at["02065", "value"] == pytest.approx(100 + 100 * share)
    assert "ASSUMPTION" in out.at["02065", "conversion_note"]
    assert out.at["01834", "value"] == 100 and not out.at["01834", "converted"]


def test_whole_only_indicator_is_not_merged(synthetic_2019):
    out = harmonise(synthetic_2019, "2020")
    ntm = out[out["indicator_id"] == "ntm_recognised_year"]
    merged = ntm[ntm["admin_vintage"] == "2019"]
    assert len(merged) == 30 and not merged["converted"].any()
    assert merged["conversion_note"].str.startswith("not converted").all()
    carried = ntm[ntm["admin_vintage"] == "2020"]
    assert len(carried) == 92  # unchanged units keep their value
    assert set(carried["value"]) <= {2016.0, 2017.0, 2018.0}


def test_missing_constituent_keeps_rows_unconverted():
    obs = _series("2019", "forest_area_ha", 10.0)
    obs = obs[obs["area_code"] != "01903"]  # Cao Trĩ missing: Thượng Giáo 2020 not computable
    out = harmonise(obs, "2020")
    row = out[out["area_code"] == "01912"]
    assert row["admin_vintage"].tolist() == ["2019"]
    assert "01903 missing" in row["conversion_note"].item()
    assert out["value"].sum() == pytest.approx(obs["value"].sum())


def test_province_district_and_backward_rows():
    obs = pd.concat(
        [
            _series("2019", "forest_area_ha", 5.0, level="province"),
            _series("2019", "forest_area_ha", 1.0, level="district"),
            _series("2025", "forest_area_ha", 2.0),
        ],
        ignore_index=True,
    )
    out = harmonise(obs, "2020")
    assert out.loc[out["area_level"] == "province", "admin_vintage"].item() == "2020"
    assert (out.loc[out["area_level"] == "district", "admin_vintage"] == "2020").all()
    later = out[out["year"] == 2025]
    assert (later["admin_vintage"] == "2025").all() and not later["converted"].any()
    to25 = harmonise(obs, "2025")
    assert (to25.loc[to25["area_level"] == "district", "admin_vintage"] == "2019").all()


def test_output_schema_and_input_untouched(synthetic_2019):
    before = synthetic_2019.copy()
    out = harmonise(synthetic_2019, "2025")
    pd.testing.assert_frame_equal(synthetic_2019, before)
    assert list(out.columns) == [*OBSERVATION_COLUMNS, "converted", "conversion_note"]
    assert out["converted"].dtype == bool
    assert harmonise(synthetic_2019.iloc[:0], "2020").empty


def test_bad_input():
    with pytest.raises(ValueError, match="2030"):
        harmonise(_series("2019", "forest_area_ha", 1.0), "2030")
    with pytest.raises(ValueError, match="value"):
        harmonise(_series("2019", "forest_area_ha", 1.0).drop(columns="value"), "2020")
    dup = _series("2019", "forest_area_ha", 1.0)
    with pytest.raises(ValueError, match="duplicate"):
        harmonise(pd.concat([dup, dup.iloc[:1]]), "2020")


def test_aggregate_to_district_and_province(synthetic_2019):
    fa = synthetic_2019[synthetic_2019["indicator_id"] == "forest_area_ha"]
    d = aggregate(fa, "district")
    assert len(d) == 8 and d["value"].sum() == pytest.approx(fa["value"].sum())
    p = aggregate(fa, "province")
    assert p["area_code"].tolist() == ["06"]
    assert p["value"].item() == pytest.approx(fa["value"].sum())
    # district rows aggregate to the province when there are no communes
    assert aggregate(d.drop(columns=["converted", "conversion_note"]), "province")[
        "value"
    ].item() == pytest.approx(fa["value"].sum())
    # incomplete districts are not computed, and say so
    part = aggregate(fa[fa["area_code"] != "01858"], "district")
    assert "060" not in set(part["area_code"])
    assert "01858" in part.attrs["skipped"]["reason"].str.cat()
    # 2025 has no districts
    assert aggregate(_series("2025", "forest_area_ha", 1.0), "district").empty
    assert aggregate(_series("2025", "forest_area_ha", 1.0), "province")["value"].item() == 37
    with pytest.raises(ValueError, match="commune"):
        aggregate(fa, "commune")


def test_aggregate_weighted_and_not_aggregatable(synthetic_2019):
    p = aggregate(synthetic_2019, "province").set_index("indicator_id")
    cw = synthetic_2019[synthetic_2019["indicator_id"] == "clean_water_households_pct"]
    hh = synthetic_2019[synthetic_2019["indicator_id"] == "households_count"]
    expected = (cw["value"].to_numpy() * hh["value"].to_numpy()).sum() / hh["value"].sum()
    assert p.at["clean_water_households_pct", "value"] == pytest.approx(expected)
    assert "ntm_recognised_year" not in p.index


def test_reconcile_totals():
    districts = _series(
        "2020", "forest_area_ha", [10.0, 20, 30, 40, 50, 60, 70, 80], level="district"
    )
    total = _series("2020", "forest_area_ha", 360.0, level="province")
    bad_total = total.assign(value=400.0, source_sheet="T")
    obs = pd.concat([districts, total, districts.assign(source_sheet="T"), bad_total])
    rec = reconcile_totals(obs)
    assert rec["ok"].tolist() == [True, False]
    assert rec.loc[1, "abs_diff"] == pytest.approx(40)
    # a district's communes against the district row
    communes = _series("2020", "forest_area_ha", 1.0)
    pac_nam = _series("2020", "forest_area_ha", 10.0, level="district", codes=["060"])
    rec = reconcile_totals(pd.concat([communes, pac_nam]))
    assert rec[["area_code", "parts_level", "ok"]].values.tolist() == [["060", "commune", True]]
    # missing parts: nothing computed, not ok, said
    rec = reconcile_totals(pd.concat([districts.iloc[1:], total]))
    assert not rec["ok"].item() and "058" in rec["note"].item()

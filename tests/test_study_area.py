"""Issue 15: no other area leaks into a Bắc Kạn figure, total or status."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt

import bkanalysis
from bkanalysis.admin import gazetteer, harmonise
from bkanalysis.plotting.maps import commune_values
from bkanalysis.study_area import in_study_area, select_study_area


def _rows(code, level, values, indicator="forest_cover_pct", *, unit="%", vintage=None):
    return pd.DataFrame(
        {
            "indicator_id": indicator,
            "area_code": code,
            "area_level": level,
            "admin_vintage": [vintage or bkanalysis.vintage_for_year(y) for y in values],
            "area_name": code,
            "year": list(values),
            "value": list(values.values()),
            "unit": unit,
            "status": "actual",
            "source_file": "f.xlsx",
            "source_sheet": "S",
            "source_cell": "B5",
        }
    )


def _bac_kan():
    return pd.concat(
        [
            _rows("06", "province", {2016: 70.0, 2017: 71.0, 2018: 72.0, 2019: 72.5}),
            _rows(
                "06",
                "province",
                {2017: 313000.0, 2018: 314000.0},
                "population_persons",
                unit="persons",
            ),
        ],
        ignore_index=True,
    )


def _others():
    """The same indicators and years for the country, the region and neighbours."""
    big = {2016: 99.0, 2017: 99.0, 2018: 99.0, 2019: 99.0, 2020: 99.0, 2021: 99.0}
    return pd.concat(
        [
            _rows("VN", "country", dict.fromkeys(big, 41.0)),
            _rows("VN-R2", "region", dict.fromkeys(big, 55.0)),
            _rows("19", "province", big),
            _rows("04", "province", dict.fromkeys(big, 10.0)),
            _rows(
                "VN", "country", {2017: 9.6e7, 2018: 9.7e7}, "population_persons", unit="persons"
            ),
            # the merged Thái Nguyên province in 2025 (its own code, never 06)
            _rows("19", "province", {2025: 60.0}, vintage="2025"),
        ],
        ignore_index=True,
    )


def test_select_study_area():
    mixed = pd.concat([_bac_kan(), _others()], ignore_index=True)
    assert set(select_study_area(mixed)["area_code"]) == {"06"}
    kept = select_study_area(mixed, include=["VN", "VN-R2"])
    assert set(kept["area_code"]) == {"06", "VN", "VN-R2"}
    assert len(select_study_area(mixed, include="all")) == len(mixed)


def test_units_of_the_gazetteer_are_in_the_study_area():
    g = gazetteer("2020")
    frame = pd.DataFrame(
        {
            "area_code": g["area_code"],
            "area_level": g["area_level"],
            "admin_vintage": "2020",
        }
    )
    assert in_study_area(frame).all()
    # a 2025 code of Bắc Kạn's 37 units is not a unit in vintage 2020 when it is not one
    odd = pd.DataFrame(
        {"area_code": ["99999"], "area_level": ["commune"], "admin_vintage": ["2020"]}
    )
    assert not in_study_area(odd).any()


def test_assess_ignores_other_areas():
    bk = _bac_kan()
    mixed = pd.concat([_others(), bk], ignore_index=True)
    alone = bkanalysis.assess(bk, as_of=2019)
    with_others = bkanalysis.assess(mixed, as_of=2019)
    pdt.assert_frame_equal(alone, with_others)
    assert set(with_others["area_code"]) <= {"06", ""}


def test_harmonise_ignores_other_areas():
    bk = _bac_kan()
    out = harmonise(pd.concat([_others(), bk], ignore_index=True), "2020")
    assert set(out["area_code"]) == {"06"}
    pdt.assert_frame_equal(out, harmonise(bk, "2020"))


def test_commune_values_ignore_other_areas():
    g = gazetteer("2020")
    communes = g[g["area_level"] == "commune"]["area_code"].head(3).tolist()
    bk = pd.concat(
        [_rows(c, "commune", {2021: 50.0 + i}) for i, c in enumerate(communes)], ignore_index=True
    )
    mixed = pd.concat([_others(), _rows("06", "province", {2021: 70.0}), bk], ignore_index=True)
    got = commune_values(mixed, "forest_cover_pct", 2021, "2020")
    assert sorted(got["area_code"]) == sorted(communes)
    # a commune code of no Bắc Kạn unit is kept, so that the map refuses it (never dropped)
    foreign = _rows("00001", "commune", {2021: 1.0})
    got = commune_values(
        pd.concat([foreign, bk], ignore_index=True), "forest_cover_pct", 2021, "2020"
    )
    assert "00001" in set(got["area_code"])


def test_load_observations_selects_the_study_area(tmp_path):
    mixed = pd.concat([_bac_kan(), _others()], ignore_index=True)
    mixed.to_parquet(tmp_path / "observations.parquet")
    assert set(bkanalysis.load_observations(tmp_path)["area_code"]) == {"06"}
    everything = bkanalysis.load_observations(tmp_path, study_area=False)
    assert len(everything) == len(mixed)
    comparison = bkanalysis.load_observations(tmp_path, include=["VN"])
    assert set(comparison["area_code"]) == {"06", "VN"}


def test_comparison_with_region_and_country():
    import matplotlib

    matplotlib.use("Agg")
    from bkanalysis.plotting import plot_area_comparison
    from bkanalysis.plotting.comparison import comparison_values

    mixed = pd.concat([_bac_kan(), _others()], ignore_index=True)
    got = comparison_values(mixed, year=2019)
    # forest cover 2019: Bắc Kạn, the region and the country; population (a total) never
    assert set(got["indicator_id"]) == {"forest_cover_pct"}
    assert dict(zip(got["area_code"], got["value"], strict=True)) == {
        "06": 72.5,
        "VN-R2": 55.0,
        "VN": 41.0,
    }
    ax = plot_area_comparison(mixed, year=2019, lang="en")
    assert len(ax.patches) == 3
    # the neighbouring provinces are never drawn
    assert "04" not in set(got["area_code"]) and "19" not in set(got["area_code"])

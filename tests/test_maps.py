"""Tests of bkanalysis.plotting.maps (commune choropleths, small multiples, target maps).

They read the commune boundaries from ../shared/geo (or BKANALYSIS_GEO_MIRROR) and skip
when that folder is absent. Assertions are on drawn artists, not pixels.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from bkanalysis.catalog import indicator_label, read_package_csv
from bkanalysis.errors import BkError
from bkanalysis.plotting import (
    boundaries_available,
    commune_values,
    plot_commune_map,
    plot_commune_small_multiples,
    plot_target_map,
    save_figure,
)
from bkanalysis.schema import vintage_for_year

GEO = Path(
    os.environ.get("BKANALYSIS_GEO_MIRROR", Path(__file__).resolve().parents[2] / "shared" / "geo")
)
pytestmark = [
    pytest.mark.geo,
    pytest.mark.skipif(
        not (GEO / "bac_kan_communes_2020.geojson").is_file(),
        reason=f"commune boundaries not found in {GEO} (set BKANALYSIS_GEO_MIRROR)",
    ),
]
STATUSES = read_package_csv("statuses.csv").set_index("status")
HATCH = "/////"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def bounds():
    import geopandas as gpd

    out = {}
    for v in ("2019", "2020", "2025"):
        g = gpd.read_file(GEO / f"bac_kan_communes_{v}.geojson")
        out[v] = g.rename(columns={"commune_code": "area_code"}).assign(
            area_name=g["commune_full_name"]
        )
    return out


def _commune_obs(gdf, indicator_id, year, values, *, unit="%", status="actual", src="pub/c.xlsx"):
    rows = []
    for code, name, value in zip(gdf["area_code"], gdf["area_name"], values, strict=False):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        rows.append(
            {
                "indicator_id": indicator_id,
                "area_code": code,
                "area_level": "commune",
                "admin_vintage": vintage_for_year(year),
                "area_name": name,
                "year": year,
                "value": float(value),
                "unit": unit,
                "status": status,
                "source_file": src,
                "source_sheet": "S",
                "source_cell": "C5",
            }
        )
    return pd.DataFrame(rows)


def _values(n, missing=(), seed=0):
    rng = np.random.default_rng(seed)
    vals = rng.uniform(30, 95, n).round(1)
    out = vals.astype(object)
    for i in missing:
        out[i] = None
    return list(out)


def _hatched(ax):
    return [c for c in ax.collections if c.get_hatch() == HATCH]


def test_colour_bar_uses_vietnamese_decimal_comma(bounds):
    g = bounds["2020"]
    obs = _commune_obs(g, "forest_cover_pct", 2021, [50 + (i % 7) * 0.25 for i in range(len(g))])
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, scheme=None)
    bar = next(a for a in ax.figure.axes if a is not ax)
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks)
    assert bar.get_ylabel() == "Đơn vị: %"


def test_choropleth_legend_unit_and_hatched_missing(bounds):
    g = bounds["2020"]
    missing = [0, 5, 17]
    obs = _commune_obs(g, "forest_cover_pct", 2021, _values(len(g), missing))
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, k=5)
    (hatched,) = _hatched(ax)
    assert len(hatched.get_paths()) >= len(missing)
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Đơn vị: %"
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-1] == "Không có số liệu"
    assert len(labels) == 6  # 5 classes + no data
    assert all("," in lab and " – " in lab for lab in labels[:-1])  # Vietnamese decimal comma
    assert ax.get_title(loc="left") == "Tỷ lệ che phủ rừng, 2021"
    # district outlines for a vintage with districts, and the province outline
    gids = {c.get_gid() for c in ax.collections}
    assert {"district_outlines", "province_outline"} <= gids
    # the data behind the map: every commune, with its value or NaN
    data = ax.figure._bkanalysis_data[0]
    assert len(data) == len(g) and data["value"].isna().sum() == len(missing)


def test_choropleth_english_continuous_and_labels(bounds):
    g = bounds["2020"]
    obs = _commune_obs(
        g,
        "ntm_criteria_met_count",
        2021,
        [float(i % 20) for i in range(len(g) - 1)],
        unit="criteria",
    )
    ax = plot_commune_map(
        obs, "ntm_criteria_met_count", 2021, boundaries=g, scheme=None, lang="en", labels="all"
    )
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert cbar_axes and cbar_axes[0].get_ylabel() == "Unit: criteria"
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in cbar_axes[0].get_yticklabels() if t.get_text()]
    assert ticks and all(t.isdigit() for t in ticks)  # whole criteria, no decimals
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["No data"]
    labels = [t for t in ax.texts if t.get_gid() == "commune_label"]
    assert len(labels) == len(g)
    assert "Nguyễn Thị Minh Khai" in {t.get_text() for t in labels}  # prefix 'Phường' dropped


def test_join_is_on_code_not_name(bounds):
    g = bounds["2020"].copy()
    values = _values(len(g))
    obs = _commune_obs(g, "forest_cover_pct", 2021, values)
    obs["area_name"] = "tên sai"  # names are never used for the join
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, district_outlines=False)
    data = ax.figure._bkanalysis_data[0].set_index("area_code")
    assert data.loc[g["area_code"].iloc[3], "value"] == values[3]
    assert "district_outlines" not in {c.get_gid() for c in ax.collections}
    bad = pd.concat([obs, obs.iloc[[0]].assign(area_code="99999")])
    with pytest.raises(BkError, match="99999"):
        plot_commune_map(bad, "forest_cover_pct", 2021, boundaries=g)


def test_vintage_is_respected(bounds):
    g19 = bounds["2019"]
    obs = _commune_obs(g19, "forest_cover_pct", 2019, _values(len(g19)))
    ax = plot_commune_map(obs, "forest_cover_pct", 2019, boundaries=g19)
    assert len(ax.figure._bkanalysis_data[0]) == 122
    # 2019 values drawn on the 2020 map must be harmonised first
    with pytest.raises(BkError, match="vintage 2019, not 2020"):
        plot_commune_map(obs, "forest_cover_pct", 2019, vintage="2020", boundaries=bounds["2020"])
    with pytest.raises(BkError, match="no commune values"):
        plot_commune_map(obs, "forest_cover_pct", 2023, boundaries=bounds["2020"])
    with pytest.raises(BkError, match="vintage must be"):
        plot_commune_map(obs, "forest_cover_pct", 2019, vintage="2021")
    with pytest.raises(BkError, match="scheme"):
        plot_commune_map(obs, "forest_cover_pct", 2019, boundaries=g19, scheme="jenks")


def test_2025_map_has_no_district_outlines(bounds):
    g25 = bounds["2025"]
    obs = _commune_obs(g25, "forest_cover_pct", 2025, _values(len(g25)))
    ax = plot_commune_map(obs, "forest_cover_pct", 2025, boundaries=g25)
    gids = {c.get_gid() for c in ax.collections}
    assert "district_outlines" not in gids and "province_outline" in gids


def test_boundaries_loaded_by_vintage(bounds, monkeypatch, tmp_path):
    monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(GEO))
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(GEO))
    g = bounds["2020"]
    obs = _commune_obs(g, "forest_cover_pct", 2021, _values(len(g)))
    ax = plot_commune_map(obs, "forest_cover_pct", 2021)
    assert len(ax.figure._bkanalysis_data[0]) == 108
    # no boundaries folder yet: the geo mirror serves
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(tmp_path / "nothing"))
    ax = plot_commune_map(obs, "forest_cover_pct", 2021)
    assert len(ax.figure._bkanalysis_data[0]) == 108
    monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(tmp_path / "nothing"))
    assert not boundaries_available("2020")
    with pytest.raises(BkError, match="no commune boundaries"):
        plot_commune_map(obs, "forest_cover_pct", 2021)


def test_boundaries_available_and_read_once_per_change(bounds, monkeypatch, tmp_path):
    import shutil

    from bkanalysis.admin import boundaries

    folder = tmp_path / "boundaries"
    folder.mkdir()
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(folder))
    monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(tmp_path / "nothing"))
    assert not boundaries_available("2020")
    with pytest.raises(ValueError, match="unknown vintage"):
        boundaries_available("2021")
    shutil.copy(GEO / "bac_kan_communes_2020.geojson", folder)
    assert boundaries_available("2020") and not boundaries_available("2019")
    reads = []
    real = boundaries._read_vintage
    monkeypatch.setattr(boundaries, "_read_vintage", lambda v: reads.append(v) or real(v))
    g = bounds["2020"]
    obs = _commune_obs(g, "forest_cover_pct", 2021, _values(len(g)))
    first = plot_commune_map(obs, "forest_cover_pct", 2021)
    plot_commune_map(obs, "forest_cover_pct", 2021)
    assert reads == ["2020"]  # the second map reuses the boundaries read for the first
    # a changed file is read again
    path = folder / "bac_kan_communes_2020.geojson"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    again = plot_commune_map(obs, "forest_cover_pct", 2021)
    assert reads == ["2020", "2020"]
    assert len(again.figure._bkanalysis_data[0]) == len(first.figure._bkanalysis_data[0]) == 108


def test_commune_map_title_from_catalog_or_none(bounds):
    g = bounds["2020"]
    obs = _commune_obs(g, "forest_cover_pct", 2021, _values(len(g)))
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, lang="en")
    assert ax.get_title(loc="left") == f"{indicator_label('forest_cover_pct', 'en')}, 2021"
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, title=False)
    assert ax.get_title(loc="left") == ""
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g, title="Che phủ")
    assert ax.get_title(loc="left") == "Che phủ"


def test_commune_values_prefers_actual(bounds):
    g = bounds["2020"].iloc[:3]
    obs = pd.concat(
        [
            _commune_obs(g, "forest_cover_pct", 2021, [1.0, 2.0, 3.0], status="estimate"),
            _commune_obs(g.iloc[:1], "forest_cover_pct", 2021, [10.0], status="actual"),
            _commune_obs(g.iloc[1:2], "forest_cover_pct", 2021, [20.0], status="plan"),
        ]
    )
    vals = commune_values(obs, "forest_cover_pct", 2021, "2020").set_index("area_code")["value"]
    assert vals.tolist() == [10.0, 2.0, 3.0]


def test_small_multiples_share_one_classification(bounds):
    g19, g20 = bounds["2019"], bounds["2020"]
    obs = pd.concat(
        [
            _commune_obs(g19, "forest_cover_pct", 2019, _values(len(g19), seed=1)),
            _commune_obs(g20, "forest_cover_pct", 2021, _values(len(g20), missing=[2], seed=2)),
        ]
    )
    fig = plot_commune_small_multiples(
        obs, "forest_cover_pct", [2019, 2021], boundaries=bounds, k=4
    )
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["2019", "2021"]
    legends = [ax.get_legend() for ax in panels if ax.get_legend() is not None]
    assert len(legends) == 1  # one legend for all panels
    assert legends[0].get_title().get_text() == "Đơn vị: %"
    assert len(_hatched(panels[1])) == 1
    # the same value gets the same colour in every panel: pooled classes
    colours = set()
    for ax in panels:
        for c in ax.collections:
            if c.get_gid() is None and c.get_hatch() is None:
                colours |= {mcolors.to_hex(fc) for fc in c.get_facecolors()}
    assert len(colours) <= 4
    assert fig._suptitle.get_text() == "Tỷ lệ che phủ rừng"


def test_target_map_status_colours(bounds):
    g = bounds["2020"]
    n = len(g)
    criteria = [float(5 + (i % 15)) for i in range(n)]  # 5..19
    # NOTE (issue 19): the unit without a value must be a commune (xã); a ward or town
    # without one is "not applicable" (test_target_map_wards_not_applicable)
    criteria[_first_of_type(g, "xã")] = None
    obs = _commune_obs(g, "ntm_criteria_met_count", 2020, criteria, unit="criteria")
    ax = plot_target_map(obs, ("ntm_criteria_met_count", ">=", 10), 2020, boundaries=g)
    by_gid = {c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("status:")}
    assert set(by_gid) == {"status:achieved", "status:off_track", "status:insufficient_data"}
    for gid, coll in by_gid.items():
        colours = {mcolors.to_hex(fc).upper() for fc in coll.get_facecolors()}
        assert colours == {STATUSES.loc[gid[7:], "colour"].upper()}
    assert by_gid["status:insufficient_data"].get_hatch() == HATCH
    n_meet = sum(1 for v in criteria if v is not None and v >= 10)
    n_fail = sum(1 for v in criteria if v is not None and v < 10)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"Đã đạt ({n_meet})", f"Chậm tiến độ ({n_fail})", "Thiếu dữ liệu (1)"]
    assert ax.get_legend().get_title().get_text() == "≥ 10 tiêu chí"


def _first_of_type(g, unit_type):
    from bkanalysis import gazetteer

    kind = gazetteer("2020").set_index("area_code")["unit_type"]
    return next(i for i, c in enumerate(g["area_code"]) if kind.get(c) == unit_type)


def test_target_map_wards_not_applicable(bounds):
    from bkanalysis import gazetteer

    g = bounds["2020"]
    kind = gazetteer("2020").set_index("area_code")["unit_type"]
    urban = [kind.get(c) in ("phường", "thị trấn") for c in g["area_code"]]
    # communes have values, wards and towns none; one commune has none too
    criteria = [None if u else 12.0 for u in urban]
    criteria[_first_of_type(g, "xã")] = None
    obs = _commune_obs(g, "ntm_criteria_met_count", 2020, criteria, unit="criteria")
    for lang, word in (("vi", "Không áp dụng"), ("en", "Not applicable")):
        ax = plot_target_map(
            obs, ("ntm_criteria_met_count", ">=", 10), 2020, boundaries=g, lang=lang
        )
        by_gid = {
            c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("status:")
        }
        assert by_gid["status:not_applicable"].get_hatch() is None
        assert by_gid["status:insufficient_data"].get_hatch() == HATCH
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"{word} ({sum(urban)})" in labels
        assert labels[-2].endswith("(1)")  # the one commune without a value: missing data
    # an indicator for every unit keeps a ward without a value as missing data
    water = _commune_obs(g, "forest_cover_pct", 2020, [None if u else 50.0 for u in urban])
    ax = plot_target_map(water, ("forest_cover_pct", ">=", 40), 2020, boundaries=g)
    gids = {c.get_gid() for c in ax.collections}
    assert "status:not_applicable" not in gids and "status:insufficient_data" in gids


def test_target_map_registry_target_after_deadline_and_assessment(bounds):
    g = bounds["2020"]
    criteria = [float(5 + (i % 15)) for i in range(len(g))]
    obs = _commune_obs(g, "ntm_criteria_met_count", 2021, criteria, unit="criteria")
    ax = plot_target_map(obs, "ntm_communes_2020_floor", 2021, boundaries=g, lang="en")
    gids = {c.get_gid() for c in ax.collections}
    assert {"status:met", "status:missed"} <= gids  # past the deadline
    assert not {"status:achieved", "status:off_track"} & gids
    assessment = pd.DataFrame(
        {"target_id": "ntm_communes_2020_floor", "area_code": g["area_code"], "admin_vintage": "2020",
         "status": "on_track"}
    )  # fmt: skip
    ax = plot_target_map(obs, "ntm_communes_2020_floor", 2021, boundaries=g, assessment=assessment)
    assert {c.get_gid() for c in ax.collections if (c.get_gid() or "").startswith("status:")} == {
        "status:on_track"
    }
    with pytest.raises(BkError, match="target tuple"):
        plot_target_map(obs, ("ntm_criteria_met_count", ">="), 2021, boundaries=g)


def test_map_export_embeds_fonts(bounds, tmp_path, monkeypatch):
    monkeypatch.setenv("BKANALYSIS_RAW", str(tmp_path / "raw"))  # no SOURCES.yml: unknown source
    g = bounds["2020"]
    obs = _commune_obs(g, "forest_cover_pct", 2021, _values(len(g), missing=[1]))
    ax = plot_commune_map(obs, "forest_cover_pct", 2021, boundaries=g)
    paths = save_figure(ax.figure, "forest_cover_by_commune_2021", caption="Độ che phủ rừng theo xã",
                        sources=None, out_dir=tmp_path / "fig")  # fmt: skip
    data = paths["pdf"].read_bytes()
    assert b"/FontFile2" in data and b"/Type3" not in data
    back = pd.read_csv(paths["csv"], encoding="utf-8-sig", dtype={"area_code": str})
    assert len(back) == 108 and back["area_code"].str.len().eq(5).all()
    texts = [t.get_text() for t in ax.figure.texts]
    assert "Dữ liệu minh hoạ / Illustrative data" in texts  # pub/c.xlsx is undocumented

"""Tests of bkanalysis.plotting: theme, charts and export (assert on artists, not pixels)."""

from __future__ import annotations

import itertools
import re
import unicodedata
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from bkanalysis.catalog import load_indicators, read_package_csv
from bkanalysis.errors import BkError
from bkanalysis.labels import THEME_LABELS, WORDS
from bkanalysis.plotting import (
    FULL_WIDTH_CM,
    HALF_WIDTH_CM,
    figsize,
    plot_dashboard,
    plot_district_small_multiples,
    plot_emissions_vs_bau,
    plot_target_series,
    read_manifest,
    save_figure,
    status_colour,
    status_label,
    theme_context,
    use_theme,
)
from bkanalysis.schema import vintage_for_year

GEO = Path(__file__).resolve().parents[2] / "shared" / "geo"
STATUSES = read_package_csv("statuses.csv").set_index("status")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _obs(indicator_id, rows, *, level="province", code="06", name="Tỉnh Bắc Kạn", src="pub/a.xlsx"):
    unit = load_indicators().set_index("id").loc[indicator_id, "unit"]
    out = []
    for year, value, status in rows:
        out.append(
            {
                "indicator_id": indicator_id,
                "area_code": code,
                "area_level": level,
                "admin_vintage": vintage_for_year(year),
                "area_name": name,
                "year": year,
                "value": value,
                "unit": unit,
                "status": status,
                "source_file": src,
                "source_sheet": "S1",
                "source_cell": f"B{year - 2000}",
            }
        )
    return pd.DataFrame(out)


FOREST = [
    (2016, 70.6, "actual"),
    (2017, 71.2, "actual"),
    (2018, 71.6, "actual"),
    (2019, 72.1, "actual"),
    (2020, 72.4, "preliminary"),
    (2021, 72.8, "estimate"),
    (2020, 72.0, "plan"),
]


def _same_colour(a, b) -> bool:
    return np.allclose(mcolors.to_rgba(a)[:3], mcolors.to_rgba(b)[:3], atol=1e-3)


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


# --------------------------------------------------------------------------- theme


def test_figsize_and_widths():
    assert (FULL_WIDTH_CM, HALF_WIDTH_CM) == (16, 8)
    w, h = figsize("full", aspect=0.5)
    assert w == pytest.approx(16 / 2.54) and h == pytest.approx(8 / 2.54)
    assert figsize("half")[0] == pytest.approx(8 / 2.54)
    assert figsize(12)[0] == pytest.approx(12 / 2.54)
    for bad in ("wide", -1, 0):
        with pytest.raises(ValueError):
            figsize(bad)


def test_use_theme_sets_fonts_and_embedding():
    with matplotlib.rc_context():
        rc = use_theme("brief")
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]
        assert rc["font.size"] == 8
        colours = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
        assert colours[:3] == ["#0072B2", "#E69F00", "#009E73"]
        assert use_theme("slide")["font.size"] > rc["font.size"]
        use_theme("brief")
    with pytest.raises(ValueError, match="context"):
        use_theme("poster")


def test_status_colours_come_from_statuses_csv():
    for status, row in STATUSES.iterrows():
        assert status_colour(status) == row["colour"]
        assert status_label(status, "vi") == row["label_vi"]
        assert status_label(status, "en") == row["label_en"]
    with pytest.raises(BkError, match="unknown status"):
        status_colour("great")


def _vietnamese_alphabet() -> str:
    base = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = [unicodedata.normalize("NFC", b + t) for b, t in itertools.product(base, tones)]
    return "".join(letters) + "đĐ"


def _all_texts() -> list[str]:
    texts = [_vietnamese_alphabet()]
    cat = load_indicators()
    for col in ("name_vi", "name_en", "aliases", "unit"):
        texts += cat[col].tolist()
    texts += STATUSES["label_vi"].tolist() + STATUSES["label_en"].tolist()
    for table in (WORDS, THEME_LABELS):
        texts += [v for d in table.values() for v in d.values()]
    units = read_package_csv("unit_labels.csv")
    texts += units["label_vi"].tolist() + units["label_en"].tolist()
    try:
        from bkanalysis.targets import load_targets

        targets = load_targets()
        texts += targets["clause_vi"].tolist() + targets["clause_en"].tolist()
        texts += targets["section"].tolist() + targets["note"].tolist()
    except ImportError:  # pragma: no cover - targets module not there yet
        pass
    if GEO.is_dir():
        import geopandas as gpd

        for v in ("2019", "2020", "2025"):
            g = gpd.read_file(GEO / f"bac_kan_communes_{v}.geojson")
            for col in ("commune_full_name", "district_name", "province_name"):
                texts += g[col].dropna().astype(str).tolist()
    return [t for t in texts if t]


def _missing_glyph_warnings(texts: list[str]) -> list[str]:
    # NOTE: glyph coverage is a property of characters, so every distinct character of
    # every text is drawn (regular and bold), 80 to a line; drawing each of the
    # thousands of names separately tests nothing more and takes a minute.
    chars = sorted(set("".join(texts)) - {"\n", "\r", "\t"})
    lines = ["".join(chars[i : i + 80]) for i in range(0, len(chars), 80)]
    with theme_context(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plt.figure(figsize=(8, 8))
        for i, line in enumerate(lines):
            fig.text(0.01, i / max(len(lines), 1), line, fontsize=6)
            fig.text(0.5, i / max(len(lines), 1), line, fontsize=6, fontweight="bold")
        fig.canvas.draw()
        import io

        fig.savefig(io.BytesIO(), format="pdf")
        plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_every_name_renders_without_missing_glyphs():
    texts = _all_texts()
    assert len(texts) > 200
    assert _missing_glyph_warnings(texts) == []


def test_missing_glyph_check_can_fail():
    # NOTE: the negative control: a character DejaVu Sans lacks must be reported.
    assert _missing_glyph_warnings(["中文"]) != []


# --------------------------------------------------------------------------- target series


def _assessment(target_id, status, **extra):
    """An assessment row as assess gives it; the series and path judged are given here."""
    row = {"target_id": target_id, "area_code": "06", "status": status, "series": (),
           "path": (), "path_kind": "", **extra}  # fmt: skip
    return pd.DataFrame([row])


def _assessed(obs, target_id, **kwargs):
    from bkanalysis.progress import assess
    from bkanalysis.targets import load_targets

    t = load_targets()
    return assess(obs, t[t["target_id"] == target_id], **kwargs)


def _forest_chart(obs, **kwargs):
    return plot_target_series(
        obs, "forest_cover_2020", assessment=_assessed(obs, "forest_cover_2020"), **kwargs
    )


def test_a_plan_after_the_deadline_is_not_drawn():
    """A 2020 target judged on values up to 2020: the 2025 plan is another period's."""
    obs = _obs("forest_cover_pct", [*FOREST, (2025, 73.0, "plan")])
    judged = tuple(p for p in FOREST if p[2] != "plan" and p[0] <= 2020)
    ax = plot_target_series(
        obs, "forest_cover_2020",
        assessment=_assessment("forest_cover_2020", "achieved", series=judged),
    )  # fmt: skip
    (plan,) = _by_gid(ax, "series_plan")
    assert list(plan.get_xdata()) == [2020]
    assert ax.get_xlim()[1] == pytest.approx(2020.6)
    plt.close(ax.figure)


def test_target_series_marks_target_trajectory_and_statuses():
    obs = _obs("forest_cover_pct", FOREST)
    ax = plot_target_series(
        obs,
        "forest_cover_2020",
        assessment=_assessment(
            "forest_cover_2020",
            "achieved",
            series=tuple(p for p in FOREST if p[2] != "plan"),
            path=((2016, 70.6), (2020, 72.0)),
            path_kind="required",
        ),
    )
    (target,) = _by_gid(ax, "target")
    assert list(target.get_xdata()) == [2020] and list(target.get_ydata()) == [72.0]
    (traj,) = _by_gid(ax, "trajectory")
    assert list(traj.get_xdata()) == [2016, 2020] and list(traj.get_ydata()) == [70.6, 72.0]
    (actual,) = _by_gid(ax, "series_actual")
    assert list(actual.get_xdata()) == [2016, 2017, 2018, 2019]
    (prov,) = _by_gid(ax, "series_provisional")
    assert list(prov.get_xdata()) == [2020, 2021]
    assert _same_colour(prov.get_markerfacecolor(), "white")  # hollow
    assert not _same_colour(actual.get_markerfacecolor(), "white")
    (plan,) = _by_gid(ax, "series_plan")
    assert list(plan.get_ydata()) == [72.0] and plan.get_marker() == "D"
    (badge,) = _by_gid(ax, "status")
    assert badge.get_text() == "Tình trạng: Đã đạt"
    assert _same_colour(badge.get_bbox_patch().get_facecolor(), STATUSES.loc["achieved", "colour"])
    assert ax.get_ylabel() == "Đơn vị: %"
    assert ax.get_title(loc="left") == "Tỷ lệ che phủ rừng"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Mục tiêu 2020: ≥ 72 %" in legend and "Sơ bộ / ước tính" in legend
    # the figure remembers the data it drew, for save_figure
    assert len(ax.figure._bkanalysis_data[0]) == len(obs)


def test_target_series_english_and_baseline_from_registry():
    obs = _obs("forest_cover_pct", FOREST)
    ax = plot_target_series(
        obs, "forest_cover_2030", lang="en", assessment=_assessment("forest_cover_2030", "on_track")
    )
    (maintain,) = _by_gid(ax, "maintain")
    assert set(maintain.get_ydata()) == {72.0}
    assert max(maintain.get_xdata()) == 2030
    assert _by_gid(ax, "trajectory") == []  # a level to maintain has no trajectory
    (badge,) = _by_gid(ax, "status")
    assert badge.get_text() == "Status: On track"
    assert ax.get_title(loc="left") == "Forest cover rate"


def test_target_series_range_band_and_the_judged_path():
    obs = _obs("public_green_space_m2_per_person", [(2017, 6.5, "actual"), (2018, 7.2, "actual")])
    target = {
        "target_id": "green",
        "indicator_id": "public_green_space_m2_per_person",
        "comparator": "range",
        "low": 10,
        "high": 15,
        "deadline": 2020,
        "baseline_year": 2017,
    }
    judged = _assessment(
        "green", "", series=((2017, 6.5, "actual"), (2018, 7.2, "actual")),
        path=((2017, 6.5), (2020, 10.0)), path_kind="required",
    )  # fmt: skip
    ax = plot_target_series(obs, target, lang="en", assessment=judged)
    (band,) = _by_gid(ax, "target_band")
    assert band.get_y() == 10 and band.get_height() == 5
    assert band.get_x() < 2020 < band.get_x() + band.get_width()
    (traj,) = _by_gid(ax, "trajectory")
    assert list(traj.get_ydata()) == [6.5, 10.0]  # to the nearest bound of the range
    assert _by_gid(ax, "status") == []
    assert any("10–15 m²/person" in t.get_text() for t in ax.get_legend().get_texts())


def test_target_series_rejects_bad_input():
    obs = _obs("forest_cover_pct", FOREST)
    judged = _assessment("forest_cover_2020", "achieved")
    with pytest.raises(BkError, match="unknown target id 'nope'"):
        plot_target_series(obs, "nope", assessment=judged)
    with pytest.raises(ValueError, match="lang"):
        plot_target_series(obs, "forest_cover_2020", lang="fr", assessment=judged)
    with pytest.raises(ValueError, match="lack column"):
        plot_target_series(obs.drop(columns="status"), "forest_cover_2020", assessment=judged)
    with pytest.raises(BkError, match="comparator"):
        plot_target_series(
            obs, {"indicator_id": "forest_cover_pct", "comparator": "~", "value": 1},
            assessment=judged,
        )  # fmt: skip


def test_target_series_draws_on_given_axes():
    _, axes = plt.subplots(1, 2)
    ax = _forest_chart(_obs("forest_cover_pct", FOREST), ax=axes[1])
    assert ax is axes[1] and not axes[0].has_data()


# --------------------------------------------------------------------------- dashboard


def _dashboard_frame():
    cols = ["target_id", "indicator_id", "area_level", "area_code", "comparator", "target_value",
            "deadline", "latest_year", "latest_value", "status"]  # fmt: skip
    rows = [
        ("forest_cover_2020", "forest_cover_pct", "province", "06", ">=", 72.0, 2020, 2023, 73.4, "achieved"),
        ("ntm_communes_2020", "ntm_communes_count", "province", "06", ">=", 26.0, 2020, 2020, 20.0, "missed"),
        ("ghg_reduction_2030", "ghg_reduction_below_bau_pct", "province", "06", ">=", 14.0, 2030,
         None, None, "insufficient_data"),
    ]  # fmt: skip
    for i, s in enumerate(["achieved"] * 3 + ["off_track"]):
        rows.append(("ntm_communes_2020_floor", "ntm_criteria_met_count", "commune", f"0{i:04d}",
                     ">=", 10.0, 2020, 2021, 12.0, s))  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def test_dashboard_colours_rows_by_status():
    ax = plot_dashboard(_dashboard_frame())
    colours = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("status:"):
            colours.setdefault(gid[7:], set()).add(mcolors.to_hex(patch.get_facecolor()).upper())
    assert colours == {
        s: {STATUSES.loc[s, "colour"].upper()}
        for s in ("achieved", "missed", "insufficient_data", "off_track")
    }
    # the per-commune target is split by share of communes: 3/4 achieved, 1/4 off track
    shares = sorted(p.get_width() for p in ax.patches if p.get_gid() == "status:off_track")
    assert shares == [pytest.approx(0.25)]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Tỷ lệ che phủ rừng (2020)" in labels
    headers = [t.get_text() for t in ax.texts if t.get_gid() == "theme"]
    assert headers == ["PHÁT THẢI KHÍ NHÀ KÍNH", "RỪNG VÀ NƯỚC", "NÔNG THÔN MỚI, VỆ SINH"]
    texts = [t.get_text() for t in ax.texts]
    assert "73,4 (2023) → ≥ 72 %" in texts
    assert "4 xã → ≥ 10 tiêu chí" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        STATUSES.loc[s, "label_vi"]
        for s in ("achieved", "off_track", "missed", "insufficient_data")
    ]


def test_dashboard_rejects_unknown_status():
    bad = _dashboard_frame().assign(status="great")
    with pytest.raises(BkError, match="unknown status"):
        plot_dashboard(bad)


# --------------------------------------------------------------------------- emissions


def _emissions():
    years = np.arange(2016, 2031)
    bau = 1.0e6 * 1.02 ** (years - 2016)
    caps = {
        "cap_voluntary_pct": np.interp(years, [2020, 2030], [3, 7]),
        "cap_national_pct": np.interp(years, [2020, 2030], [2, 4]),
        "cap_international_pct": np.interp(years, [2020, 2030], [1, 3]),
    }
    actual = np.where(years <= 2022, bau * 0.95, np.nan)
    return pd.DataFrame(
        {
            "year": years,
            "sector": "total",
            "actual_tco2e": actual,
            "bau_tco2e": bau,
            "reduction_pct": 100 * (bau - actual) / bau,
            # achieved reduction placed in the tiers: must not be drawn as the bands
            "tier_voluntary_pct": 3.0,
            "tier_national_pct": 2.0,
            "tier_international_pct": 0.0,
            **caps,
            "target_pct": sum(caps.values()),
            "actual_status": np.where(years == 2022, "preliminary", "actual"),
            "is_projection": False,
        }
    )


def _band_at(collection, x):
    verts = np.concatenate([p.vertices for p in collection.get_paths()])
    ys = verts[np.isclose(verts[:, 0], x), 1]
    return ys.min(), ys.max()


def test_emissions_tiers_stack_below_bau():
    em = _emissions()
    ax = plot_emissions_vs_bau(em, lang="en")
    bau2020 = float(em.loc[em["year"] == 2020, "bau_tco2e"].iloc[0])
    bau2030 = float(em.loc[em["year"] == 2030, "bau_tco2e"].iloc[0])
    (vol,) = _by_gid(ax, "tier_voluntary")
    (nat,) = _by_gid(ax, "tier_national")
    (intl,) = _by_gid(ax, "tier_international")
    assert _band_at(vol, 2020) == pytest.approx((bau2020 * 0.97, bau2020))
    assert _band_at(nat, 2020) == pytest.approx((bau2020 * 0.95, bau2020 * 0.97))
    assert _band_at(intl, 2020) == pytest.approx((bau2020 * 0.94, bau2020 * 0.95))
    assert _band_at(intl, 2030)[0] == pytest.approx(bau2030 * 0.86)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # issue 16: the supported tiers are labelled conditional (was without the suffix)
    assert labels == ["Business as usual (BAU)", "Actual emissions", "Preliminary / estimate", "Voluntary reduction",
                      "Reduction with national support (conditional)",
                      "Reduction with international support (conditional)"]  # fmt: skip
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "target_pct") == [
        "−14 %",
        "−6 %",
    ]
    (actual,) = _by_gid(ax, "actual")
    assert list(actual.get_xdata()) == list(range(2016, 2023))
    (prov,) = _by_gid(ax, "actual_provisional")
    assert list(prov.get_xdata()) == [2022] and _same_colour(prov.get_markerfacecolor(), "white")
    assert "5.0 % below BAU (2022)" in [t.get_text() for t in ax.texts]


def test_emissions_from_the_emissions_module_with_projection():
    emissions = pytest.importorskip("bkanalysis.emissions")
    rows = []
    for year, actual, bau in [(2016, 900.0, 950.0), (2018, 960.0, 1000.0), (2020, 990.0, 1060.0)]:
        for ind, value, status in [
            ("ghg_emissions_tco2e", actual, "actual"),
            ("ghg_bau_tco2e", bau, "plan"),
        ]:
            rows.append({"indicator_id": ind, "area_code": "06", "area_level": "province",
                         "area_name": "Tỉnh Bắc Kạn", "admin_vintage": vintage_for_year(year),
                         "year": year, "value": value, "unit": "tCO2e", "status": status,
                         "source_file": "pub/ghg.xlsx", "source_sheet": "S", "source_cell": "B2"})  # fmt: skip
    obs = pd.DataFrame(rows)
    em = emissions.emissions_vs_bau(obs)
    proj = emissions.project_emissions(obs, to_year=2030)
    both = pd.concat([em, proj], ignore_index=True)
    ax = plot_emissions_vs_bau(both, lang="en")
    (vol,) = _by_gid(ax, "tier_voluntary")
    bau2020 = 1060.0
    assert _band_at(vol, 2020) == pytest.approx((bau2020 * 0.97, bau2020))
    (proj_line,) = _by_gid(ax, "projection")
    assert proj_line.get_xdata()[0] == 2020 and proj_line.get_xdata()[-1] == 2030
    # projected years: hollow markers, shaded from the first projected year, one legend entry
    assert _same_colour(proj_line.get_markerfacecolor(), "white")
    (span,) = _by_gid(ax, "projection_span")
    assert span.get_x() == pytest.approx(proj["year"].min() - 0.5)
    assert "Trend projection" in [t.get_text() for t in ax.get_legend().get_texts()]
    # the achieved reduction is labelled at the 2020 deadline (here also the latest year),
    # not at every year; the targets only at 2020 and 2030
    reductions = [t.get_text() for t in ax.texts if t.get_gid() == "reduction"]
    assert reductions == ["6.6 % below BAU (2020)"]
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "target_pct") == [
        "−14 %",
        "−6 %",
    ]


def test_emissions_reduction_labelled_at_2020_and_latest_year_only():
    em = _emissions()  # actual 2016–2022
    ax = plot_emissions_vs_bau(em, lang="en")
    reductions = [t.get_text() for t in ax.texts if t.get_gid() == "reduction"]
    assert reductions == ["5.0 % below BAU (2020)", "5.0 % below BAU (2022)"]
    assert not _by_gid(ax, "projection_span")  # no projected rows, no shading


def test_emissions_sector_choice():
    em = pd.concat([_emissions(), _emissions().assign(sector="energy")])
    ax = plot_emissions_vs_bau(em, sector="energy")
    assert ax.get_title(loc="left") == "Phát thải khí nhà kính lĩnh vực năng lượng"
    with pytest.raises(BkError, match="no sector 'waste'"):
        plot_emissions_vs_bau(em, sector="waste")
    with pytest.raises(BkError, match="missing column"):
        plot_emissions_vs_bau(em.drop(columns="bau_tco2e"))
    # the reduction is the accounts' (never derived by the chart)
    with pytest.raises(BkError, match=r"reduction_pct; pass the output of .*emissions_vs_bau"):
        plot_emissions_vs_bau(em.drop(columns="reduction_pct"))


# --------------------------------------------------------------------------- districts


def test_district_small_multiples_one_panel_per_district():
    parts = [_obs("forest_cover_pct", FOREST)]
    names = {"058": "Thành phố Bắc Kạn", "061": "Huyện Ba Bể", "066": "Huyện Na Rì"}
    for code, name in names.items():
        parts.append(_obs("forest_cover_pct", [(2018, 60.0, "actual"), (2019, 61.0, "actual"), (2020, 62.0, "preliminary")],
                          level="district", code=code, name=name))  # fmt: skip
    fig = plot_district_small_multiples(
        pd.concat(parts), "forest_cover_pct", target="forest_cover_2020"
    )
    panels = [ax for ax in fig.axes if ax.has_data()]
    assert [ax.get_title(loc="left") for ax in panels] == list(names.values())
    for ax in panels:
        (target,) = [line for line in ax.lines if line.get_gid() == "target"]
        assert set(target.get_ydata()) == {72.0}
        assert [line for line in ax.lines if line.get_gid() == "province"]
        (prov,) = [line for line in ax.lines if line.get_gid() == "series_provisional"]
        assert list(prov.get_xdata()) == [2020]
    assert fig._suptitle.get_text() == "Tỷ lệ che phủ rừng (%)"
    with pytest.raises(BkError, match="no district rows"):
        plot_district_small_multiples(parts[0], "forest_cover_pct")


# --------------------------------------------------------------------------- export


def _sources_yml(raw: Path, published: list[str], synthetic: list[str]) -> None:
    lines = ["files:"]
    for path in published:
        lines += [f"  - path: {path}", "    title: Niên giám thống kê Bắc Kạn 2023",
                  "    publisher: Cục Thống kê tỉnh Bắc Kạn", "    kind: published",
                  "    received: 2026-11-24", f"    sha256: '{'0' * 64}'", "    sources: [https://example.org/ng]"]  # fmt: skip
    for path in synthetic:
        lines += [f"  - path: {path}", "    title: Ví dụ", "    kind: synthetic",
                  "    received: 2026-11-24", f"    sha256: '{'0' * 64}'", "    generator: gen.py"]  # fmt: skip
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "SOURCES.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _texts(fig, gid):
    return [t.get_text() for t in fig.texts if t.get_gid() == gid]


def test_save_figure_writes_everything(tmp_path):
    obs = _obs("forest_cover_pct", FOREST)
    ax = _forest_chart(obs)
    paths = save_figure(
        ax.figure,
        "forest_cover_vs_target_2020",
        caption={
            "vi": "Tỷ lệ che phủ rừng so với mục tiêu",
            "en": "Forest cover against the target",
        },
        sources=["Niên giám thống kê Bắc Kạn 2023"],
        synthetic=True,
        out_dir=tmp_path,
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = "forest_cover_vs_target_2020"
    assert names == sorted([f"{stem}.{x}" for x in ("png", "svg", "pdf", "csv")] + ["manifest.csv"])
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(paths["png"]) as im:
        assert im.info["dpi"][0] == pytest.approx(300, abs=1)
    csv = paths["csv"].read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(paths["csv"], encoding="utf-8-sig")
    assert len(back) == len(obs) and "source_file" in back.columns
    assert _texts(ax.figure, "bk_footer") == ["Nguồn: Niên giám thống kê Bắc Kạn 2023"]
    assert _texts(ax.figure, "bk_illustrative") == ["Dữ liệu minh hoạ / Illustrative data"]
    svg = paths["svg"].read_text(encoding="utf-8")
    assert (
        "Dữ liệu minh hoạ / Illustrative data" in svg and "Tỷ lệ che phủ rừng" in svg
    )  # text as text
    manifest = read_manifest(tmp_path)
    row = manifest.set_index("name").loc[stem]
    assert row["caption_en"] == "Forest cover against the target"
    assert row["title_vi"] == "Tỷ lệ che phủ rừng"
    assert row["synthetic"] == "true"
    assert row["sources"] == "Niên giám thống kê Bắc Kạn 2023"
    assert row["files"].split(";") == [f"{stem}.png", f"{stem}.svg", f"{stem}.pdf", f"{stem}.csv"]


def test_the_png_has_the_pixels_matplotlib_draws_in_rgb_and_the_notebook_shows_them(
    tmp_path, monkeypatch
):
    # the PNG is written from the drawn pixels as RGB (the figure is opaque): the same
    # picture as matplotlib's own RGBA PNG; the notebook's picture of it is made from
    # those pixels in memory, and equals the one made from the file
    import io

    from PIL import Image

    from bkanalysis import notebook
    from bkanalysis.plotting import export

    def save(out):
        ax = _forest_chart(_obs("forest_cover_pct", FOREST), lang="en")
        paths = save_figure(ax.figure, "forest_cover", caption="c", sources="Yearbook",
                            lang="en", synthetic=True, out_dir=out, formats=("png",))  # fmt: skip
        return ax.figure, paths["png"]

    fig, png = save(tmp_path / "ours")
    from_memory = notebook._screen_png(png, fig.dpi)
    assert export.drawn_pixels(png) is not None
    export._last_png = None  # as if another figure had been saved since
    assert export.drawn_pixels(png) is None
    assert notebook._screen_png(png, fig.dpi) == from_memory
    plt.close(fig)

    def matplotlib_png(fig, bbox, path):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=300, bbox_inches=bbox, facecolor="white",
                    metadata={"Software": None})  # fmt: skip
        return buf.getvalue()

    monkeypatch.setattr(export, "_png", matplotlib_png)
    fig, reference = save(tmp_path / "matplotlib")
    plt.close(fig)
    with Image.open(png) as ours, Image.open(reference) as theirs:
        assert ours.mode == "RGB" and theirs.mode == "RGBA"
        assert ours.info["dpi"] == theirs.info["dpi"]
        np.testing.assert_array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs))
    assert png.stat().st_size < reference.stat().st_size


def test_a_figure_closed_before_it_is_saved_is_still_written(tmp_path):
    # plt.close leaves the figure a canvas that cannot measure: no tight box is computed
    # beforehand, and matplotlib writes the PNG (tight) itself
    from PIL import Image

    ax = _forest_chart(_obs("forest_cover_pct", FOREST), lang="en")
    plt.close(ax.figure)
    assert not hasattr(ax.figure.canvas, "get_renderer")
    paths = save_figure(ax.figure, "forest_cover", caption="c", sources="Yearbook", lang="en",
                        synthetic=True, out_dir=tmp_path, formats=("png", "svg"))  # fmt: skip
    with Image.open(paths["png"]) as image:
        assert image.info["dpi"][0] == pytest.approx(300, abs=1)
        assert image.size[0] > 1000
    assert paths["svg"].stat().st_size > 0


@pytest.mark.parametrize("channels", [3, 4])
def test_encode_png_keeps_every_pixel_and_the_dpi(channels):
    import io

    from PIL import Image

    from bkanalysis.plotting.png import encode_png

    rng = np.random.default_rng(18)
    noise = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    flat = np.full((40, 300, channels), 255, np.uint8)
    flat[10:20, 50:250] = 17  # long runs, as in a chart
    for pixels in (noise, flat, noise[:, ::2]):  # a strided view too
        with Image.open(io.BytesIO(encode_png(pixels, dpi=300))) as image:
            assert image.mode == ("RGB" if channels == 3 else "RGBA")
            assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
            np.testing.assert_array_equal(np.asarray(image), pixels)
    with Image.open(io.BytesIO(encode_png(flat))) as image:
        assert "dpi" not in image.info
        image.verify()  # every chunk's CRC
    with pytest.raises(ValueError, match="uint8 pixels"):
        encode_png(flat.astype(np.int16))
    with pytest.raises(ValueError, match="uint8 pixels"):
        encode_png(flat[..., :2])


def test_opaque_rgb_drops_the_alpha_only_when_every_pixel_is_opaque():
    from bkanalysis.plotting.png import opaque_rgb

    rgba = np.full((4, 5, 4), 255, np.uint8)
    assert opaque_rgb(rgba).shape == (4, 5, 3)
    rgba[3, 4, 3] = 254
    assert opaque_rgb(rgba) is rgba


def test_save_figure_upserts_manifest_and_is_deterministic(tmp_path):
    def make(out, caption, formats=("png", "svg", "pdf")):
        ax = _forest_chart(_obs("forest_cover_pct", FOREST), lang="en")
        save_figure(ax.figure, "forest_cover", caption=caption, sources="Yearbook", lang="en",
                    synthetic=False, out_dir=out, formats=formats)  # fmt: skip
        fig, ax2 = plt.subplots()
        ax2.bar([1, 2], [3, 4])
        save_figure(fig, "another_figure", caption="Other", sources="X", lang="en",
                    data=pd.DataFrame({"a": [1]}), synthetic=False, out_dir=out,
                    formats=("svg",))  # fmt: skip

    make(tmp_path / "a", "first", formats=("svg",))
    make(tmp_path / "a", "second")
    manifest = read_manifest(tmp_path / "a")
    assert manifest["name"].tolist() == ["another_figure", "forest_cover"]
    assert manifest.set_index("name").loc["forest_cover", "caption_en"] == "second"
    assert manifest.set_index("name").loc["forest_cover", "caption_vi"] == ""
    make(tmp_path / "b", "second")
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_save_figure_lays_out_once_and_keeps_the_layout_engine(tmp_path, monkeypatch):
    # one layout pass for the bounding box, then one draw per format: no layout pass
    # before each format (issue 18's speed goals); the figure keeps its layout engine
    ax = _forest_chart(_obs("forest_cover_pct", FOREST), lang="en")
    fig = ax.figure
    engine = fig.get_layout_engine()
    assert engine is not None  # the theme's constrained layout
    draws = []
    original = type(fig).draw

    def counting(self, renderer):
        draws.append(type(renderer).__name__)
        return original(self, renderer)

    monkeypatch.setattr(type(fig), "draw", counting)
    save_figure(fig, "forest_cover", caption="c", sources="Yearbook", lang="en",
                synthetic=False, out_dir=tmp_path)  # fmt: skip
    assert len(draws) == 1 + 3, draws
    assert fig.get_layout_engine() is engine


def test_save_figure_footer_replaced_not_duplicated(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    data = pd.DataFrame({"x": [1, 2]})
    save_figure(
        fig,
        "f1",
        caption="c",
        sources="A",
        synthetic=True,
        data=data,
        out_dir=tmp_path,
        formats=("svg",),
    )
    save_figure(
        fig, "f1", caption="c", sources=["B", "C"], synthetic=False, data=data, out_dir=tmp_path
    )
    assert _texts(fig, "bk_footer") == ["Nguồn: B; C"]
    assert _texts(fig, "bk_illustrative") == []


@pytest.mark.parametrize("name", ["Forest cover", "../escape", "figure.png", "", "a__b", "Ảnh"])
def test_save_figure_rejects_unsafe_names(tmp_path, name):
    fig, _ = plt.subplots()
    with pytest.raises(BkError, match="figure name"):
        save_figure(
            fig, name, caption="c", sources="s", data=pd.DataFrame({"a": [1]}), out_dir=tmp_path
        )
    assert not any(tmp_path.iterdir())


def test_save_figure_requires_data_caption_and_sources(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(BkError, match="formats"):
        save_figure(
            fig,
            "x",
            caption="c",
            sources="s",
            data=pd.DataFrame({"a": [1]}),
            out_dir=tmp_path,
            formats=("jpg",),
        )
    with pytest.raises(BkError, match="pass data="):
        save_figure(fig, "x", caption="c", sources="s", out_dir=tmp_path)
    with pytest.raises(BkError, match="caption"):
        save_figure(
            fig, "x", caption="", sources="s", data=pd.DataFrame({"a": [1]}), out_dir=tmp_path
        )
    with pytest.raises(BkError, match="caption"):
        save_figure(
            fig,
            "x",
            caption={"vi": "a", "fr": "b"},
            sources="s",
            data=pd.DataFrame({"a": [1]}),
            out_dir=tmp_path,
        )
    with pytest.raises(BkError, match="sources"):
        save_figure(
            fig, "x", caption="c", sources=[], data=pd.DataFrame({"a": [1]}), out_dir=tmp_path
        )


def test_synthetic_flag_follows_provenance(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    _sources_yml(raw, published=["pub/a.xlsx"], synthetic=["syn/b.xlsx"])
    monkeypatch.setenv("BKANALYSIS_RAW", str(raw))
    out = tmp_path / "fig"
    real = _obs("forest_cover_pct", FOREST, src="pub/a.xlsx")
    ax = _forest_chart(real)
    save_figure(
        ax.figure, "published_only", caption="c", sources=None, out_dir=out, formats=("svg",)
    )
    assert _texts(ax.figure, "bk_illustrative") == []
    assert _texts(ax.figure, "bk_footer") == [
        "Nguồn: Niên giám thống kê Bắc Kạn 2023, Cục Thống kê tỉnh Bắc Kạn"
    ]
    for src, name in [("syn/b.xlsx", "with_synthetic"), ("nobody/knows.xlsx", "with_unknown")]:
        mixed = pd.concat([real, _obs("forest_cover_pct", [(2022, 73.0, "estimate")], src=src)])
        ax = _forest_chart(mixed)
        save_figure(ax.figure, name, caption="c", sources=None, out_dir=out, formats=("svg",))
        assert _texts(ax.figure, "bk_illustrative") == ["Dữ liệu minh hoạ / Illustrative data"]
    manifest = read_manifest(out).set_index("name")
    assert manifest.loc["published_only", "sources"].endswith("(https://example.org/ng)")
    flags = manifest["synthetic"].to_dict()
    assert flags == {"published_only": "false", "with_synthetic": "true", "with_unknown": "true"}
    # an assessment has no source_file column: name the files the figure derives from
    ax = plot_dashboard(_dashboard_frame())
    save_figure(ax.figure, "dashboard", caption="c", sources=None, source_files=real["source_file"],
                out_dir=out, formats=("svg",))  # fmt: skip
    assert _texts(ax.figure, "bk_illustrative") == []
    assert read_manifest(out).set_index("name").loc["dashboard", "synthetic"] == "false"
    # data without provenance counts as illustrative unless the caller says otherwise
    ax = plot_emissions_vs_bau(_emissions())
    save_figure(
        ax.figure, "emissions", caption="c", sources="Kiểm kê KNK", out_dir=out, formats=("svg",)
    )
    assert _texts(ax.figure, "bk_illustrative") == ["Dữ liệu minh hoạ / Illustrative data"]


_FONT_FILE = re.compile(rb"/FontFile2\s")
_TYPE3 = re.compile(rb"/Subtype\s*/Type3")


def _assert_pdf_embeds_fonts(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF"), path
    assert _FONT_FILE.search(data), f"{path.name}: no embedded TrueType font (FontFile2)"
    assert not _TYPE3.search(data), f"{path.name}: Type 3 font (text not editable)"
    fonts = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", data)
    assert fonts and all(b"DejaVuSans" in f for f in fonts), fonts


def test_every_exported_pdf_embeds_its_fonts(tmp_path):
    obs = _obs("forest_cover_pct", FOREST)
    figures = {
        "target_series": _forest_chart(obs).figure,
        "dashboard": plot_dashboard(_dashboard_frame(), lang="en").figure,
        "emissions": plot_emissions_vs_bau(_emissions()).figure,
    }
    for name, fig in figures.items():
        save_figure(
            fig,
            name,
            caption="c",
            sources="Nguồn dữ liệu đầy đủ dấu: Đắk Lắk, Bắc Kạn",
            synthetic=True,
            out_dir=tmp_path,
        )
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == len(figures)
    for pdf in pdfs:
        _assert_pdf_embeds_fonts(pdf)


def test_target_series_draws_what_was_assessed_and_never_assesses():
    # issue 16 (replaces "assesses the registry target by default"): the chart draws the
    # status, the judged series and the judged path of the assessment given to it; it
    # never calls assess itself, so the assessment is required (issue 17)
    pytest.importorskip("bkanalysis.progress")
    from bkanalysis.progress import assess
    from bkanalysis.targets import load_targets

    obs = _obs("forest_cover_pct", FOREST)
    with pytest.raises(TypeError, match="assessment"):
        plot_target_series(obs, "forest_cover_2020", lang="en")
    t = load_targets()
    expected = assess(obs, t[t["target_id"] == "forest_cover_2020"], as_of=2019)
    row = expected.iloc[0]
    ax = plot_target_series(obs, "forest_cover_2020", lang="en", assessment=expected)
    (badge,) = _by_gid(ax, "status")
    assert badge.get_text() == f"Status: {STATUSES.loc[row['status'], 'label_en']}"
    assert _same_colour(
        badge.get_bbox_patch().get_facecolor(), STATUSES.loc[row["status"], "colour"]
    )
    (traj,) = _by_gid(ax, "trajectory")
    assert list(traj.get_xdata()) == [p[0] for p in row["path"]]
    assert list(traj.get_ydata()) == pytest.approx([p[1] for p in row["path"]])
    (actual,) = _by_gid(ax, "series_actual")
    assert list(actual.get_xdata()) == [p[0] for p in row["series"] if p[2] == "actual"]


def test_target_series_names_the_call_when_the_assessment_is_not_one():
    from bkanalysis.schema import empty_observations

    obs = _obs("forest_cover_pct", FOREST)
    hand_made = pd.DataFrame([{"target_id": "forest_cover_2020", "area_code": "06",
                               "status": "achieved"}])  # fmt: skip
    with pytest.raises(BkError, match=r"missing column\(s\) series, path, path_kind.*assess"):
        plot_target_series(obs, "forest_cover_2020", assessment=hand_made)
    with pytest.raises(BkError, match=r"no row for target 'forest_cover_2020'.*assess"):
        plot_target_series(
            obs, "forest_cover_2020", assessment=_assessment("forest_cover_2030", "on_track")
        )
    # no data: the target is drawn, and the status the assessment gave it
    ax = _forest_chart(empty_observations())
    (badge,) = _by_gid(ax, "status")
    assert badge.get_text() == f"Tình trạng: {STATUSES.loc['insufficient_data', 'label_vi']}"
    (target,) = _by_gid(ax, "target")
    assert list(target.get_ydata()) == [72.0]
    assert _by_gid(ax, "series_actual") == []


def test_target_series_draws_the_assessed_reduction_below_bau():
    # the reduction below BAU is derived by assess (not by the chart): drawn from its row
    pytest.importorskip("bkanalysis.emissions")
    from bkanalysis.progress import assess
    from bkanalysis.targets import load_targets

    rows = []
    for year, actual, bau in [(2018, 960.0, 1000.0), (2020, 990.0, 1060.0)]:
        rows.append(_obs("ghg_emissions_tco2e", [(year, actual, "actual")]))
        rows.append(_obs("ghg_bau_tco2e", [(year, bau, "plan")]))
    data = pd.concat(rows)
    t = load_targets()
    assessment = assess(data, t[t["target_id"] == "ghg_reduction_2020"])
    ax = plot_target_series(data, "ghg_reduction_2020", lang="en", assessment=assessment)
    (actual,) = _by_gid(ax, "series_actual")
    assert list(actual.get_ydata()) == pytest.approx([4.0, 100 * 70 / 1060])
    # the chart draws the row it is given: a judged series of its own, not the data's
    other = _assessment("ghg_reduction_2020", "off_track", series=((2019, 1.0, "actual"),))
    ax = plot_target_series(data, "ghg_reduction_2020", lang="en", assessment=other)
    (actual,) = _by_gid(ax, "series_actual")
    assert list(actual.get_xdata()) == [2019] and list(actual.get_ydata()) == [1.0]


def test_ntm_2030_chart_agrees_with_its_status():
    # issue 16: the NTM 2030 chart draws the share judged, the required CAGR path and the
    # unit change; the status agrees with the picture (latest above the path -> on track)
    pytest.importorskip("bkanalysis.progress")
    from bkanalysis.progress import assess
    from bkanalysis.targets import load_targets

    data = _obs("ntm_communes_count", [(2017, 10.0, "actual"), (2022, 30.0, "actual")])
    t = load_targets()
    a = assess(data, t[t["target_id"] == "ntm_communes_2030"])
    row = a.iloc[0]
    assert row["status"] == "on_track"
    ax = plot_target_series(data, "ntm_communes_2030", lang="en", assessment=a)
    (traj,) = _by_gid(ax, "trajectory")
    path = dict(zip(traj.get_xdata(), traj.get_ydata(), strict=True))
    (actual,) = _by_gid(ax, "series_actual")
    latest = dict(zip(actual.get_xdata(), actual.get_ydata(), strict=True))
    assert latest[2022] == pytest.approx(100 * 30 / 95)
    assert latest[2022] > path[2022]  # on track: above the required path
    (target,) = _by_gid(ax, "target")
    assert list(target.get_ydata()) == pytest.approx([100 * 60 / 110])
    (note,) = _by_gid(ax, "reading")
    assert "110" in note.get_text() and "95" in note.get_text()
    assert "xã" in ax.get_ylabel()


@pytest.mark.slow
def test_manifest_upserts_from_parallel_processes(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys, matplotlib; matplotlib.use('Agg'); import pandas as pd, matplotlib.pyplot as plt\n"
        "from bkanalysis.plotting import save_figure\n"
        "for i in range(4):\n"
        "    fig, _ = plt.subplots(figsize=(1, 1))\n"
        "    save_figure(fig, f'fig_{sys.argv[1]}_{i}', caption='c', sources='s', synthetic=True,\n"
        "                data=pd.DataFrame({'a': [i]}), out_dir=sys.argv[2], formats=('svg',))\n"
        "    plt.close(fig)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(k), str(tmp_path)]) for k in range(3)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    names = read_manifest(tmp_path)["name"].tolist()
    assert names == sorted(f"fig_{k}_{i}" for k in range(3) for i in range(4))
    assert not (tmp_path / "manifest.csv.lock").exists()


@pytest.mark.parametrize("width", ["half", "full"])
def test_target_series_fits_brief_widths(width):
    with theme_context():
        fig, ax = plt.subplots(figsize=figsize(width, 0.9), layout="constrained")
    plot_target_series(
        _obs("rural_waste_collected_pct", [(2016, 30.0, "actual"), (2018, 38.0, "actual")]),
        "rural_waste_collected",
        ax=ax,
        assessment=_assessment("rural_waste_collected", "off_track"),
    )
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for artist in [ax.title, _by_gid(ax, "status")[0], ax.get_legend()]:
        box = artist.get_window_extent(renderer)
        assert box.x0 >= fig.bbox.x0 - 1 and box.x1 <= fig.bbox.x1 + 1, artist
    title_box = ax.title.get_window_extent(renderer)
    badge_box = _by_gid(ax, "status")[0].get_window_extent(renderer)
    assert not title_box.overlaps(badge_box)


def test_emissions_chart_path_years_hatched_and_no_target_before_2020():
    # issue 16: no tier band before 2020 (no target); 2021–2022 hatched as an interpolated
    # path, never a target
    from bkanalysis.emissions import emissions_vs_bau

    rows = []
    for year, actual, bau in [(2018, 980.0, 1000.0), (2020, 960.0, 1020.0), (2022, 990.0, 1060.0)]:
        rows.append(_obs("ghg_emissions_tco2e", [(year, actual, "actual")]))
        rows.append(_obs("ghg_bau_tco2e", [(year, bau, "plan")]))
    em = emissions_vs_bau(pd.concat(rows))
    assert em["target_kind"].tolist() == ["", "target", "path"]
    ax = plot_emissions_vs_bau(em, lang="en")
    (path,) = _by_gid(ax, "tier_path")
    xs = {round(float(x)) for p in path.get_paths() for x, _ in p.vertices}
    assert 2018 not in xs and {2020, 2022} <= xs
    (vol,) = _by_gid(ax, "tier_voluntary")
    assert 2018 not in {round(float(x)) for p in vol.get_paths() for x, _ in p.vertices}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Between the target years: interpolated path, not a plan target" in labels


def test_district_panels_draw_the_province_only_on_the_districts_scale():
    """A rate gets the province as a reference; a summed indicator's total does not."""
    import matplotlib.pyplot as plt

    from bkanalysis.plotting import plot_district_small_multiples

    def panels(indicator_id, values):
        obs = pd.DataFrame({
            "indicator_id": indicator_id,
            "area_code": ["06", "06", "058", "058", "061", "061"],
            "area_level": ["province"] * 2 + ["district"] * 4,
            "area_name": ["Tỉnh Bắc Kạn"] * 2 + ["Thành phố Bắc Kạn"] * 2 + ["Huyện Ba Bể"] * 2,
            "year": [2023, 2024] * 3, "value": values, "status": "actual",
        })  # fmt: skip
        fig = plot_district_small_multiples(obs, indicator_id, lang="en")
        gids = [line.get_gid() for ax in fig.axes for line in ax.get_lines()]
        limits = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
        plt.close(fig)
        return gids, limits

    rate, _ = panels("forest_cover_pct", [73.0, 73.4, 71.0, 71.5, 80.0, 80.2])
    assert rate.count("province") == 2  # one grey line in each district's panel
    area, (_, (low, high)) = panels(
        "forest_area_ha", [373000.0, 374000.0, 9800.0, 9810.0, 54200.0, 54300.0]
    )
    assert "province" not in area
    assert low == 0 and 54300.0 < high < 60000.0  # from zero, the largest district in view


def test_district_panels_of_one_year_show_that_year():
    import matplotlib.pyplot as plt

    from bkanalysis.plotting import plot_district_small_multiples

    obs = pd.DataFrame({
        "indicator_id": "forest_cover_pct", "area_code": ["058", "061"],
        "area_level": "district", "area_name": ["Thành phố Bắc Kạn", "Huyện Ba Bể"],
        "year": [2024, 2024], "value": [71.4, 80.2], "status": "actual",
    })  # fmt: skip
    fig = plot_district_small_multiples(obs, "forest_cover_pct", lang="vi")
    assert fig.axes[0].get_xlim() == (2023.0, 2025.0)
    plt.close(fig)

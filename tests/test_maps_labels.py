"""Commune names on the maps: placed without overlaps, the rest numbered in a key.

The map tests read the real commune boundaries from ../shared/geo (or
BKANALYSIS_GEO_MIRROR) and skip when that folder is absent; the placement itself is
also tested on made-up squares, which need no boundaries.
"""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from bkanalysis.errors import BkError
from bkanalysis.plotting import plot_commune_map, plot_target_map
from bkanalysis.plotting.placement import LABEL_MODES, plan_labels

GEO = Path(
    os.environ.get("BKANALYSIS_GEO_MIRROR", Path(__file__).resolve().parents[2] / "shared" / "geo")
)
LABEL_GIDS = {"commune_label", "commune_label_number"}
YEAR = {"2019": 2019, "2020": 2021, "2025": 2025}


def _need(vintage: str) -> Path:
    path = GEO / f"bac_kan_communes_{vintage}.geojson"
    if not path.is_file():
        pytest.skip(
            f"commune boundaries {path.name} not found in {GEO} (set BKANALYSIS_GEO_MIRROR)"
        )
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bounds(vintage: str):
    import geopandas as gpd

    g = gpd.read_file(_need(vintage))
    return g.rename(columns={"commune_code": "area_code"}).assign(area_name=g["commune_full_name"])


def _obs(g, vintage: str, indicator_id="forest_cover_pct", values=None):
    values = np.linspace(30, 90, len(g)) if values is None else values
    return pd.DataFrame(
        {"indicator_id": indicator_id, "area_code": g["area_code"], "area_level": "commune",
         "admin_vintage": vintage, "year": YEAR[vintage], "value": values, "status": "actual"}
    )  # fmt: skip


def _key_entries(ax) -> dict[str, str]:
    """Number -> commune name, read from the drawn key."""
    from matplotlib.offsetbox import TextArea

    keys = [a for a in ax.artists if a.get_gid() == "commune_label_key"]
    if not keys:
        return {}
    (key,) = keys
    texts = [c.get_text() for c in _walk(key) if isinstance(c, TextArea)]
    pairs = zip(texts[::2], texts[1::2], strict=True)
    return {n.strip("\u2007 "): name for n, name in pairs}


def _walk(artist):
    for child in artist.get_children():
        yield child
        yield from _walk(child)


def _check_labels(ax, g) -> None:
    """No two labels overlap, all inside the figure, every commune named or keyed."""
    fig = ax.figure
    texts = [t for t in ax.texts if t.get_gid() in LABEL_GIDS]
    names = {t.get_text().replace("\n", " ") for t in texts if t.get_gid() == "commune_label"}
    numbers = {t.get_text() for t in texts if t.get_gid() == "commune_label_number"}
    key = _key_entries(ax)
    assert len(texts) == len(g)
    assert set(key) == numbers
    expected = set(g["commune_name"])
    assert names | set(key.values()) == expected and not names & set(key.values())
    for dpi in (100, 300):  # a screen and the exported PNG
        fig.set_dpi(dpi)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in texts]
        clash = [
            (texts[i].get_text(), texts[j].get_text())
            for i, j in itertools.combinations(range(len(boxes)), 2)
            if boxes[i].overlaps(boxes[j])
        ]
        assert clash == [], f"labels overlap at {dpi} dpi: {clash[:5]}"
        inside = fig.bbox
        outside = [t.get_text() for t, b in zip(texts, boxes, strict=True)
                   if not (b.x0 >= inside.x0 and b.x1 <= inside.x1 and b.y0 >= inside.y0
                           and b.y1 <= inside.y1)]  # fmt: skip
        assert outside == [], f"labels outside the figure at {dpi} dpi: {outside}"
        for a in ax.artists:
            if a.get_gid() == "commune_label_key":
                kb = a.get_window_extent(renderer)
                assert fig.bbox.x0 <= kb.x0 and kb.x1 <= fig.bbox.x1
                assert fig.bbox.y0 <= kb.y0 and kb.y1 <= fig.bbox.y1
                assert not any(kb.overlaps(b) for b in boxes)  # the key is off the map


@pytest.mark.geo
@pytest.mark.parametrize("vintage", ["2019", "2020", "2025"])
def test_auto_labels_never_overlap_on_real_boundaries(vintage):
    g = _bounds(vintage)
    ax = plot_commune_map(_obs(g, vintage), "forest_cover_pct", YEAR[vintage], boundaries=g,
                          labels="auto")  # fmt: skip
    assert isinstance(ax, plt.Axes)
    _check_labels(ax, g)
    names = [t for t in ax.texts if t.get_gid() == "commune_label"]
    assert len(names) >= 0.75 * len(g)  # the key is for the few that do not fit
    assert "Phường" not in " ".join(t.get_text() for t in names)  # type prefixes dropped


@pytest.mark.geo
def test_labels_true_is_auto_on_a_colour_bar_map_and_a_target_map():
    g = _bounds("2020")
    obs = _obs(g, "2020", "ntm_criteria_met_count", [float(i % 20) for i in range(len(g))])
    ax = plot_commune_map(obs, "ntm_criteria_met_count", 2021, boundaries=g, scheme=None,
                          labels=True)  # fmt: skip
    _check_labels(ax, g)
    ax = plot_target_map(obs, ("ntm_criteria_met_count", ">=", 10), 2021, boundaries=g,
                         labels=True, lang="en")  # fmt: skip
    assert isinstance(ax, plt.Axes)
    _check_labels(ax, g)


@pytest.mark.geo
def test_labels_are_deterministic_and_off_by_default():
    g = _bounds("2025")
    obs = _obs(g, "2025")
    runs = []
    for _ in range(2):
        ax = plot_commune_map(obs, "forest_cover_pct", 2025, boundaries=g, labels="auto")
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=100, metadata={"Software": None})
        texts = [(t.get_text(), t.get_position()) for t in ax.texts]
        runs.append((texts, buf.getvalue()))
        plt.close(ax.figure)
    assert runs[0] == runs[1]
    for off in (False, "none"):
        ax = plot_commune_map(obs, "forest_cover_pct", 2025, boundaries=g, labels=off)
        assert not [t for t in ax.texts if t.get_gid() in LABEL_GIDS]
        assert not [a for a in ax.artists if a.get_gid() == "commune_label_key"]
    ax = plot_commune_map(obs, "forest_cover_pct", 2025, boundaries=g, labels="all")
    assert len([t for t in ax.texts if t.get_gid() == "commune_label"]) == len(g)
    with pytest.raises(BkError, match="labels must be one of auto, all, none"):
        plot_commune_map(obs, "forest_cover_pct", 2025, boundaries=g, labels="some")
    assert LABEL_MODES == ("auto", "all", "none")


def _box_of(p):
    return box(p["x"] - p["w"] / 2, p["y"] - p["h"] / 2, p["x"] + p["w"] / 2, p["y"] + p["h"] / 2)


def test_plan_labels_names_inside_numbers_for_tiny_units():
    # nine 2 pt wards in a hole of a large commune, a narrow commune beside it
    wards = [
        box(58 + 2 * i, 28 + 2 * j, 60 + 2 * i, 30 + 2 * j) for j in range(3) for i in range(3)
    ]
    big = box(0, 0, 120, 60).difference(box(58, 28, 64, 34))
    narrow = box(120, 0, 154, 60)
    names = ["Bằng Thành", "Nguyễn Thị Minh Khai"] + [f"Phường {i}" for i in range(9)]
    plan = plan_labels([big, narrow, *wards], names, 5)
    assert [p["kind"] for p in plan] == ["name", "name"] + ["number"] * 9
    assert plan[0]["text"] == "Bằng Thành" and big.buffer(1).contains(_box_of(plan[0]))
    assert plan[1]["text"] == "Nguyễn Thị\nMinh Khai"  # too wide on one line: two lines
    assert narrow.buffer(1).contains(_box_of(plan[1]))
    # numbered north-west to south-east
    assert [p["text"] for p in plan[2:]] == ["7", "8", "9", "4", "5", "6", "1", "2", "3"]
    placed = [_box_of(p) for p in plan]
    assert not any(a.intersects(b) for a, b in itertools.combinations(placed, 2))
    # a number that cannot sit on its ward without hiding another gets a leader line
    # from its ward
    leaders = [(p["leader"], w) for p, w in zip(plan[2:], wards, strict=True) if p["leader"]]
    assert leaders and all(w.contains(Point(xy)) for xy, w in leaders)
    assert all(isinstance(p[k], float) for p in plan for k in ("x", "y", "w", "h"))
    # forced numbers, and a frame the labels must stay in
    big = box(0, 0, 120, 60)
    plan = plan_labels([big], ["Bằng Thành"], 5, numbered=frozenset({0}))
    assert plan[0]["kind"] == "number" and plan[0]["text"] == "1"
    frame = box(0, 0, 60, 60)
    plan = plan_labels([big], ["Bằng Thành"], 5, frame=frame)
    assert frame.contains(_box_of(plan[0]))
    with pytest.raises(BkError, match="2 polygons but 1 names"):
        plan_labels([big, narrow], ["Bằng Thành"], 5)


def test_plan_labels_crowded_row_never_overlaps():
    # a row of small units, each too narrow for its name: names spill over, never overlap
    cells = [box(10 * i, 0, 10 * i + 10, 12) for i in range(12)]
    names = [f"Xã Số {i}" for i in range(12)]
    plan = plan_labels(cells, names, 4)
    placed = [_box_of(p) for p in plan]
    assert not any(a.intersects(b) for a, b in itertools.combinations(placed, 2))
    numbered = [p for p in plan if p["kind"] == "number"]
    assert sorted(int(p["text"]) for p in numbered) == list(range(1, len(numbered) + 1))


def test_plan_labels_leader_lines_cross_no_other_commune():
    # three 2 pt wards on the east edge of a large commune: no number fits on its ward
    # without hiding a neighbour, so each goes beside it with a leader line; east of the
    # wards is free, so no line runs through the large commune (or another ward)
    big = box(0, 0, 100, 60)
    wards = [box(100, 27 + 2 * j, 102, 29 + 2 * j) for j in range(3)]
    geoms = [big, *wards]
    plan = plan_labels(geoms, ["Bằng Thành", "Phường 1", "Phường 2", "Phường 3"], 5)
    assert [p["kind"] for p in plan] == ["name", "number", "number", "number"]
    assert all(p["leader"] is not None for p in plan[1:])
    for k, p in enumerate(plan[1:], start=1):
        end = (
            min(max(p["leader"][0], p["x"] - p["w"] / 2), p["x"] + p["w"] / 2),
            min(max(p["leader"][1], p["y"] - p["h"] / 2), p["y"] + p["h"] / 2),
        )
        line = LineString([p["leader"], end])
        assert geoms[k].contains(Point(p["leader"]))
        crossed = [m for m, g in enumerate(geoms) if m != k and line.intersects(g.buffer(-1.0))]
        assert crossed == [], (p, crossed)

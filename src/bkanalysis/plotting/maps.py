"""Commune maps: choropleths, small multiples across years, "meets the target?" maps.

Values are joined to the boundaries on ``area_code`` within one administrative
vintage (DESIGN §2: codes are reused across vintages), never on names. Boundaries are
passed as a GeoDataFrame (``area_code``, ``geometry``; ``district_code`` for the
district outlines) or loaded for the vintage with :func:`bkanalysis.admin.load_boundaries`
(falling back to the geo mirror, ``BKANALYSIS_GEO_MIRROR``).

The 2025 vintage has no districts (they were abolished on 2025-07-01), so its maps
carry the province outline only.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..catalog import indicator, indicator_label
from ..errors import BkError
from ..schema import VINTAGES, vintage_for_year
from ._common import (
    COUNT_UNITS,
    STATUS_PRECEDENCE,
    axis_formatter,
    check_lang,
    comparator_text,
    deferred_draw,
    format_number,
    remember_data,
    require_columns,
    unit_label,
    word,
)
from .charts import resolve_target
from .theme import (
    SEQUENTIAL_CMAP,
    figsize,
    status_colour,
    status_label,
    status_table,
    theme_context,
)

__all__ = [
    "LABEL_MODES",
    "SCHEMES",
    "boundaries_available",
    "commune_values",
    "plan_labels",
    "plot_commune_map",
    "plot_commune_small_multiples",
    "plot_target_map",
]

#: Classification schemes accepted by the maps (mapclassify names).
SCHEMES: tuple[str | None, ...] = ("quantiles", "equal_interval", "natural_breaks", None)
_OBS_COLUMNS = [
    "indicator_id",
    "area_code",
    "area_level",
    "admin_vintage",
    "year",
    "value",
    "status",
]
_MISSING_STYLE = {
    "facecolor": "#F4F4F4",
    "edgecolor": "#8C8C8C",
    "hatch": "/////",
    "linewidth": 0.3,
}
_PREFIX = re.compile(r"^(Xã|Phường|Thị trấn)\s+")
#: Units a commune-only indicator does not apply to (wards, towns): plain light grey.
_NOT_APPLICABLE_STYLE = {"facecolor": "#DDDDDD", "edgecolor": "white", "linewidth": 0.3}


def _check_vintage(vintage: str) -> str:
    vintage = str(vintage)
    if vintage not in VINTAGES:
        raise BkError(f"vintage must be one of {', '.join(VINTAGES)}, got {vintage!r}")
    return vintage


def _boundary_files(vintage: str) -> list[Path]:
    """Return the files a map of *vintage* may read, in the order they are tried."""
    from ..config import get_paths

    paths = get_paths()
    return [
        folder / f"bac_kan_communes_{vintage}.{ext}"
        for folder in (paths.boundaries, paths.geo_mirror)
        for ext in ("geojson", "gpkg")
    ]


def boundaries_available(vintage: str) -> bool:
    """Return True if commune boundaries of *vintage* can be found for the maps.

    Looks where the maps look: ``data/external/boundaries`` (``BKANALYSIS_BOUNDARIES``,
    filled by ``make boundaries``), then the geo mirror (``BKANALYSIS_GEO_MIRROR``).
    A notebook uses it to skip its maps, with a message, when there are none.

    Parameters
    ----------
    vintage : {'2019', '2020', '2025'}

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["BKANALYSIS_BOUNDARIES"] = os.environ["BKANALYSIS_GEO_MIRROR"] = tempfile.mkdtemp()
    >>> boundaries_available("2020")
    False
    >>> del os.environ["BKANALYSIS_BOUNDARIES"], os.environ["BKANALYSIS_GEO_MIRROR"]
    """
    return any(f.is_file() for f in _boundary_files(_check_vintage(vintage)))


#: Boundaries read in this process, keyed by vintage and the files' (path, mtime, size).
_LOADED: dict[tuple, Any] = {}


def _load_by_vintage(vintage: str):
    """Load the boundaries of *vintage* once per process (until their files change)."""
    stamp = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size)
        for f in _boundary_files(vintage)
        if f.is_file()
    )
    key = (vintage, stamp)
    if key not in _LOADED:
        # NOTE: reading and checking a GeoJSON takes ~0.3 s; a notebook draws many maps
        _LOADED[key] = _read_by_vintage(vintage)
    return _LOADED[key].copy()


def _read_by_vintage(vintage: str):
    """Load with :func:`bkanalysis.admin.load_boundaries`; fall back to the geo mirror.

    NOTE: a fresh checkout has no ``data/external/boundaries`` until ``bkanalysis
    boundaries --mirror`` is run; the mirror beside the checkout then serves, read by
    the same loader (so its codes are still checked against the vintage's communes).
    """
    from ..admin import load_boundaries

    try:
        return load_boundaries(vintage)
    except BkError:
        from ..config import get_paths

        mirror = get_paths().geo_mirror
        if not (mirror / f"bac_kan_communes_{vintage}.geojson").is_file():
            raise
        return load_boundaries(vintage, path=mirror)


def _boundaries(vintage: str, boundaries) -> Any:
    """Return the boundaries of *vintage* with ``area_code``, ``area_name``, ``district_code``."""
    gdf = _load_by_vintage(vintage) if boundaries is None else boundaries
    if not hasattr(gdf, "geometry") or "geometry" not in getattr(gdf, "columns", []):
        raise BkError("boundaries: expected a GeoDataFrame with a geometry column")
    gdf = gdf.copy()
    if "area_code" not in gdf.columns and "commune_code" in gdf.columns:
        gdf = gdf.rename(columns={"commune_code": "area_code"})
    if "area_name" not in gdf.columns and "commune_full_name" in gdf.columns:
        gdf["area_name"] = gdf["commune_full_name"]
    if "area_code" not in gdf.columns:
        raise BkError("boundaries: no 'area_code' (or 'commune_code') column")
    if "admin_vintage" in gdf.columns:
        gdf = gdf[gdf["admin_vintage"].astype(str) == vintage]
        if gdf.empty:
            raise BkError(f"boundaries: no units of vintage {vintage}")
    if "area_name" not in gdf.columns:
        gdf["area_name"] = gdf["area_code"]
    if "district_code" not in gdf.columns:
        gdf["district_code"] = None
    gdf["area_code"] = gdf["area_code"].astype(str)
    dup = gdf["area_code"][gdf["area_code"].duplicated()]
    if not dup.empty:
        raise BkError(f"boundaries: code {dup.iloc[0]!r} appears twice")
    return gdf.reset_index(drop=True)


def commune_values(
    observations: pd.DataFrame, indicator_id: str, year: int, vintage: str
) -> pd.DataFrame:
    """Return one value per commune of *vintage* for *indicator_id* and *year*.

    Plan values are left out; when a commune has several values for the year, an
    actual value wins over a preliminary one, which wins over an estimate.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": ["01852"] * 2,
    ...     "area_level": "commune", "admin_vintage": "2020", "year": 2021,
    ...     "value": [70.0, 71.0], "status": ["estimate", "actual"]})
    >>> commune_values(obs, "forest_cover_pct", 2021, "2020")["value"].tolist()
    [71.0]
    """
    require_columns(observations, _OBS_COLUMNS, "observations")
    obs = observations[
        (observations["indicator_id"] == indicator_id)
        & (observations["area_level"] == "commune")
        & (observations["year"] == int(year))
        & (observations["status"] != "plan")
    ]
    if obs.empty:
        raise BkError(f"observations: no commune values of {indicator_id!r} for {year}")
    here = obs[obs["admin_vintage"].astype(str) == vintage]
    if here.empty:
        have = ", ".join(sorted(obs["admin_vintage"].astype(str).unique()))
        raise BkError(
            f"observations: {indicator_id!r} for {year} is coded in vintage {have}, not "
            f"{vintage}; harmonise it first (bkanalysis.harmonise) or pass vintage={have!r}"
        )
    rank = here["status"].map(STATUS_PRECEDENCE).fillna(9)
    here = here.assign(_rank=rank).sort_values(["area_code", "_rank"], kind="stable")
    return here.drop_duplicates("area_code").drop(columns="_rank").reset_index(drop=True)


def _join(gdf, values: pd.DataFrame, what: str):
    """Left-join *values* onto the boundaries on area_code; reject unknown codes."""
    unknown = sorted(set(values["area_code"]) - set(gdf["area_code"]))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise BkError(
            f"{what}: {len(unknown)} commune code(s) not in the boundaries of this vintage: {shown}"
        )
    keep = [c for c in values.columns if c not in {"area_name", "geometry", "district_code"}]
    return gdf.merge(values[keep], on="area_code", how="left", validate="one_to_one")


def _outlines(ax, gdf, district_outlines: bool) -> None:
    if district_outlines and gdf["district_code"].notna().any():
        districts = gdf[gdf["district_code"].notna()].dissolve(by="district_code")
        districts.boundary.plot(ax=ax, color="#333333", linewidth=0.8, gid="district_outlines")
    outline = gdf.geometry.union_all()
    import geopandas as gpd

    gpd.GeoSeries([outline], crs=gdf.crs).boundary.plot(
        ax=ax, color="#000000", linewidth=1.0, gid="province_outline"
    )


# ---------------------------------------------------------------------------
# Commune names that do not overlap
# ---------------------------------------------------------------------------

#: Values of the ``labels=`` keyword of the maps (``True`` is ``"auto"``, ``False`` ``"none"``).
LABEL_MODES: tuple[str, ...] = ("auto", "all", "none")
_GID_LABEL = "commune_label"
_GID_NUMBER = "commune_label_number"
_GID_KEY = "commune_label_key"
_GID_LEADER = "commune_label_leader"
_HALO_PT = 0.8  # half the width of the white halo drawn around every label
_FIT_TOLERANCE_PT = 0.8  # how far a label's halo may spill over its commune's border
_GRID_STEP_PT = 1.0  # spacing of the candidate label centres
_LEADER_RADIUS_PT = 108.0  # how far from its commune a number may be put (with a leader)
_MAX_LAYOUT_PASSES = 4
_GAP_PT = 0.8  # free space between two labels' halos
_MIN_LEADER_PT = 1.0  # a number nearer than this to its commune's centre needs no line
_MIN_SHARE_INSIDE = 0.6  # share of a label's box that must lie over its own commune


def _label_mode(labels: bool | str | None) -> str:
    """Return the labelling mode named by the ``labels=`` keyword."""
    if labels is True:
        return "auto"
    if labels is False or labels is None:
        return "none"
    if isinstance(labels, str) and labels in LABEL_MODES:
        return labels
    raise BkError(f"labels must be one of {', '.join(LABEL_MODES)} (or True/False), got {labels!r}")


def _label_size(n_units: int) -> float:
    return 5.0 if n_units <= 50 else 4.0


def _two_lines(name: str) -> str | None:
    """Break *name* into two lines at the space nearest its middle (None for one word)."""
    words = name.split()
    if len(words) < 2:
        return None
    cuts = [len(" ".join(words[:i])) for i in range(1, len(words))]
    best = min(range(1, len(words)), key=lambda i: (abs(2 * cuts[i - 1] - len(name)), i))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


_MEASURE: dict[tuple, tuple[float, float]] = {}


def _text_extent_pt(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height in points of *text* drawn at *size* in the current theme font.

    NOTE: measured with private Agg figures of fixed dpi, so the result does not depend
    on the dpi of the figure being drawn (the same labels in PNG, SVG and PDF): the
    larger of the extents at 720 dpi (within a hair of the printed outline) and at
    100 dpi (a screen, where hinting rounds the glyph advances to whole pixels).
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    key = (text, float(size), weight, tuple(mpl.rcParams["font.family"]),
           tuple(mpl.rcParams["font.sans-serif"]))  # fmt: skip
    if key not in _MEASURE:
        w = h = 0.0
        for dpi in _MEASURE_DPI:
            if dpi not in _MEASURE_FIG:
                _MEASURE_FIG[dpi] = Figure(dpi=dpi)
                FigureCanvasAgg(_MEASURE_FIG[dpi])
            fig = _MEASURE_FIG[dpi]
            artist = fig.text(0, 0, text, fontsize=size, fontweight=weight, ha="center",
                              va="center")  # fmt: skip
            box = artist.get_window_extent(renderer=fig.canvas.get_renderer())
            artist.remove()
            w, h = max(w, box.width * 72 / dpi), max(h, box.height * 72 / dpi)
        _MEASURE[key] = (w, h)
    return _MEASURE[key]


_MEASURE_FIG: dict[int, Any] = {}
_MEASURE_DPI = (720, 100)


def _anchor(geom):
    """Return the pole of inaccessibility of *geom* (its largest part for a multipolygon)."""
    from shapely.ops import polylabel

    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    try:
        return polylabel(part, tolerance=0.25)
    except Exception:  # pragma: no cover - degenerate polygon
        return part.representative_point()


def _candidate_centres(
    bounds, w: float, h: float, anchor, inset: bool, max_count: int = 1200
) -> np.ndarray:
    """Grid of label centres over *bounds*, nearest to *anchor* first (ties: north, west)."""
    minx, miny, maxx, maxy = bounds
    if inset:
        minx, maxx, miny, maxy = minx + w / 2, maxx - w / 2, miny + h / 2, maxy - h / 2
    if maxx < minx or maxy < miny:
        return np.empty((0, 2))
    # a fine grid in a small commune, at most ~max_count centres in a large one
    step = max(_GRID_STEP_PT, math.sqrt((maxx - minx) * (maxy - miny) / max_count))
    xs = anchor.x + step * np.arange(
        math.floor((minx - anchor.x) / step), math.ceil((maxx - anchor.x) / step) + 1
    )
    ys = anchor.y + step * np.arange(
        math.floor((miny - anchor.y) / step), math.ceil((maxy - anchor.y) / step) + 1
    )
    gx, gy = np.meshgrid(xs, ys)
    c = np.column_stack([gx.ravel(), gy.ravel()])
    d2 = np.round((c[:, 0] - anchor.x) ** 2 + (c[:, 1] - anchor.y) ** 2, 6)
    order = np.lexsort((c[:, 0], -c[:, 1], d2))
    return c[order]


def _boxes(centres: np.ndarray, w: float, h: float):
    import shapely

    return shapely.box(
        centres[:, 0] - w / 2, centres[:, 1] - h / 2, centres[:, 0] + w / 2, centres[:, 1] + h / 2
    )


def _share_inside(geom, centres: np.ndarray, w: float, h: float) -> np.ndarray:
    """Share of each *w* x *h* box centred on *centres* that lies over *geom* (sampled)."""
    import shapely

    fx = (np.arange(8) + 0.5) / 8 - 0.5
    fy = (np.arange(4) + 0.5) / 4 - 0.5
    ox, oy = (a.ravel() for a in np.meshgrid(fx * w, fy * h))
    xs = centres[:, 0:1] + ox[None, :]
    ys = centres[:, 1:2] + oy[None, :]
    shapely.prepare(geom)
    return shapely.contains_xy(geom, xs, ys).mean(axis=1)


class _Placed:
    """Boxes already taken on the map (in points)."""

    def __init__(self, frame) -> None:
        self.boxes: list = []
        self.frame = frame

    def first_free(self, boxes):
        """Index of the first of *boxes* inside the frame overlapping no taken box, or None."""
        import shapely

        tree = shapely.STRtree(self.boxes) if self.boxes else None
        for start in range(0, len(boxes), 128):  # nearest first: most stop in the first chunk
            chunk = boxes[start : start + 128]
            free = shapely.contains(self.frame, chunk)
            if tree is not None:
                hit, _ = tree.query(chunk, predicate="intersects")
                free[hit] = False
            where = np.flatnonzero(free)
            if len(where):
                return start + int(where[0])
        return None


def plan_labels(
    geoms: list, names: list[str], size: float, *, frame=None, numbered: frozenset = frozenset()
) -> list[dict]:
    """Place one label per polygon so that no two labels overlap.

    Everything is in points (the polygons already scaled to the map as printed). A
    name is put inside its polygon, as near its pole of inaccessibility as it fits
    (on one line, else on two); a polygon too small for its name gets a number inside
    it (or, with no room at all, beside it with a leader line that crosses no other
    commune where such a place exists) and is listed in a key.

    Parameters
    ----------
    geoms : list of shapely polygons or multipolygons, in points
    names : list of str
    size : float
        Font size in points.
    frame : shapely polygon, optional
        Where labels may go (default: everywhere).
    numbered : frozenset of int
        Positions in *geoms* that get a number even if their name would fit.

    Returns
    -------
    list of dict
        One per polygon, in input order: ``kind`` ("name" or "number"), ``text``,
        ``x``, ``y`` (centre, points), ``w``, ``h`` (points, with the halo) and
        ``leader`` (the anchor point ``(x, y)`` for a number put outside, else None).
        Numbers run 1, 2, … from north-west to south-east; ``text`` of a number is
        the number only.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> plan = plan_labels([box(0, 0, 100, 40), box(100, 0, 104, 4)], ["Bằng Thành", "Nà Phặc"], 5)
    >>> [(p["kind"], p["text"]) for p in plan]
    [('name', 'Bằng Thành'), ('number', '1')]
    """
    import shapely

    if len(geoms) != len(names):
        raise BkError(f"plan_labels: {len(geoms)} polygons but {len(names)} names")
    if frame is None:
        frame = shapely.box(-1e12, -1e12, 1e12, 1e12)
    placed = _Placed(frame)
    pad = 2 * _HALO_PT + _GAP_PT
    plans: list[dict | None] = [None] * len(geoms)
    anchors = [_anchor(g) for g in geoms]
    variants = []
    for i, name in enumerate(names):
        texts = [] if i in numbered else [name, _two_lines(name)]
        variants.append(
            [(s, *(float(d + pad) for d in _text_extent_pt(s, size))) for s in texts if s]
        )

    def take(i, text, w, h, centres, boxes) -> bool:
        j = placed.first_free(boxes)
        if j is not None:
            placed.boxes.append(boxes[j])
            plans[i] = {"kind": "name", "text": text, "x": float(centres[j, 0]),
                        "y": float(centres[j, 1]), "w": w, "h": h, "leader": None}  # fmt: skip
        return j is not None

    # 1. names wholly inside their commune (halo aside), the most constrained first
    inside = []
    for i, geom in enumerate(geoms):
        grown = geom.buffer(_FIT_TOLERANCE_PT)
        shapely.prepare(grown)
        fits = []
        for text, w, h in variants[i]:
            c = _candidate_centres(geom.bounds, w, h, anchors[i], inset=True)
            if len(c):
                boxes = _boxes(c, w, h)
                ok = shapely.contains(grown, boxes)
                if ok.any():
                    fits.append((text, w, h, c[ok], boxes[ok]))
        inside.append(fits)
    order = sorted(range(len(geoms)), key=lambda i: (sum(len(f[3]) for f in inside[i]), i))
    for i in order:
        for option in inside[i]:
            if take(i, *option):
                break
    # 2. names centred in their commune and mostly over it, smallest communes first;
    # they may spill over a neighbour but never hide the centre of another commune
    anchor_tree = shapely.STRtree(anchors)

    def hides_other(boxes, i: int, named_too: bool = True) -> np.ndarray:
        hit = np.zeros(len(boxes), bool)
        if len(boxes):
            b, a = anchor_tree.query(boxes, predicate="contains")
            keep = a != i
            if not named_too:  # a commune whose name is written is found by its name
                keep &= np.array([plans[k] is None or plans[k]["kind"] != "name" for k in a], bool)
            hit[b[keep]] = True
        return hit

    rest = [i for i in range(len(geoms)) if plans[i] is None and variants[i]]
    for i in sorted(rest, key=lambda i: (round(geoms[i].area, 6), i)):
        geom = geoms[i]
        for text, w, h in variants[i]:
            c = _candidate_centres(geom.bounds, w, h, anchors[i], inset=False)
            c = c[shapely.contains_xy(geom, c[:, 0], c[:, 1])] if len(c) else c
            if not len(c):
                continue
            share = np.round(_share_inside(geom, c, w, h), 1)
            # the least spill over the neighbours first, then the nearest its centre
            order = np.argsort(-share, kind="stable")
            c, share = c[order], share[order]
            boxes = _boxes(c, w, h)
            ok = (share >= _MIN_SHARE_INSIDE) & ~hides_other(boxes, i)
            if ok.any() and take(i, text, w, h, c[ok], boxes[ok]):
                break
    # 3. numbers for the others, listed in a key
    rest = [i for i in range(len(geoms)) if plans[i] is None]
    rest.sort(key=lambda i: (-round(anchors[i].y, 3), round(anchors[i].x, 3), i))
    cores: list = []

    def interiors():
        if not cores:
            cores.append(shapely.STRtree([g.buffer(-_HALO_PT) for g in geoms]))
        return cores[0]

    digits = "0" * len(str(max(len(rest), 1)))
    w, h = _text_extent_pt(digits, size, "bold")
    w, h = float(w + pad), float(h + pad)
    for number, i in enumerate(rest, start=1):
        geom, a = geoms[i], anchors[i]
        grown = geom.buffer(_FIT_TOLERANCE_PT)
        shapely.prepare(grown)
        c = _candidate_centres(geom.bounds, w, h, a, inset=True)
        boxes = _boxes(c, w, h)
        ok = shapely.contains(grown, boxes) if len(c) else np.zeros(0, bool)
        j = placed.first_free(boxes[ok]) if ok.any() else None
        c_ok = c[ok] if len(c) else c
        if j is None:  # centre inside the polygon, the number spilling over its border
            c = _candidate_centres(geom.bounds, w, h, a, inset=False)
            c = c[shapely.contains_xy(geom, c[:, 0], c[:, 1])] if len(c) else c
            boxes = _boxes(c, w, h)
            c_ok = c[~hides_other(boxes, i)]
            j = placed.first_free(_boxes(c_ok, w, h))
        leader = None
        if j is None:  # beside the polygon, with a leader line from its anchor that
            # crosses no other commune and no label where it can, else no label, else any
            r = _LEADER_RADIUS_PT
            c = _candidate_centres((a.x - r, a.y - r, a.x + r, a.y + r), w, h, a, inset=False)
            tree = shapely.STRtree(placed.boxes) if placed.boxes else None
            for level in (2, 1, 0):
                for start in range(0, len(c), 512):  # nearest first: most stop early
                    chunk = c[start : start + 512]
                    boxes = _boxes(chunk, w, h)
                    ok = shapely.contains(placed.frame, boxes) & ~hides_other(boxes, i, False)
                    if tree is not None:
                        hit, _ = tree.query(boxes, predicate="intersects")
                        ok[hit] = False
                    if level and ok.any():
                        idx = np.flatnonzero(ok)
                        ends = np.column_stack([
                            np.clip(a.x, chunk[idx, 0] - w / 2, chunk[idx, 0] + w / 2),
                            np.clip(a.y, chunk[idx, 1] - h / 2, chunk[idx, 1] + h / 2),
                        ])  # fmt: skip
                        starts = np.broadcast_to([a.x, a.y], ends.shape)
                        lines = shapely.linestrings(np.stack([starts, ends], axis=1))
                        if tree is not None:
                            hit, _ = tree.query(lines, predicate="intersects")
                            ok[idx[hit]] = False
                        if level == 2:
                            # NOTE: a line through a neighbour reads as pointing at it;
                            # the cores (borders shrunk by the halo) let a line run along
                            # a shared border or leave through a corner.
                            hit, poly = interiors().query(lines, predicate="intersects")
                            ok[idx[hit[poly != i]]] = False
                    if ok.any():
                        c_ok, j, leader = chunk, int(np.flatnonzero(ok)[0]), (a.x, a.y)
                        break
                if j is not None:
                    break
        if j is None:  # nowhere free near it: at its anchor all the same
            c_ok, j, leader = np.array([[a.x, a.y]]), 0, None
        x, y = float(c_ok[j, 0]), float(c_ok[j, 1])
        placed.boxes.append(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        if leader is not None:
            end = (
                float(np.clip(a.x, x - w / 2, x + w / 2)),
                float(np.clip(a.y, y - h / 2, y + h / 2)),
            )
            if math.dist(end, (a.x, a.y)) < _MIN_LEADER_PT:
                leader = None  # the number touches its commune
            else:  # later numbers keep off the line
                placed.boxes.append(shapely.LineString([(a.x, a.y), end]))
        plans[i] = {"kind": "number", "text": str(number), "x": x, "y": y, "w": w, "h": h,
                    "leader": leader}  # fmt: skip
    return plans  # type: ignore[return-value]


def _points_per_unit(ax) -> tuple[float, float, float, float]:
    """Return (x0, y0, sx, sy): data -> points as ``((x - x0) * sx, (y - y0) * sy)``."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
    k = 72.0 / ax.figure.dpi
    return x0, y0, (px1 - px0) * k / (x1 - x0), (py1 - py0) * k / (y1 - y0)


def _key_box(ax, entries: list[tuple[str, str]], size: float, ncols: int, loc: str, anchor):
    from matplotlib.offsetbox import AnchoredOffsetbox, HPacker, TextArea, VPacker

    nrows = math.ceil(len(entries) / ncols)
    style = {"fontsize": size, "color": "#111111"}
    columns = []
    for c in range(math.ceil(len(entries) / nrows)):
        rows = entries[c * nrows : (c + 1) * nrows]
        # one row per commune (rows of a multi-line text would not line up: a line
        # with stacked diacritics is taller); numbers padded with figure spaces
        width = len(entries[-1][0])
        lines = [
            HPacker(children=[TextArea(n.rjust(width, "\u2007"), textprops={**style, "fontweight": "bold"}),
                              TextArea(name, textprops=style)],
                    pad=0, sep=size * 0.5, align="baseline")
            for n, name in rows
        ]  # fmt: skip
        columns.append(VPacker(children=lines, pad=0, sep=0.6, align="left"))
    box = AnchoredOffsetbox(
        loc=loc, child=HPacker(children=columns, pad=0, sep=size * 1.6, align="top"),
        pad=0.1, borderpad=0.2, frameon=False, bbox_to_anchor=anchor,
        bbox_transform=ax.transAxes,
    )  # fmt: skip
    box.set_gid(_GID_KEY)
    return box


def _label_key(ax, entries: list[tuple[str, str]], size: float):
    """Add the numbered key of the unlabelled communes outside the map's frame.

    Left of the map, bottom-aligned, when it fits the empty space there (a map is
    taller than the brief's figure is, so there is some): it then takes no room from
    the map. Otherwise under the map, in the layout (the map gets smaller).

    Returns
    -------
    tuple (AnchoredOffsetbox, bool)
        The key and whether it is in the layout.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    pos = ax.get_position()
    k = fig.get_figwidth() * 72.0
    others = [a.get_position() for a in fig.axes if a is not ax and a.get_visible()]
    for ncols in range(1, 5):
        box = _key_box(ax, entries, size, ncols, "lower right", (0.0, 0.0))
        box.set_figure(fig)
        box.axes = ax
        ext = box.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        fits = ext.x0 >= 0.005 and ext.y1 <= pos.y1 and ext.y0 >= 0.0
        if fits and not any(ext.overlaps(o) for o in others):
            box.set_in_layout(False)
            ax.add_artist(box)
            return box, False
        if ext.x0 < 0.005 or ext.height * fig.get_figheight() * 72 < 6 * size:
            break  # wider will not fit either
    widths = [_text_extent_pt(f"{n}  {name}", size)[0] for n, name in entries]
    # from the map's left edge to the figure's right edge (the key may pass under a legend)
    room_pt = (1.0 - pos.x0) * k - 2 * size
    ncols = max(1, min(len(entries), int(room_pt // (max(widths) + 2 * size))))
    box = _key_box(ax, entries, size, ncols, "upper left", (0.0, 0.0))
    ax.add_artist(box)
    return box, True


def _draw_label_plan(ax, plan: list[dict], origin, size: float) -> None:
    from matplotlib import patheffects

    x0, y0, sx, sy = origin
    halo = [patheffects.withStroke(linewidth=2 * _HALO_PT, foreground="white")]
    for p in plan:
        x, y = x0 + p["x"] / sx, y0 + p["y"] / sy
        number = p["kind"] == "number"
        text = ax.text(
            x, y, p["text"], ha="center", va="center", fontsize=size, color="#111111",
            fontweight="bold" if number else "normal", path_effects=halo,
            gid=_GID_NUMBER if number else _GID_LABEL, clip_on=False, zorder=5,
        )  # fmt: skip
        text.set_in_layout(False)
        if p["leader"] is not None:  # from the commune's centre to the number's box
            lx, ly = p["leader"]
            hw, hh = (p["w"] - _GAP_PT) / 2, (p["h"] - _GAP_PT) / 2
            ex = float(np.clip(lx, p["x"] - hw, p["x"] + hw))
            ey = float(np.clip(ly, p["y"] - hh, p["y"] + hh))
            (line,) = ax.plot(
                [x0 + lx / sx, x0 + ex / sx], [y0 + ly / sy, y0 + ey / sy], color="#111111",
                linewidth=0.35, gid=_GID_LEADER, zorder=4.9, solid_capstyle="butt",
                scalex=False, scaley=False,  # the map keeps its scale
            )  # fmt: skip
            line.set_in_layout(False)


def _labels(ax, gdf, mode: str = "auto") -> None:
    """Write the commune names on *ax* (call last: it lays the figure out to measure it).

    ``"all"`` writes every name at a representative point, overlaps and all;
    ``"auto"`` places names without overlaps (:func:`plan_labels`) and lists the
    communes too small for their name in a numbered key under the map. The key makes
    the map a little smaller, so the labels are planned again until the numbered set
    no longer grows (numbered communes stay numbered).
    """
    import shapely
    from matplotlib import patheffects
    from shapely import affinity

    if mode == "none":
        return
    name_col = "commune_name" if "commune_name" in gdf.columns else "area_name"
    keep = [g is not None and not g.is_empty for g in gdf.geometry]
    geoms = list(gdf.geometry[keep])
    names = [_PREFIX.sub("", str(n)) for n in gdf[name_col][keep]]
    size = _label_size(len(gdf))
    if mode == "all":
        halo = [patheffects.withStroke(linewidth=1.6, foreground="white")]
        for geom, name in zip(geoms, names, strict=True):
            p = geom.representative_point()
            ax.annotate(name, (p.x, p.y), ha="center", va="center", fontsize=size,
                        color="#111111", gid=_GID_LABEL, path_effects=halo)  # fmt: skip
        return
    fig = ax.figure
    numbered: frozenset[int] = frozenset()
    key = None
    for _ in range(_MAX_LAYOUT_PASSES):
        fig.draw_without_rendering()  # the layout fixes the scale of the map
        origin = x0, y0, sx, sy = _points_per_unit(ax)
        to_pt = [sx, 0.0, 0.0, sy, -x0 * sx, -y0 * sy]
        scaled = [affinity.affine_transform(g, to_pt) for g in geoms]
        (fx0, fx1), (fy0, fy1) = ax.get_xlim(), ax.get_ylim()
        frame = shapely.box((fx0 - x0) * sx, (fy0 - y0) * sy, (fx1 - x0) * sx, (fy1 - y0) * sy)
        plan = plan_labels(scaled, names, size, frame=frame, numbered=numbered)
        now = frozenset(i for i, p in enumerate(plan) if p["kind"] == "number")
        if now == numbered and (key is not None or not now):
            break
        numbered = now  # never smaller than before: the numbered ones were forced
        if key is not None:
            key.remove()
        key, in_layout = _label_key(ax, _key_entries(plan, names), size)
        if not in_layout:
            break  # the map keeps its size: the plan holds
    else:  # pragma: no cover - the layout kept changing: plan for the last one
        fig.draw_without_rendering()
        origin = x0, y0, sx, sy = _points_per_unit(ax)
        scaled = [affinity.affine_transform(g, [sx, 0, 0, sy, -x0 * sx, -y0 * sy])
                  for g in geoms]  # fmt: skip
        plan = plan_labels(scaled, names, size, frame=frame, numbered=numbered)
        key.remove()
        _label_key(ax, _key_entries(plan, names), size)
    _draw_label_plan(ax, plan, origin, size)


def _key_entries(plan: list[dict], names: list[str]) -> list[tuple[str, str]]:
    numbers = sorted(
        (int(p["text"]), names[i]) for i, p in enumerate(plan) if p["kind"] == "number"
    )
    return [(str(n), name) for n, name in numbers]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _relabel_legend(legend, lang: str, decimals: int) -> None:
    """Rewrite the class limits of a geopandas legend with *lang*'s separators."""
    if legend is None:
        return
    for text in legend.get_texts():
        label = text.get_text()
        if label == word("no_data", lang):
            continue
        numbers = [format_number(float(m), lang, decimals) for m in _NUMBER.findall(label)]
        text.set_text(" – ".join(numbers) if numbers else label)


def _draw_choropleth(
    ax, merged, *, scheme, k, bins, cmap, lang, unit, legend=True, vmin=None, vmax=None
):
    missing = merged["value"].isna()
    kwargs: dict[str, Any] = {
        "column": "value",
        "cmap": cmap,
        "edgecolor": "white",
        "linewidth": 0.3,
        "missing_kwds": {**_MISSING_STYLE, "label": word("no_data", lang)},
        "ax": ax,
        "legend": legend,
    }
    n_unique = merged["value"].dropna().nunique()
    if bins is not None:
        kwargs |= {"scheme": "user_defined", "classification_kwds": {"bins": list(bins)}}
    elif scheme is not None and n_unique >= 2:
        kwargs |= {"scheme": scheme, "k": int(min(k, n_unique))}
    else:
        scheme = None
    if legend and ("scheme" in kwargs):
        kwargs["legend_kwds"] = {
            "title": f"{word('unit', lang)}: {unit_label(unit, lang)}", "loc": "upper left",
            "bbox_to_anchor": (1.0, 1.0), "fmt": "{:.4f}",
            "interval": False,
        }  # fmt: skip
    elif legend:
        kwargs["legend_kwds"] = {
            "label": f"{word('unit', lang)}: {unit_label(unit, lang)}",
            "shrink": 0.6,
        }
        kwargs["vmin"], kwargs["vmax"] = vmin, vmax
    if missing.all():
        merged.plot(ax=ax, **_MISSING_STYLE)
        handles = [Patch(**_MISSING_STYLE, label=word("no_data", lang))]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return
    before = set(ax.figure.axes)
    merged.plot(**kwargs)
    if legend and "scheme" in kwargs:
        _relabel_legend(ax.get_legend(), lang, 0 if unit in COUNT_UNITS else 1)
        return
    for cax in set(ax.figure.axes) - before:  # the colour bar geopandas added
        cax.yaxis.set_major_formatter(axis_formatter(lang))
        if unit in COUNT_UNITS:
            cax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if legend and missing.any():
        ax.legend(
            handles=[Patch(**_MISSING_STYLE, label=word("no_data", lang))],
            loc="upper left", bbox_to_anchor=(1.0, 1.0),
        )  # fmt: skip


def _finish_map(ax, title: str) -> None:
    ax.set_axis_off()
    ax.set_title("\n".join(textwrap.wrap(title, 50)))


def _check_scheme(scheme, k) -> None:
    if scheme not in SCHEMES:
        raise BkError(f"scheme must be one of {', '.join(map(str, SCHEMES))}, got {scheme!r}")
    if not isinstance(k, int) or k < 2:
        raise BkError(f"k must be an integer >= 2, got {k!r}")


def plot_commune_map(
    observations: pd.DataFrame,
    indicator_id: str,
    year: int,
    *,
    vintage: str | None = None,
    boundaries=None,
    ax=None,
    scheme: str | None = "quantiles",
    k: int = 5,
    cmap: str = SEQUENTIAL_CMAP,
    lang: str = "vi",
    labels: bool | str = False,
    district_outlines: bool = True,
    title: bool | str = True,
):
    """Choropleth of a commune indicator for one year and one vintage.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations with commune rows of *indicator_id* for *year*.
    indicator_id : str
    year : int
    vintage : {'2019', '2020', '2025'}, optional
        Vintage of the map (default: the vintage in force in *year*). The values must
        be coded in it (harmonise them first otherwise).
    boundaries : geopandas.GeoDataFrame, optional
        Commune polygons with ``area_code`` (default: loaded for *vintage*).
    ax : matplotlib.axes.Axes, optional
    scheme : {'quantiles', 'equal_interval', 'natural_breaks', None}
        mapclassify classification; ``None`` draws a continuous colour bar.
    k : int, default 5
        Number of classes (reduced to the number of distinct values if fewer).
    cmap : str
    lang : {'vi', 'en'}
    labels : {'auto', 'all', 'none'} or bool, default False
        Commune names on the map. ``'auto'`` (or ``True``): names that never overlap,
        each inside its commune (on two lines if that fits better); a commune too
        small for its name gets a number, listed in a key under the map. ``'all'``:
        every name at a point inside its commune, even where names overlap.
        ``'none'`` (or ``False``): no names. The names are placed for the figure's
        layout at the time of the call (a later smaller map may crowd them).
    district_outlines : bool, default True
        Draw district outlines (not available for the 2025 vintage).
    title : bool or str, default True
        ``True``: the indicator's catalog label in *lang* and the year (e.g. "Forest
        cover, 2023"); ``False``: no title (e.g. for a panel); a str: that title.

    Returns
    -------
    matplotlib.axes.Axes
        Communes without a value are hatched and labelled "Không có số liệu" / "No data".

    Raises
    ------
    BkError
        If no boundaries of the vintage are found (check first with
        :func:`boundaries_available`), or the values are coded in another vintage.
    """
    check_lang(lang)
    _check_scheme(scheme, k)
    mode = _label_mode(labels)
    vintage = _check_vintage(vintage or vintage_for_year(year))
    unit = indicator(indicator_id)["unit"]
    values = commune_values(observations, indicator_id, year, vintage)
    gdf = _boundaries(vintage, boundaries)
    merged = _join(gdf, values, "observations")
    with theme_context():
        if ax is None:
            _, ax = plt.subplots(figsize=figsize("full", 0.75), layout="constrained")
        remember_data(ax.figure, pd.DataFrame(merged.drop(columns="geometry")))
        with deferred_draw(ax.figure):
            _draw_choropleth(
                ax, merged, scheme=scheme, k=k, bins=None, cmap=cmap, lang=lang, unit=unit
            )
            _outlines(ax, gdf, district_outlines)
            if title is True:
                title = f"{indicator_label(indicator_id, lang)}, {int(year)}"
            _finish_map(ax, title or "")
            _labels(ax, merged, mode)
    return ax


def plot_commune_small_multiples(
    observations: pd.DataFrame,
    indicator_id: str,
    years: list[int],
    *,
    vintage: str | None = None,
    boundaries=None,
    scheme: str | None = "quantiles",
    k: int = 5,
    cmap: str = SEQUENTIAL_CMAP,
    ncols: int | None = None,
    lang: str = "vi",
    district_outlines: bool = True,
):
    """Commune maps of one indicator for several years, on one common classification.

    Parameters
    ----------
    observations, indicator_id : see :func:`plot_commune_map`
    years : list of int
    vintage : str, optional
        One vintage for every panel; default: each year's own vintage.
    boundaries : GeoDataFrame or dict {vintage: GeoDataFrame}, optional
    scheme, k, cmap, lang, district_outlines : see :func:`plot_commune_map`
    ncols : int, optional
        Panels per row (default: up to 4).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import mapclassify

    check_lang(lang)
    _check_scheme(scheme, k)
    years = [int(y) for y in years]
    if not years:
        raise BkError("years: give at least one year")
    unit = indicator(indicator_id)["unit"]
    panels = []
    for y in years:
        v = _check_vintage(vintage or vintage_for_year(y))
        b = boundaries.get(v) if isinstance(boundaries, dict) else boundaries
        gdf = _boundaries(v, b)
        merged = _join(gdf, commune_values(observations, indicator_id, y, v), "observations")
        panels.append((y, v, gdf, merged))
    pooled = pd.concat([m["value"] for *_, m in panels]).dropna().to_numpy(float)
    bins = None
    if scheme is not None and len(np.unique(pooled)) >= 2:
        kk = int(min(k, len(np.unique(pooled))))
        bins = mapclassify.classify(pooled, scheme, k=kk).bins
    ncols = ncols or min(4, len(years))
    nrows = math.ceil(len(years) / ncols)
    with theme_context():
        w, _ = figsize("full")
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(w, w / ncols * 1.15 * nrows + 0.5), squeeze=False,
            layout="constrained",
        )  # fmt: skip
        data = []
        with deferred_draw(fig):
            for i, (ax, (y, _v, gdf, merged)) in enumerate(zip(axes.flat, panels, strict=False)):
                last = i == len(panels) - 1
                _draw_choropleth(
                    ax, merged, scheme=scheme, k=k, bins=bins, cmap=cmap, lang=lang, unit=unit,
                    legend=last, vmin=pooled.min() if len(pooled) else None,
                    vmax=pooled.max() if len(pooled) else None,
                )  # fmt: skip
                _outlines(ax, gdf, district_outlines)
                ax.set_axis_off()
                ax.set_title(str(y), fontweight="normal")
                data.append(pd.DataFrame(merged.drop(columns="geometry")))
            for ax in list(axes.flat)[len(panels) :]:
                ax.set_axis_off()
        remember_data(fig, pd.concat(data, ignore_index=True))
        fig.suptitle(indicator_label(indicator_id, lang), x=0.02, ha="left")
    return fig


def _meets(values: pd.Series, tgt: dict) -> pd.Series:
    c = tgt["comparator"]
    v, lo, hi = tgt["value"], tgt["low"], tgt["high"]
    ops = {
        ">=": values >= v,
        ">": values > v,
        "=": np.isclose(values, v) if not math.isnan(v) else values != values,
        "<=": values <= v,
        "<": values < v,
        "maintain": values >= v,
        "range": (values >= lo) & (values <= hi),
    }
    return pd.Series(ops[c], index=values.index)


def _not_applicable(merged, indicator_id: str, vintage: str) -> pd.Series:
    """Return True for units without a value whose type the indicator excludes.

    ``commune_only_indicators.csv`` (package data) names the indicators that apply to
    some unit types only (the new-rural criteria: ``xã``); a ward or town without a
    value is then *not applicable*, not missing data.
    """
    from ..admin import gazetteer
    from ..catalog import read_package_csv

    rules = read_package_csv("commune_only_indicators.csv").set_index("indicator_id")
    no_value = merged["value"].isna()
    if indicator_id not in rules.index:
        return pd.Series(False, index=merged.index)
    types = set(rules.loc[indicator_id, "unit_types"].split("|"))
    units = gazetteer(vintage)
    kind = dict(zip(units["area_code"].astype(str), units["unit_type"], strict=True))
    other = merged["area_code"].map(lambda c: c in kind and kind[c] not in types)
    return no_value & other.astype(bool)


def plot_target_map(
    observations: pd.DataFrame,
    target: str | pd.Series | dict | tuple,
    year: int,
    *,
    vintage: str | None = None,
    boundaries=None,
    assessment: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    ax=None,
    lang: str = "vi",
    labels: bool | str = False,
    district_outlines: bool = True,
):
    """Map which communes meet a per-commune target in *year*, in status colours.

    Before the deadline a commune that meets the target is "achieved", one that does
    not is "off track"; from the deadline year on they are "met" and "missed" (the
    statuses of :func:`bkanalysis.progress.assess`); a commune without a value is
    hatched as "insufficient data", except a ward or town for an indicator that applies
    to communes only (``commune_only_indicators.csv``): that unit is plain grey, "không
    áp dụng / not applicable". With an *assessment* holding commune rows for the
    target, its statuses are used instead.

    Parameters
    ----------
    observations : pandas.DataFrame
    target : str, registry row, or tuple (indicator_id, comparator, value)
        e.g. ``"ntm_communes_2020_floor"`` or ``("ntm_criteria_met_count", ">=", 10)``.
    year : int
    vintage, boundaries, ax, lang, labels, district_outlines : see :func:`plot_commune_map`
    assessment : pandas.DataFrame, optional
    targets : pandas.DataFrame, optional
        The registry, when *target* is an id.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    mode = _label_mode(labels)
    if isinstance(target, tuple):
        if len(target) != 3:
            raise BkError(f"target tuple must be (indicator_id, comparator, value), got {target!r}")
        target = {"indicator_id": target[0], "comparator": target[1], "value": target[2]}
    tgt = resolve_target(target, targets)
    ind = tgt["indicator_id"]
    unit = indicator(ind)["unit"]
    vintage = _check_vintage(vintage or vintage_for_year(year))
    gdf = _boundaries(vintage, boundaries)
    values = commune_values(observations, ind, year, vintage)
    merged = _join(gdf, values, "observations")
    meets = _meets(merged["value"], tgt)
    late = not math.isnan(tgt.get("deadline", math.nan)) and int(year) >= tgt["deadline"]
    status = np.where(meets, "met" if late else "achieved", "missed" if late else "off_track")
    merged["target_status"] = np.where(merged["value"].isna(), "insufficient_data", status)
    not_applicable = _not_applicable(merged, ind, vintage)
    if assessment is not None and tgt.get("target_id"):
        require_columns(assessment, ["target_id", "area_code", "status"], "assessment")
        a = assessment[assessment["target_id"] == tgt["target_id"]]
        if "admin_vintage" in a.columns:
            a = a[a["admin_vintage"].astype(str) == vintage]
        given = dict(zip(a["area_code"], a["status"], strict=True))
        merged["target_status"] = [
            given.get(code, s)
            for code, s in zip(merged["area_code"], merged["target_status"], strict=True)
        ]
    with theme_context():
        if ax is None:
            _, ax = plt.subplots(figsize=figsize("full", 0.75), layout="constrained")
        remember_data(ax.figure, pd.DataFrame(merged.drop(columns="geometry")))
        with deferred_draw(ax.figure):
            handles = []
            present = set(merged["target_status"])
            for s in [s for s in status_table()["status"] if s in present]:
                part = merged[merged["target_status"] == s]
                style = (
                    {**_MISSING_STYLE, "facecolor": status_colour(s)}
                    if s == "insufficient_data"
                    else {"facecolor": status_colour(s), "edgecolor": "white", "linewidth": 0.3}
                )
                if s == "insufficient_data":
                    part = part[~not_applicable.loc[part.index]]
                    if part.empty:
                        continue
                part.plot(ax=ax, gid=f"status:{s}", **style)
                handles.append(Patch(**style, label=f"{status_label(s, lang)} ({len(part)})"))
            if not_applicable.any():
                part = merged[not_applicable]
                part.plot(ax=ax, gid="status:not_applicable", **_NOT_APPLICABLE_STYLE)
                label = f"{word('not_applicable', lang)} ({len(part)})"
                handles.append(Patch(**_NOT_APPLICABLE_STYLE, label=label))
            _outlines(ax, gdf, district_outlines)
            rule = comparator_text(
                tgt["comparator"], tgt["value"], tgt["low"], tgt["high"], unit, lang
            )
            ax.legend(handles=handles, title=rule, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            _finish_map(ax, f"{indicator_label(ind, lang)} {rule}, {int(year)}")
            _labels(ax, merged, mode)
    return ax

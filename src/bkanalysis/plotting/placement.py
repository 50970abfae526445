"""Commune names on a map that do not overlap: the label-placement engine of the maps.

:func:`plan_labels` is the placement itself, on polygons already in points: each name
inside its commune where it fits (on one line, else on two), else centred and mostly
over it, else a number (inside, over the border, or beside it with a leader line),
listed in a key. :func:`label_communes` measures a drawn map, plans its labels, adds
the key and writes the labels; :func:`label_mode` reads the maps' ``labels=`` keyword.

Examples
--------
>>> label_mode(True), label_mode(False)
('auto', 'none')
"""

from __future__ import annotations

import math
import re

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnchoredOffsetbox, HPacker, TextArea, VPacker
from shapely import affinity
from shapely.ops import polylabel

from ..errors import BkError

__all__ = ["LABEL_MODES", "label_communes", "label_mode", "plan_labels"]

#: Values of the ``labels=`` keyword of the maps (``True`` is ``"auto"``, ``False`` ``"none"``).
LABEL_MODES: tuple[str, ...] = ("auto", "all", "none")
_PREFIX = re.compile(r"^(Xã|Phường|Thị trấn)\s+")
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
_PAD_PT = 2 * _HALO_PT + _GAP_PT  # a label's box: its text, its halo and the gap


def label_mode(labels: bool | str | None) -> str:
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
_MEASURE_FIG: dict[int, Figure] = {}
_MEASURE_DPI = (720, 100)


def _text_extent_pt(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height in points of *text* drawn at *size* in the current theme font.

    NOTE: measured with private Agg figures of fixed dpi, so the result does not depend
    on the dpi of the figure being drawn (the same labels in PNG, SVG and PDF): the
    larger of the extents at 720 dpi (within a hair of the printed outline) and at
    100 dpi (a screen, where hinting rounds the glyph advances to whole pixels).
    """
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


def _anchor(geom):
    """Return the pole of inaccessibility of *geom* (its largest part for a multipolygon)."""
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    try:
        return polylabel(part, tolerance=0.25)
    except Exception:  # pragma: no cover - degenerate polygon
        return part.representative_point()


def _candidate_centres(
    bounds, w: float, h: float, anchor, *, inset: bool, max_count: int = 1200
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
    return shapely.box(
        centres[:, 0] - w / 2, centres[:, 1] - h / 2, centres[:, 0] + w / 2, centres[:, 1] + h / 2
    )


def _share_inside(geom, centres: np.ndarray, w: float, h: float) -> np.ndarray:
    """Share of each *w* x *h* box centred on *centres* that lies over *geom* (sampled)."""
    fx = (np.arange(8) + 0.5) / 8 - 0.5
    fy = (np.arange(4) + 0.5) / 4 - 0.5
    ox, oy = (a.ravel() for a in np.meshgrid(fx * w, fy * h))
    xs = centres[:, 0:1] + ox[None, :]
    ys = centres[:, 1:2] + oy[None, :]
    shapely.prepare(geom)
    return shapely.contains_xy(geom, xs, ys).mean(axis=1)


def _boxes_inside(grown, c: np.ndarray, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the centres of *c* whose *w* x *h* box lies wholly inside *grown*, and the boxes.

    A box inside the polygon has its centre in the polygon's interior, so the centres
    are tested first (a point test) and boxes are made and tested only for those.
    """
    c = _inside_centres(grown, c)
    boxes = _boxes(c, w, h)
    ok = shapely.contains(grown, boxes) if len(c) else np.zeros(0, bool)
    return c[ok], boxes[ok]


def _inside_centres(geom, c: np.ndarray) -> np.ndarray:
    """Keep the centres *c* that lie inside *geom*."""
    return c[shapely.contains_xy(geom, c[:, 0], c[:, 1])] if len(c) else c


class _Placed:
    """Boxes already taken on the map (in points)."""

    def __init__(self, frame) -> None:
        self.boxes: list = []
        self.frame = frame

    def first_free(self, boxes):
        """Index of the first of *boxes* inside the frame overlapping no taken box, or None."""
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


class _Planner:
    """One placement: the polygons, their anchors, the name variants, the boxes taken."""

    def __init__(self, geoms: list, names: list[str], size: float, frame, numbered) -> None:
        self.geoms = geoms
        self.size = size
        self.placed = _Placed(frame)
        self.plans: list[dict | None] = [None] * len(geoms)
        self.anchors = [_anchor(g) for g in geoms]
        self.anchor_tree = shapely.STRtree(self.anchors)
        self.variants = [self._variants(name, i in numbered) for i, name in enumerate(names)]
        self._grown: dict[int, object] = {}
        self._cores = None

    def _variants(self, name: str, numbered: bool) -> list[tuple[str, float, float]]:
        """Return the name on one line and on two, each with its box's size (none if numbered)."""
        texts = [] if numbered else [name, _two_lines(name)]
        return [
            (s, *(float(d + _PAD_PT) for d in _text_extent_pt(s, self.size))) for s in texts if s
        ]

    def take(self, i: int, option) -> bool:
        """Put the name of *i* at the first free of the option's boxes; False if none is."""
        text, w, h, centres, boxes = option
        j = self.placed.first_free(boxes)
        if j is not None:
            self.placed.boxes.append(boxes[j])
            self.plans[i] = {"kind": "name", "text": text, "x": float(centres[j, 0]),
                             "y": float(centres[j, 1]), "w": w, "h": h, "leader": None}  # fmt: skip
        return j is not None

    def hides_other(self, boxes, i: int, *, named_too: bool = True) -> np.ndarray:
        """Mark each of *boxes* that covers the anchor of a commune other than *i*."""
        hit = np.zeros(len(boxes), bool)
        if len(boxes):
            b, a = self.anchor_tree.query(boxes, predicate="contains")
            keep = a != i
            if not named_too:  # a commune whose name is written is found by its name
                plans = self.plans
                keep &= np.array([plans[k] is None or plans[k]["kind"] != "name" for k in a], bool)
            hit[b[keep]] = True
        return hit

    def interiors(self) -> np.ndarray:
        """Return the communes shrunk by the halo (a leader may run along a border), prepared once."""
        if self._cores is None:
            self._cores = np.array([g.buffer(-_HALO_PT) for g in self.geoms], dtype=object)
            shapely.prepare(self._cores)
        return self._cores

    def grown(self, i: int):
        """Return commune *i* grown by the fitting tolerance, prepared, made once."""
        if i not in self._grown:
            self._grown[i] = self.geoms[i].buffer(_FIT_TOLERANCE_PT)
            shapely.prepare(self._grown[i])
        return self._grown[i]

    # 1. names wholly inside their commune (halo aside), the most constrained first
    def _fits_inside(self, i: int) -> list[tuple]:
        geom = self.geoms[i]
        fits = []
        for text, w, h in self.variants[i]:
            c = _candidate_centres(geom.bounds, w, h, self.anchors[i], inset=True)
            c_ok, boxes = _boxes_inside(self.grown(i), c, w, h)
            if len(c_ok):
                fits.append((text, w, h, c_ok, boxes))
        return fits

    def names_inside(self) -> None:
        """Step 1: names wholly inside their commune, the fewest places first."""
        inside = [self._fits_inside(i) for i in range(len(self.geoms))]
        order = sorted(range(len(self.geoms)), key=lambda i: (sum(len(f[3]) for f in inside[i]), i))
        for i in order:
            for option in inside[i]:
                if self.take(i, option):
                    break

    # 2. names centred in their commune and mostly over it, smallest communes first;
    # they may spill over a neighbour but never hide the centre of another commune
    def _centred(self, i: int, text: str, w: float, h: float) -> tuple | None:
        geom = self.geoms[i]
        c = _inside_centres(
            geom, _candidate_centres(geom.bounds, w, h, self.anchors[i], inset=False)
        )
        if not len(c):
            return None
        share = np.round(_share_inside(geom, c, w, h), 1)
        # the least spill over the neighbours first, then the nearest its centre
        order = np.argsort(-share, kind="stable")
        c, share = c[order], share[order]
        boxes = _boxes(c, w, h)
        ok = (share >= _MIN_SHARE_INSIDE) & ~self.hides_other(boxes, i)
        return (text, w, h, c[ok], boxes[ok]) if ok.any() else None

    def names_centred(self) -> None:
        """Step 2: the names left, centred in and mostly over their commune."""
        rest = [i for i in range(len(self.geoms)) if self.plans[i] is None and self.variants[i]]
        for i in sorted(rest, key=lambda i: (round(self.geoms[i].area, 6), i)):
            for text, w, h in self.variants[i]:
                option = self._centred(i, text, w, h)
                if option is not None and self.take(i, option):
                    break

    # 3. numbers for the others, listed in a key
    def numbers(self) -> None:
        """Step 3: a number for every commune still without a label, north-west first."""
        rest = [i for i in range(len(self.geoms)) if self.plans[i] is None]
        rest.sort(key=lambda i: (-round(self.anchors[i].y, 3), round(self.anchors[i].x, 3), i))
        digits = "0" * len(str(max(len(rest), 1)))
        w, h = _text_extent_pt(digits, self.size, "bold")
        w, h = float(w + _PAD_PT), float(h + _PAD_PT)
        for number, i in enumerate(rest, start=1):
            self._put_number(i, str(number), w, h)

    def _put_number(self, i: int, text: str, w: float, h: float) -> None:
        a = self.anchors[i]
        spot = self._number_inside(i, w, h) or self._number_beside(i, w, h)
        # nowhere free near it: at its anchor all the same
        x, y, leader = spot or (float(a.x), float(a.y), None)
        self.placed.boxes.append(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        if leader is not None:
            end = (
                float(np.clip(a.x, x - w / 2, x + w / 2)),
                float(np.clip(a.y, y - h / 2, y + h / 2)),
            )
            if math.dist(end, (a.x, a.y)) < _MIN_LEADER_PT:
                leader = None  # the number touches its commune
            else:  # later numbers keep off the line
                self.placed.boxes.append(shapely.LineString([(a.x, a.y), end]))
        self.plans[i] = {"kind": "number", "text": text, "x": x, "y": y, "w": w, "h": h,
                         "leader": leader}  # fmt: skip

    def _number_inside(self, i: int, w: float, h: float) -> tuple | None:
        """Find a free place for the number inside the commune, else centred in it and spilling over."""
        geom, a = self.geoms[i], self.anchors[i]
        c = _candidate_centres(geom.bounds, w, h, a, inset=True)
        c_ok, boxes = _boxes_inside(self.grown(i), c, w, h)
        j = self.placed.first_free(boxes) if len(c_ok) else None
        if j is None:  # centre inside the polygon, the number spilling over its border
            c = _inside_centres(geom, _candidate_centres(geom.bounds, w, h, a, inset=False))
            c_ok = c[~self.hides_other(_boxes(c, w, h), i)]
            j = self.placed.first_free(_boxes(c_ok, w, h))
        return None if j is None else (float(c_ok[j, 0]), float(c_ok[j, 1]), None)

    def _number_beside(self, i: int, w: float, h: float) -> tuple | None:
        """Beside the polygon, with a leader line from its anchor.

        The line crosses no other commune and no label where it can, else no label,
        else any.
        """
        a = self.anchors[i]
        r = _LEADER_RADIUS_PT
        c = _candidate_centres((a.x - r, a.y - r, a.x + r, a.y + r), w, h, a, inset=False)
        tree = shapely.STRtree(self.placed.boxes) if self.placed.boxes else None
        for level in (2, 1, 0):
            for start in range(0, len(c), 512):  # nearest first: most stop early
                chunk = c[start : start + 512]
                ok = self._free_beside(i, chunk, (w, h), tree=tree, level=level)
                if ok.any():
                    j = int(np.flatnonzero(ok)[0])
                    return float(chunk[j, 0]), float(chunk[j, 1]), (a.x, a.y)
        return None

    def _free_beside(self, i: int, chunk: np.ndarray, size, *, tree, level: int) -> np.ndarray:
        """Which centres of *chunk* are free for the number of *i* at this *level*.

        Level 2: neither box nor leader crosses a label or another commune; level 1:
        no label; level 0: the box alone is free.
        """
        w, h = size
        a = self.anchors[i]
        boxes = _boxes(chunk, w, h)
        ok = shapely.contains(self.placed.frame, boxes) & ~self.hides_other(
            boxes, i, named_too=False
        )
        if tree is not None:
            hit, _ = tree.query(boxes, predicate="intersects")
            ok[hit] = False
        if not (level and ok.any()):
            return ok
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
            # NOTE: a line through a neighbour reads as pointing at it; the cores
            # (borders shrunk by the halo) let a line run along a shared border or
            # leave through a corner.
            # NOTE: the lines' tree queried with the prepared cores: the same pairs as the
            # cores' tree queried with the lines, without testing each line against a
            # detailed polygon from scratch
            poly, hit = shapely.STRtree(lines).query(self.interiors(), predicate="intersects")
            ok[idx[hit[poly != i]]] = False
        return ok


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
    if len(geoms) != len(names):
        raise BkError(f"plan_labels: {len(geoms)} polygons but {len(names)} names")
    if frame is None:
        frame = shapely.box(-1e12, -1e12, 1e12, 1e12)
    planner = _Planner(geoms, names, size, frame, numbered)
    planner.names_inside()
    planner.names_centred()
    planner.numbers()
    return planner.plans  # type: ignore[return-value]


def _points_per_unit(ax) -> tuple[float, float, float, float]:
    """Return (x0, y0, sx, sy): data -> points as ``((x - x0) * sx, (y - y0) * sy)``."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
    k = 72.0 / ax.figure.dpi
    return x0, y0, (px1 - px0) * k / (x1 - x0), (py1 - py0) * k / (y1 - y0)


def _key_box(ax, entries: list[tuple[str, str]], size: float, *, ncols: int, loc: str, anchor):
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
        box = _key_box(ax, entries, size, ncols=ncols, loc="lower right", anchor=(0.0, 0.0))
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
    box = _key_box(ax, entries, size, ncols=ncols, loc="upper left", anchor=(0.0, 0.0))
    ax.add_artist(box)
    return box, True


def _draw_label_plan(ax, plan: list[dict], origin, size: float) -> None:
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


def label_communes(ax, gdf, mode: str = "auto") -> None:
    """Write the commune names on *ax* (call last: it lays the figure out to measure it).

    ``"all"`` writes every name at a representative point, overlaps and all;
    ``"auto"`` places names without overlaps (:func:`plan_labels`) and lists the
    communes too small for their name in a numbered key under the map. The key makes
    the map a little smaller, so the labels are planned again until the numbered set
    no longer grows (numbered communes stay numbered).
    """
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

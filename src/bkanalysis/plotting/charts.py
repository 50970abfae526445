"""Charts of indicators against the Decision 1635 targets.

Every function takes ``ax=None`` (a new brief-sized figure is made), draws, and returns
the :class:`~matplotlib.axes.Axes` (multi-panel functions return the Figure). Labels
come from the indicator catalog, the targets registry and ``statuses.csv`` in the
chosen language (``lang="vi"`` default, ``"en"``). Artists that tests and users may
want to find carry a ``gid`` (``"target"``, ``"target_band"``, ``"maintain"``,
``"trajectory"``, ``"series_actual"``, ``"series_provisional"``, ``"series_plan"``,
``"status"``).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..catalog import indicator, indicator_label
from ..errors import BkError
from ..labels import theme_label, unit_label, word
from ..observations import check_observations, preferred_values
from ..progress import reading_text
from ..study_area import select_study_area
from ..targets import load_targets
from ._common import (
    axis_formatter,
    check_frame,
    check_lang,
    comparator_text,
    format_number,
    label_with_unit,
    remember_data,
    text_colour_on,
)
from .recipe import reads
from .theme import OKABE_ITO, figsize, status_colour, status_label, status_table, theme_context

__all__ = [
    "plot_dashboard",
    "plot_district_small_multiples",
    "plot_emissions_vs_bau",
    "plot_target_series",
    "resolve_target",
]

#: The columns of :func:`bkanalysis.progress.assess` a target chart draws.
_ASSESSED_COLUMNS = ["target_id", "area_code", "status", "series", "path", "path_kind"]
_ASSESS_CALL = "bkanalysis.assess(observations)"
_SERIES_COLOUR = OKABE_ITO[0]
_PLAN_COLOUR = OKABE_ITO[3]
_TARGET_COLOUR = "#000000"
_THEME_ORDER = ["emissions", "forest_water", "rural_development", "waste"]


def _nan(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def resolve_target(target: str | pd.Series | dict, targets: pd.DataFrame | None = None) -> dict:
    """Return a target as a dict with the registry's keys.

    Parameters
    ----------
    target : str, pandas.Series or dict
        A ``target_id`` of the registry, or a registry row (``indicator_id``,
        ``comparator``, ``value``/``low``/``high``, ``deadline``…). A row of an
        assessment frame (``target_value``, ``target_low``…) is accepted too.
    targets : pandas.DataFrame, optional
        The registry (default :func:`bkanalysis.targets.load_targets`).

    Examples
    --------
    >>> resolve_target({"indicator_id": "forest_cover_pct", "comparator": ">=",
    ...                 "value": 72, "deadline": 2020})["value"]
    72.0
    """
    row = _target_row(target, targets)
    for short, long in (("value", "target_value"), ("low", "target_low"), ("high", "target_high")):
        if short not in row and long in row:
            row[short] = row[long]
    _check_target(row)
    row.setdefault("target_id", "")
    return row


def _target_row(target: str | pd.Series | dict, targets: pd.DataFrame | None) -> dict:
    """Return the registry row of a target id, or a copy of the row given."""
    if isinstance(target, pd.Series | dict):
        return dict(target)
    if not isinstance(target, str):
        raise BkError(f"target must be a target id or a registry row, got {type(target).__name__}")
    targets = load_targets() if targets is None else targets
    rows = targets[targets["target_id"] == target]
    if rows.empty:
        raise BkError(f"unknown target id {target!r}")
    return rows.iloc[0].to_dict()


def _check_target(row: dict) -> None:
    """Check a target's indicator, comparator and figures; make its numbers floats (NaN if none)."""
    name = row.get("target_id", "?")
    for key in ("indicator_id", "comparator"):
        if not row.get(key):
            raise BkError(f"target {name!r}: missing {key!r}")
    comparator = row["comparator"]
    if comparator not in {">=", ">", "=", "<=", "<", "range", "maintain"}:
        raise BkError(f"target {name!r}: unknown comparator {comparator!r}")
    for key in ("value", "low", "high", "baseline_year", "deadline"):
        row[key] = _nan(row.get(key))
    if comparator == "range":
        if math.isnan(row["low"]) or math.isnan(row["high"]):
            raise BkError(f"target {name!r}: a range needs low and high")
    elif math.isnan(row["value"]):
        raise BkError(f"target {name!r}: missing target value")


def _new_ax(ax, size=None):
    if ax is None:
        _, ax = plt.subplots(figsize=size or figsize("full"), layout="constrained")
    return ax


def _series_lines(ax, series: pd.DataFrame, colour: str, label_prefix: str = "", lang: str = "vi"):
    """Draw a series: solid between actual values, dashed to provisional ones."""
    xs = series["year"].to_numpy(float)
    ys = series["value"].to_numpy(float)
    actual = (series["status"] == "actual").to_numpy()
    solid_x, solid_y, dash_x, dash_y = [], [], [], []
    for i in range(len(xs) - 1):
        tx, ty = (solid_x, solid_y) if actual[i] and actual[i + 1] else (dash_x, dash_y)
        tx += [xs[i], xs[i + 1], np.nan]
        ty += [ys[i], ys[i + 1], np.nan]
    if solid_x:
        ax.plot(solid_x, solid_y, "-", color=colour, gid="line_actual")
    if dash_x:
        ax.plot(dash_x, dash_y, "--", color=colour, gid="line_provisional")
    handles = []
    if actual.any():
        (h,) = ax.plot(
            xs[actual], ys[actual], "o", color=colour, gid="series_actual",
            label=label_prefix + word("actual", lang),
        )  # fmt: skip
        handles.append(h)
    if (~actual).any():
        (h,) = ax.plot(
            xs[~actual], ys[~actual], "o", color=colour, markerfacecolor="white",
            markeredgewidth=1.2, gid="series_provisional",
            label=label_prefix + word("provisional", lang),
        )  # fmt: skip
        handles.append(h)
    return handles


def _assessment_row(assessment: pd.DataFrame, target: dict, area_code: str) -> dict:
    """Return the assessment's row of *target* for *area_code* (else its first row)."""
    check_frame(assessment, _ASSESSED_COLUMNS, what="assessment", made_by=_ASSESS_CALL)
    rows = assessment[assessment["target_id"] == target.get("target_id")]
    if rows.empty:
        raise BkError(
            f"assessment: no row for target {target.get('target_id')!r}; assess it first "
            "(bkanalysis.assess(observations, targets))"
        )
    here = rows[rows["area_code"] == area_code]
    return (here if not here.empty else rows).iloc[0].to_dict()


def _judged_points(a_row: dict) -> pd.DataFrame:
    """Return the (year, value, status) points the assessment row judged (none if it judged none)."""
    judged = a_row["series"] if isinstance(a_row["series"], tuple | list) else ()
    pts = [p for p in judged if len(p) >= 2]
    return pd.DataFrame(
        {
            "year": [int(p[0]) for p in pts],
            "value": [float(p[1]) for p in pts],
            "status": [(p[2] if len(p) > 2 and p[2] else "actual") for p in pts],
        }
    )


def _province_or_area(obs: pd.DataFrame, area_code: str | None) -> tuple[pd.DataFrame, str]:
    """Return the rows of the area drawn (default: the province) and its code."""
    if area_code is not None:
        return obs[obs["area_code"] == area_code], area_code
    obs = select_study_area(obs)
    obs = obs[obs["area_level"] == "province"]
    return obs, (obs["area_code"].iloc[0] if not obs.empty else "06")


def _as_judged(tgt: dict, a_row: dict) -> tuple[dict, str, str]:
    """Return the target, unit and reading as the assessment judged them.

    NOTE: a count target judged as a share of each year's own units
    (``share_of_units``) is drawn as that share, against the target's share.
    """
    reading = a_row.get("reading", "") or ""
    unit = indicator(tgt["indicator_id"])["unit"]
    if reading == "share_of_units":
        tgt = {**tgt, "comparator": a_row["comparator"], "value": _nan(a_row.get("target_value"))}
        unit = "%"
    return tgt, unit, reading


def _plan_markers(ax, plan: pd.DataFrame, lang: str) -> list:
    """Draw the plan values (``Kế hoạch``) as hollow diamonds."""
    if plan.empty:
        return []
    (h,) = ax.plot(
        plan["year"], plan["value"], "D", color=_PLAN_COLOUR, markerfacecolor="white",
        markeredgewidth=1.2, gid="series_plan", label=word("plan", lang),
    )  # fmt: skip
    return [h]


def _target_text(tgt: dict, unit: str, reading: str, lang: str) -> str:
    text = comparator_text(
        tgt["comparator"], tgt["value"], tgt["low"], tgt["high"], unit=unit, lang=lang
    )
    if reading == "share_of_units":
        return text + " " + word("of_communes", lang)
    if tgt["comparator"] == "range":
        return "≥ " + text  # the plan's "đạt 3 – 4 %": reach at least
    return text


def _target_marks(ax, tgt: dict, start: float, target_text: str, lang: str) -> list:
    """Draw the target: a band for a range, a level to maintain, else a star at the deadline."""
    deadline = tgt["deadline"]
    label = (
        f"{word('target', lang)} {int(deadline) if not math.isnan(deadline) else ''}: {target_text}"
    )
    if tgt["comparator"] == "range":
        band = Rectangle(
            (deadline - 0.3, tgt["low"]), 0.6, tgt["high"] - tgt["low"],
            facecolor=_TARGET_COLOUR, alpha=0.18, edgecolor=_TARGET_COLOUR,
            linewidth=0.8, gid="target_band", label=label,
        )  # fmt: skip
        ax.add_patch(band)
        return [band]
    if tgt["comparator"] == "maintain":
        (h,) = ax.plot(
            [start, deadline], [tgt["value"]] * 2, "--", color=_TARGET_COLOUR,
            linewidth=1.0, gid="maintain",
            label=f"{word('maintain', lang)} ({int(deadline)}): {target_text}",
        )  # fmt: skip
        ax.plot([deadline], [tgt["value"]], "*", color=_TARGET_COLOUR, markersize=10, gid="target")
        return [h]
    if math.isnan(tgt["value"]):
        return []
    (h,) = ax.plot(
        [deadline], [tgt["value"]], "*", color=_TARGET_COLOUR, markersize=10,
        linestyle="none", gid="target", label=label,
    )  # fmt: skip
    return [h]


def _judged_path(ax, a_row: dict, lang: str) -> list:
    """Draw the path the status was judged against, as the assessment gives it."""
    path = tuple(a_row.get("path") or ())
    kind = a_row.get("path_kind", "") or ""
    if not path or kind not in {"required", "projection"}:
        return []
    px, py = zip(*path, strict=True)
    (h,) = ax.plot(
        list(px), list(py), ":", color="#555555", linewidth=1.1, gid="trajectory",
        label=word("trajectory" if kind == "required" else "projection", lang),
    )  # fmt: skip
    return [h]


def _status_badge(ax, status, narrow: bool, lang: str) -> int:
    """Write the status in a badge of its colour; return the title's padding above it."""
    if not (status and isinstance(status, str)):
        return 4
    colour = status_colour(status)
    ax.text(
        0.0 if narrow else 1.0, 1.02,
        f"{word('status', lang)}: {status_label(status, lang)}",
        transform=ax.transAxes, ha="left" if narrow else "right", va="bottom",
        gid="status", color=text_colour_on(colour), fontweight="bold",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": colour, "edgecolor": "none"},
    )  # fmt: skip
    return 22 if narrow else 14


def _reading_note(ax, a_row: dict, width_in: float, lang: str) -> None:
    """State the unit change or the conditional part of the target on the figure itself."""
    text = reading_text(a_row, lang)
    chars = max(40, int(width_in * 72 / (mpl.rcParams["font.size"] * 0.5)))
    ax.text(
        0.01, 0.99, "\n".join(textwrap.wrap(text, chars)), transform=ax.transAxes,
        ha="left", va="top", fontsize="x-small", color="#333333", gid="reading",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "alpha": 0.85,
              "edgecolor": "#BBBBBB"},
    )  # fmt: skip


def _label_series_axes(ax, a_row: dict, indicator_id: str, unit: str, lang: str) -> bool:
    """Badge, title, unit and reading note of a target chart; return whether it is narrow.

    NOTE: the layout adapts to the width of the Axes, so a half-width (8 cm) figure
    keeps a readable title, legend and year axis.
    """
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    narrow = width_in < 4.0
    pad = _status_badge(ax, a_row.get("status"), narrow, lang)
    chars = max(24, min(50, int(width_in * 72 / (mpl.rcParams["axes.titlesize"] * 0.62))))
    ax.set_title("\n".join(textwrap.wrap(indicator_label(indicator_id, lang), chars)), pad=pad)
    reading = a_row.get("reading", "") or ""
    unit_text = unit_label(unit, lang)
    if reading == "share_of_units":
        unit_text += " " + word("of_communes", lang)
    ax.set_ylabel(f"{word('unit', lang)}: {unit_text}")
    if reading in {"share_of_units", "count_as_reported", "conditional"}:
        _reading_note(ax, a_row, width_in, lang)
    return narrow


@reads(lambda a: {resolve_target(a["target"], a["targets"])["indicator_id"]})
def plot_target_series(
    observations: pd.DataFrame,
    target: str | pd.Series | dict,
    *,
    assessment: pd.DataFrame,
    area_code: str | None = None,
    targets: pd.DataFrame | None = None,
    ax=None,
    lang: str = "vi",
):
    """Plot the series an assessment judged against one target.

    Actual values are filled markers on a solid line; preliminary and estimated values
    are hollow markers on a dashed line; plan values (``Kế hoạch``) are diamonds, up to
    the deadline or the last year judged (a later plan is another period's). The
    target is a star at the deadline (a band for a range, a horizontal line for a
    level to maintain); a dotted line shows the path the status was judged against.
    The status is stated in a badge of its colour.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN §2): the plan values drawn beside the series.
    target : str, pandas.Series or dict
        A target id or a registry row (see :func:`resolve_target`).
    assessment : pandas.DataFrame
        Output of :func:`bkanalysis.progress.assess` (``bkanalysis.assess(observations)``).
        Its row gives the status, the series it judged (a derived reduction, a tier
        part, the NTM share …) and the path it judged against, which are drawn as they
        are: the chart never assesses nor derives anything itself.
    area_code : str, optional
        The area to plot (default: the province rows).
    targets : pandas.DataFrame, optional
        The targets registry, when *target* is an id (default: the package's).
    ax : matplotlib.axes.Axes, optional
    lang : {'vi', 'en'}

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    BkError
        If *assessment* is not an output of ``assess`` or has no row for the target.

    Examples
    --------
    >>> import pandas as pd
    >>> from bkanalysis import assess, load_targets
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "area_name": "Bắc Kạn", "year": [2018, 2019, 2020],
    ...     "value": [71.0, 72.1, 72.6], "status": ["actual", "actual", "preliminary"]})
    >>> targets = load_targets().query("target_id == 'forest_cover_2020'")
    >>> ax = plot_target_series(obs, "forest_cover_2020", assessment=assess(obs, targets),
    ...     lang="en")
    >>> [float(line.get_ydata()[0]) for line in ax.lines if line.get_gid() == "target"]
    [72.0]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_lang(lang)
    obs = check_observations(observations)
    tgt = resolve_target(target, targets)
    obs, area_code = _province_or_area(obs[obs["indicator_id"] == tgt["indicator_id"]], area_code)
    a_row = _assessment_row(assessment, tgt, area_code)
    tgt, unit, reading = _as_judged(tgt, a_row)
    series = _judged_points(a_row)
    plan = obs[obs["status"] == "plan"].sort_values("year")
    if reading == "share_of_units":
        plan = plan.iloc[:0]  # plan counts are not shares
    if not math.isnan(tgt["deadline"]):
        # NOTE: the judged window ends at the deadline (or the last year judged): a plan
        # for a later year belongs to another period, and drawn alone after the deadline
        # it reads as if the values after the deadline were missing
        plan = plan[plan["year"] <= max([tgt["deadline"], *series["year"]])]
    years = series["year"].tolist() + plan["year"].tolist()
    start = float(min(years)) if years else tgt["deadline"] - 1
    if not math.isnan(tgt["baseline_year"]):
        start = min(start, tgt["baseline_year"])

    with theme_context():
        ax = _new_ax(ax)
        remember_data(ax.figure, obs)
        handles = _series_lines(ax, series, _SERIES_COLOUR, lang=lang)
        handles += _plan_markers(ax, plan, lang)
        handles += _target_marks(ax, tgt, start, _target_text(tgt, unit, reading, lang), lang)
        handles += _judged_path(ax, a_row, lang)
        narrow = _label_series_axes(ax, a_row, tgt["indicator_id"], unit, lang)
        ax.set_xlim(start - 0.6, max([tgt["deadline"], *years]) + 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4 if narrow else "auto"))
        ax.yaxis.set_major_formatter(axis_formatter(lang))
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1),
            ncol=min(2 if narrow else 3, len(handles)),
        )  # fmt: skip
    return ax


def _dashboard_rows(assessment: pd.DataFrame, targets: pd.DataFrame | None) -> pd.DataFrame:
    theme = {}
    if targets is not None and "theme" in targets.columns:
        theme = dict(zip(targets["target_id"], targets["theme"], strict=True))
    rows = []
    for tid, grp in assessment.groupby("target_id", sort=False):
        prov = grp[grp["area_level"] == "province"] if "area_level" in grp else grp
        use = prov if not prov.empty else grp
        first = use.iloc[0]
        ind = first["indicator_id"]
        rows.append(
            {
                "target_id": tid,
                "indicator_id": ind,
                "theme": theme.get(tid) or indicator(ind)["theme"],
                "deadline": _nan(first.get("deadline")),
                "n": len(use),
                "counts": use["status"].value_counts().to_dict(),
                "first": first.to_dict(),
            }
        )
    out = pd.DataFrame(rows)
    order = {t: i for i, t in enumerate(_THEME_ORDER)}
    out["_theme_rank"] = out["theme"].map(order).fillna(len(order))
    return out.sort_values(["_theme_rank", "theme", "deadline", "target_id"], kind="stable")


def _dashboard_lines(rows: pd.DataFrame) -> list[tuple[str, Any]]:
    """Return the dashboard's rows top to bottom: a theme heading, then its targets."""
    lines: list[tuple[str, Any]] = []
    for theme, grp in rows.groupby("theme", sort=False):
        lines.append(("theme", theme))
        lines.extend(("target", r) for r in grp.itertuples(index=False))
    return lines


def _dashboard_label(item, lang: str, max_label: int) -> str:
    """Return a target row's label: the indicator (shortened) and the deadline."""
    name = indicator_label(item.indicator_id, lang)
    if len(name) > max_label:
        name = name[: max_label - 1].rstrip() + "…"
    return name + ("" if math.isnan(item.deadline) else f" ({int(item.deadline)})")


def _status_bar(ax, y: int, item, order: list[str], lang: str) -> set[str]:
    """Draw a target's bar, split by the share of its areas in each status; return those statuses."""
    present = set()
    left = 0.0
    for status in order:
        n = item.counts.get(status, 0)
        if not n:
            continue
        present.add(status)
        share = n / item.n
        ax.barh(
            y, share, left=left, height=0.7, color=status_colour(status),
            edgecolor="white", linewidth=0.5, gid=f"status:{status}",
        )  # fmt: skip
        if share >= 0.25:
            text = status_label(status, lang) if item.n == 1 else f"{n}/{item.n}"
            ax.text(
                left + share / 2, y, text, ha="center", va="center",
                fontsize="x-small", color=text_colour_on(status_colour(status)),
            )  # fmt: skip
        left += share
    return present


def _latest_vs_target(item, lang: str) -> str:
    """Return "latest → target" for a target's row (the number of communes for a floor)."""
    first = item.first
    if item.n == 1:
        latest = first.get("latest_value")
        latest_txt = (
            "–"
            if latest is None or pd.isna(latest)
            else f"{format_number(latest, lang)} ({int(first.get('latest_year'))})"
        )
    else:
        latest_txt = f"{item.n} {word('communes', lang)}"
    tgt = comparator_text(
        str(first.get("comparator", "")), _nan(first.get("target_value")),
        _nan(first.get("target_low")), _nan(first.get("target_high")),
        unit=indicator(item.indicator_id)["unit"], lang=lang,
    )  # fmt: skip
    return f"{latest_txt} → {tgt}"


def _dashboard_rows_drawn(ax, lines: list[tuple[str, Any]], lang: str, max_label: int) -> set[str]:
    """Draw every theme heading and target row; return the statuses drawn."""
    order = list(status_table()["status"])
    labels = []
    present: set[str] = set()
    for y, (kind, item) in enumerate(lines):
        if kind == "theme":
            labels.append("")
            ax.text(
                0.0, y + 0.15, theme_label(item, lang).upper(), ha="left", va="center",
                fontweight="bold", fontsize="small", gid="theme",
            )  # fmt: skip
            continue
        labels.append(_dashboard_label(item, lang, max_label))
        present |= _status_bar(ax, y, item, order, lang)
        ax.text(1.04, y, _latest_vs_target(item, lang), va="center", fontsize="x-small")
    ax.set_yticks(range(len(lines)), labels)
    return present


def _dashboard_frame(ax, n_lines: int, present: set[str], *, own: bool, lang: str) -> None:
    """Axes, title and status legend of the dashboard."""
    ax.set_ylim(n_lines - 0.5, -0.5)
    ax.set_xlim(0, 1.75)
    ax.set_xticks([])
    ax.grid(False)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.text(
        1.04,
        -0.9,
        f"{word('latest', lang)} → {word('target', lang)}",
        fontsize="x-small",
        fontweight="bold",
    )
    if own:
        ax.figure.suptitle(word("dashboard_title", lang), x=0.01, ha="left")
    else:
        ax.set_title(word("dashboard_title", lang), pad=16)
    handles = [
        Patch(color=status_colour(s), label=status_label(s, lang))
        for s in status_table()["status"]
        if s in present
    ]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
        ncol=min(4, len(handles)), fontsize="x-small",
    )  # fmt: skip


def plot_dashboard(
    assessment: pd.DataFrame,
    *,
    targets: pd.DataFrame | None = None,
    ax=None,
    lang: str = "vi",
    max_label: int = 52,
):
    """Draw every target as a row coloured by its status, grouped by theme.

    Each row shows the indicator and deadline, a bar in the status colour (for a
    per-commune target, the bar is split by the share of communes in each status),
    and the latest value against the target.

    Parameters
    ----------
    assessment : pandas.DataFrame
        Output of :func:`bkanalysis.progress.assess`.
    targets : pandas.DataFrame, optional
        The registry, for the theme of each target (default: the indicator's theme).
    ax : matplotlib.axes.Axes, optional
    lang : {'vi', 'en'}
    max_label : int
        Indicator names longer than this are shortened with an ellipsis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"target_id": ["forest_cover_2020", "ntm_communes_2020"],
    ...     "indicator_id": ["forest_cover_pct", "ntm_communes_count"],
    ...     "area_level": "province", "area_code": "06", "comparator": ">=",
    ...     "target_value": [72.0, 26.0], "target_low": None, "target_high": None,
    ...     "deadline": 2020, "latest_year": [2023, 2023], "latest_value": [73.4, 20.0],
    ...     "status": ["achieved", "off_track"]})
    >>> ax = plot_dashboard(a, lang="en")
    >>> sorted({p.get_gid() for p in ax.patches if p.get_gid()})
    ['status:achieved', 'status:off_track']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_lang(lang)
    check_frame(
        assessment, ["target_id", "indicator_id", "status"], what="assessment", made_by=_ASSESS_CALL
    )
    if assessment.empty:
        raise BkError("assessment: no targets to draw")
    unknown = set(assessment["status"]) - set(status_table()["status"])
    if unknown:
        raise BkError(f"assessment: unknown status(es) {', '.join(sorted(map(str, unknown)))}")
    lines = _dashboard_lines(_dashboard_rows(assessment, targets))
    with theme_context():
        own = ax is None
        if own:
            # NOTE: 0.45 cm a row keeps every target on one A4 page with its caption
            # (0.55 cm made the dashboard 27.8 cm tall, taller than the text block)
            height_cm = 0.45 * len(lines) + 2.0
            _, ax = plt.subplots(figsize=figsize("full", height_cm / 16), layout="constrained")
        remember_data(ax.figure, assessment)
        present = _dashboard_rows_drawn(ax, lines, lang, max_label)
        _dashboard_frame(ax, len(lines), present, own=own, lang=lang)
    return ax


def _pick_sector(emissions: pd.DataFrame, sector: str | None) -> pd.DataFrame:
    if "sector" not in emissions.columns:
        return emissions
    sectors = sorted(emissions["sector"].dropna().astype(str).unique())
    if sector is None:
        sector = "total" if "total" in sectors or len(sectors) != 1 else sectors[0]
    if sector not in sectors:
        raise BkError(f"emissions: no sector {sector!r} (have {', '.join(sectors) or 'none'})")
    return emissions[emissions["sector"] == sector]


_TIERS = (("tier_voluntary", OKABE_ITO[2]), ("tier_national", OKABE_ITO[4]),
          ("tier_international", OKABE_ITO[6]))  # fmt: skip
_ACTUAL_COLOUR = OKABE_ITO[5]
_EMISSIONS_CALL = "bkanalysis.emissions.emissions_vs_bau(observations)"


def _emission_rows(emissions: pd.DataFrame, sector: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Check the accounts; return the sector's rows by year and the tier (cap) columns."""
    check_frame(
        emissions, ["year", "actual_tco2e", "bau_tco2e", "reduction_pct", "target_pct"],
        what="emissions", made_by=_EMISSIONS_CALL,
    )  # fmt: skip
    prefix = "cap" if "cap_voluntary_pct" in emissions.columns else "tier"
    tier_cols = [f"{prefix}_{t}_pct" for t in ("voluntary", "national", "international")]
    check_frame(emissions, tier_cols, what="emissions", made_by=_EMISSIONS_CALL)
    em = _pick_sector(emissions, sector).sort_values("year")
    if em.empty:
        raise BkError("emissions: no rows to draw")
    if em["year"].duplicated().any():
        raise BkError(
            f"emissions: year {em['year'][em['year'].duplicated()].iloc[0]} appears twice"
        )
    return em, tier_cols


def _provisional(em: pd.DataFrame) -> np.ndarray:
    """Return where the emissions are preliminary or estimated (hollow markers)."""
    if "actual_status" not in em.columns:
        return np.zeros(len(em), dtype=bool)
    return em["actual_status"].isin(["preliminary", "estimate"]).to_numpy()


def _tier_bands(ax, em: pd.DataFrame, tier_cols: list[str], lang: str) -> tuple[list, np.ndarray]:
    """Stack the tier bands below BAU; return their handles and the cumulative reduction."""
    years = em["year"].to_numpy(float)
    bau = em["bau_tco2e"].to_numpy(float)
    cum = np.zeros_like(bau)
    handles = []
    for (key, colour), col in zip(_TIERS, tier_cols, strict=True):
        pct = em[col].to_numpy(float)
        upper = bau * (1 - cum / 100)
        cum = cum + pct
        lower = bau * (1 - cum / 100)
        ok = ~np.isnan(lower)
        name = word(key, lang)
        if key != "tier_voluntary":
            # NOTE: the national/international tiers depend on support (plan wording).
            name += f" ({word('conditional', lang)})"
        handles.append(
            ax.fill_between(
                years, lower, upper, where=ok, color=colour, alpha=0.55, linewidth=0,
                gid=key, label=name,
            )
        )  # fmt: skip
    return handles, cum


def _path_years(ax, em: pd.DataFrame, cum: np.ndarray, lang: str) -> list:
    """Hatch the years between two target years: an interpolated path, never a target."""
    if "target_kind" not in em.columns:
        return []
    kinds = em["target_kind"].fillna("").to_numpy(dtype=object)
    if not (kinds == "path").any():
        return []
    between = kinds == "path"
    for i in np.flatnonzero(kinds == "path"):  # join the path to its target years
        for j in (i - 1, i + 1):
            if 0 <= j < len(kinds) and kinds[j] == "target":
                between[j] = True
    years = em["year"].to_numpy(float)
    bau = em["bau_tco2e"].to_numpy(float)
    top = bau * (1 - cum / 100)
    hatch = ax.fill_between(
        years, top, bau, where=between & ~np.isnan(top), facecolor="none",
        edgecolor=(0, 0, 0, 0.35), hatch="////", linewidth=0, gid="tier_path",
        label=word("tier_path", lang),
    )  # fmt: skip
    return [hatch]


def _bau_and_actual(ax, em: pd.DataFrame, seen: np.ndarray, lang: str) -> list:
    """Draw the BAU line and the observed emissions (preliminary/estimated hollow)."""
    years = em["year"].to_numpy(float)
    act = em["actual_tco2e"].to_numpy(float)
    provisional = _provisional(em)
    (h_bau,) = ax.plot(
        years, em["bau_tco2e"].to_numpy(float), "-", color="#000000", linewidth=1.2, gid="bau",
        label=word("bau", lang),
    )  # fmt: skip
    (h_act,) = ax.plot(
        years[seen], act[seen], "-", color=_ACTUAL_COLOUR, gid="actual",
        label=word("emissions_actual", lang), marker="o",
        markevery=list(np.flatnonzero(~provisional[seen])),
    )  # fmt: skip
    head = [h_bau, h_act]
    if (seen & provisional).any():
        (h,) = ax.plot(
            years[seen & provisional], act[seen & provisional], "o", color=_ACTUAL_COLOUR,
            markerfacecolor="white", markeredgewidth=1.2, gid="actual_provisional",
            label=word("provisional", lang),
        )  # fmt: skip
        head.append(h)
    return head


def _projection(ax, em: pd.DataFrame, seen: np.ndarray, projected: np.ndarray) -> list:
    """Draw the projected years dashed on a shaded span; return the legend entry (or none)."""
    years = em["year"].to_numpy(float)
    act = em["actual_tco2e"].to_numpy(float)
    fut = ~np.isnan(act) & projected
    if not fut.any():
        return []
    # NOTE: the projection starts from the last observed value so the line is joined.
    start = np.flatnonzero(seen)[-1:] if seen.any() else np.array([], dtype=int)
    idx = np.concatenate([start, np.flatnonzero(fut)])
    (h,) = ax.plot(
        years[idx], act[idx], "--", color=_ACTUAL_COLOUR, linewidth=1.1,
        marker="o", markerfacecolor="white", markersize=3.5,
        markevery=list(range(len(start), len(idx))), gid="projection",
    )  # fmt: skip
    # the projected years are shaded, and the shading is part of the legend entry
    span = ax.axvspan(
        years[fut].min() - 0.5, years.max() + 0.5, color="0.93", linewidth=0, zorder=0,
        gid="projection_span",
    )  # fmt: skip
    return [(span, h)]


#: A white outline around a value written on the chart: a line or a band that crosses
#: the label (the emissions line rising after 2020) does not strike through its text.
_HALO = [patheffects.withStroke(linewidth=2.0, foreground="white")]


def _target_labels(ax, em: pd.DataFrame, lang: str) -> None:
    """Write the plan's reduction below BAU at the 2020 and 2030 targets."""
    years = em["year"].to_numpy(float)
    bau = em["bau_tco2e"].to_numpy(float)
    for y, b, t in zip(years, bau, em["target_pct"].to_numpy(float), strict=True):
        if not np.isnan(t) and int(y) in (2020, 2030):
            end = y == years.max()
            ax.annotate(
                f"−{format_number(t, lang)} %", (y, b * (1 - t / 100)),
                xytext=(-3 if end else 3, -3), textcoords="offset points",
                ha="right" if end else "left", va="top", fontsize="x-small",
                fontweight="bold", gid="target_pct", path_effects=_HALO,
            )  # fmt: skip


def _reduction_labels(ax, em: pd.DataFrame, seen: np.ndarray, lang: str) -> None:
    """Write the accounts' reduction below BAU at 2020 (if observed) and the latest year."""
    years = em["year"].to_numpy(float)
    act = em["actual_tco2e"].to_numpy(float)
    reduction = em["reduction_pct"].to_numpy(float)
    labelled = [i for i in np.flatnonzero(seen) if int(years[i]) == 2020]
    if seen.any() and np.flatnonzero(seen)[-1] not in labelled:
        labelled.append(np.flatnonzero(seen)[-1])
    for i in labelled:
        ax.annotate(
            f"{format_number(reduction[i], lang, 1)} % {word('below_bau', lang)} ({int(years[i])})",
            (years[i], act[i]), xytext=(6, 0), textcoords="offset points",
            ha="left", va="center", fontsize="x-small", color=_ACTUAL_COLOUR, gid="reduction",
            path_effects=_HALO,
        )  # fmt: skip


def _emissions_title(em: pd.DataFrame, lang: str) -> str:
    title = word("emissions_title", lang)
    chosen = em["sector"].iloc[0] if "sector" in em.columns else "total"
    if chosen == "total":
        return title
    try:
        return indicator_label(f"ghg_emissions_{chosen}_tco2e", lang)
    except BkError:
        return f"{title}: {chosen}"


def plot_emissions_vs_bau(
    emissions: pd.DataFrame,
    *,
    sector: str | None = None,
    ax=None,
    lang: str = "vi",
):
    """Plot actual emissions against business-as-usual with the reduction tiers.

    The three tiers of Decision 1635 (voluntary, with national support, with
    international support; 3+2+1 = 6 % in 2020, 7+4+3 = 14 % in 2030) are stacked
    bands below the BAU line, so the line of actual emissions shows which tier of
    ambition it reaches.

    Parameters
    ----------
    emissions : pandas.DataFrame
        Output of :func:`bkanalysis.emissions.emissions_vs_bau` (optionally with the
        rows of :func:`bkanalysis.emissions.project_emissions` appended, drawn dashed):
        ``year, sector, actual_tco2e, bau_tco2e, reduction_pct, target_pct`` and the tier caps
        ``cap_voluntary_pct, cap_national_pct, cap_international_pct`` (or, without
        them, ``tier_*_pct`` read as caps); ``actual_status`` (preliminary and estimated
        values are hollow) and ``is_projection`` are used when present. The reduction
        written beside the line is the accounts' ``reduction_pct``: the chart derives
        nothing.
    sector : str, optional
        Which sector to draw (default ``"total"``, or the only sector).
    ax : matplotlib.axes.Axes, optional
    lang : {'vi', 'en'}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> em = pd.DataFrame({"year": [2018, 2020], "sector": "total",
    ...     "actual_tco2e": [1.00e6, 1.02e6], "bau_tco2e": [1.02e6, 1.10e6],
    ...     "reduction_pct": [1.96, 7.27],
    ...     "cap_voluntary_pct": [None, 3.0], "cap_national_pct": [None, 2.0],
    ...     "cap_international_pct": [None, 1.0], "target_pct": [None, 6.0]})
    >>> ax = plot_emissions_vs_bau(em, lang="en")
    >>> sorted(c.get_gid() for c in ax.collections if c.get_gid())
    ['tier_international', 'tier_national', 'tier_voluntary']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_lang(lang)
    em, tier_cols = _emission_rows(emissions, sector)
    years = em["year"].to_numpy(float)
    projected = (
        em["is_projection"].eq(True).to_numpy(dtype=bool)
        if "is_projection" in em.columns
        else np.zeros(len(em), dtype=bool)
    )
    seen = ~np.isnan(em["actual_tco2e"].to_numpy(float)) & ~projected
    with theme_context():
        ax = _new_ax(ax)
        remember_data(ax.figure, em)
        handles, cum = _tier_bands(ax, em, tier_cols, lang)
        handles += _path_years(ax, em, cum, lang)
        head = _bau_and_actual(ax, em, seen, lang)
        head += _projection(ax, em, seen, projected)
        _target_labels(ax, em, lang)
        _reduction_labels(ax, em, seen, lang)
        ax.set_title(_emissions_title(em, lang))
        ax.set_ylabel(f"{word('unit', lang)}: {unit_label('tCO2e', lang)}")
        ax.yaxis.set_major_formatter(axis_formatter(lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
        labels = [word("projection", lang) if isinstance(h, tuple) else h.get_label()
                  for h in head + handles]  # fmt: skip
        ax.legend(head + handles, labels, loc="upper left", fontsize="x-small")
    return ax


def _district_series(observations: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Return the preferred value per year of every district and of the province.

    Sorted by level, code and year; a district keeps one code across vintages.
    """
    obs = select_study_area(observations)
    best = preferred_values(obs[obs["indicator_id"] == indicator_id])
    best = best.sort_values(["area_level", "area_code", "year"], kind="stable")
    return best.drop(columns=["area_key", "conflict"]).reset_index(drop=True)


def _panel_target(target, targets: pd.DataFrame | None) -> tuple[float, float, float]:
    """Return (value, low, high) of the target drawn in every panel (NaN where none)."""
    if target is None:
        return math.nan, math.nan, math.nan
    if isinstance(target, int | float):
        return float(target), math.nan, math.nan
    tgt = resolve_target(target, targets)
    return tgt["value"], tgt["low"], tgt["high"]


def _district_panel(ax, name: str, prov: pd.DataFrame, target: tuple, lang: str) -> None:
    """Dress one district's panel: the province in grey, the target, title and ticks."""
    value, low, _high = target
    if not prov.empty:
        ax.plot(
            prov["year"], prov["value"], "-", color="#999999", linewidth=1.0,
            zorder=1, gid="province",
        )  # fmt: skip
    if not math.isnan(value):
        ax.axhline(value, color=_TARGET_COLOUR, linestyle="--", linewidth=0.9, gid="target")
    elif not math.isnan(low):
        ax.axhspan(low, target[2], color=_TARGET_COLOUR, alpha=0.12, gid="target_band")
    ax.set_title("\n".join(textwrap.wrap(str(name), 24)), fontsize="small", fontweight="normal")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    ax.yaxis.set_major_formatter(axis_formatter(lang))
    ax.tick_params(labelsize="x-small")


def _district_legend(fig, *, province: bool, target: bool, lang: str) -> None:
    handles = [
        Line2D([], [], color=_SERIES_COLOUR, marker="o", label=word("actual", lang)),
        Line2D([], [], color=_SERIES_COLOUR, marker="o", markerfacecolor="white", linestyle="--",
               label=word("provisional", lang)),
    ]  # fmt: skip
    if province:
        handles.append(Line2D([], [], color="#999999", label=word("province", lang)))
    if target:
        handles.append(
            Line2D([], [], color=_TARGET_COLOUR, linestyle="--", label=word("target", lang))
        )
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.02))


def _shared_limits(ax, districts: pd.DataFrame, *, summed: bool) -> None:
    """Set the limits the panels share where autoscaling misleads.

    A summed indicator (hectares, households) reads from zero, with room above the
    largest district; a series of one year gets a window of a year on each side (not
    matplotlib's default decades around a single point).
    """
    if summed:
        ax.set_ylim(0, 1.1 * max(float(districts["value"].max()), 0.0) or 1.0)
    years = districts["year"]
    if years.nunique() == 1:
        ax.set_xlim(int(years.iloc[0]) - 1, int(years.iloc[0]) + 1)


@reads(lambda a: {a["indicator_id"]})
def plot_district_small_multiples(
    observations: pd.DataFrame,
    indicator_id: str,
    *,
    target: float | str | pd.Series | dict | None = None,
    province: bool = True,
    col_wrap: int = 4,
    targets: pd.DataFrame | None = None,
    lang: str = "vi",
):
    """One small panel per district with the indicator's series, sharing their axes.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations; district rows are drawn, province rows as a grey reference.
    indicator_id : str
    target : float, target id or registry row, optional
        Drawn as a dashed line (a band for a range target) in every panel.
    province : bool, default True
        Draw the province series in grey in every panel, for an indicator whose province
        value is on the districts' scale (a rate or an average). A summed indicator's
        province value is the total of the districts (hectares, households): it is not
        drawn, as it would flatten every district's series.
    col_wrap : int, default 4
    targets : pandas.DataFrame, optional
        The registry, when *target* is an id.
    lang : {'vi', 'en'}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct",
    ...     "area_code": ["058", "058", "060", "060"], "area_level": "district",
    ...     "area_name": ["Thành phố Bắc Kạn"] * 2 + ["Huyện Pác Nặm"] * 2,
    ...     "year": [2019, 2020] * 2, "value": [60.0, 61.0, 80.0, 81.0], "status": "actual"})
    >>> fig = plot_district_small_multiples(obs, "forest_cover_pct", target=72, lang="en")
    >>> len([a for a in fig.axes if a.has_data()])
    2
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    check_lang(lang)
    obs = check_observations(observations)
    meta = indicator(indicator_id)
    data = _district_series(obs, indicator_id)
    districts = data[data["area_level"] == "district"].copy()
    if districts.empty:
        raise BkError(f"observations: no district rows for {indicator_id!r}")
    # a province total (a summed indicator) is not on a district's scale: no reference
    comparable = meta["aggregation"] != "sum"
    prov = data[data["area_level"] == "province"] if province and comparable else data.iloc[:0]
    # NOTE: a district is one code; its name is the latest name seen for it.
    names = districts.sort_values("year").groupby("area_code")["area_name"].last()
    districts["panel"] = districts["area_code"].map(names)
    order = [names[c] for c in sorted(names.index)]
    aim = _panel_target(target, targets)
    ncol = min(col_wrap, len(order))
    width_in = figsize("full")[0] / ncol

    unit = unit_label(meta["unit"], lang)
    with theme_context():
        # a grid of panels sharing both axes, as seaborn's FacetGrid(col_wrap=…) lays it
        # out, laid out once (by tight_layout below) instead of three times
        nrow = math.ceil(len(order) / ncol)
        fig = plt.figure(figsize=(ncol * width_in, nrow * width_in * 0.8))
        first = None
        for i, name in enumerate(order):
            ax = fig.add_subplot(nrow, ncol, i + 1, sharex=first, sharey=first)
            first = first or ax
            panel = districts[districts["panel"] == name].sort_values("year")
            _series_lines(ax, panel, _SERIES_COLOUR, lang=lang)
            _district_panel(ax, name, prov, aim, lang)
            ax.spines[["top", "right"]].set_visible(False)
            # tick labels on the left column and on the lowest panel of each column only
            ax.tick_params(labelleft=not i % ncol, labelbottom=i + ncol >= len(order))
            ax.set_ylabel(unit if not i % ncol else "")
        _shared_limits(first, districts, summed=not comparable)
        remember_data(fig, data)
        fig.suptitle(label_with_unit(indicator_id, lang), x=0.02, ha="left")
        has_target = not (math.isnan(aim[0]) and math.isnan(aim[1]))
        _district_legend(fig, province=not prov.empty, target=has_target, lang=lang)
        fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig

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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..catalog import indicator, indicator_label
from ..errors import BkError
from ._common import (
    axis_formatter,
    best_per_year,
    check_lang,
    comparator_text,
    format_number,
    label_with_unit,
    remember_data,
    require_columns,
    text_colour_on,
    theme_label,
    unit_label,
    word,
)
from .theme import OKABE_ITO, figsize, status_colour, status_label, status_table, theme_context

__all__ = [
    "plot_dashboard",
    "plot_district_small_multiples",
    "plot_emissions_vs_bau",
    "plot_target_series",
    "resolve_target",
]

_OBS_COLUMNS = ["indicator_id", "area_code", "area_level", "area_name", "year", "value", "status"]
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
    if isinstance(target, str):
        if targets is None:
            from ..targets import load_targets

            targets = load_targets()
        rows = targets[targets["target_id"] == target]
        if rows.empty:
            raise BkError(f"unknown target id {target!r}")
        row = rows.iloc[0].to_dict()
    elif isinstance(target, pd.Series | dict):
        row = dict(target)
    else:
        raise BkError(f"target must be a target id or a registry row, got {type(target).__name__}")
    for short, long in (("value", "target_value"), ("low", "target_low"), ("high", "target_high")):
        if short not in row and long in row:
            row[short] = row[long]
    for key in ("indicator_id", "comparator"):
        if not row.get(key):
            raise BkError(f"target {row.get('target_id', '?')!r}: missing {key!r}")
    comparator = row["comparator"]
    allowed = {">=", ">", "=", "<=", "<", "range", "maintain"}
    if comparator not in allowed:
        raise BkError(f"target {row.get('target_id', '?')!r}: unknown comparator {comparator!r}")
    for key in ("value", "low", "high", "baseline_year", "deadline"):
        row[key] = _nan(row.get(key))
    if comparator == "range":
        if math.isnan(row["low"]) or math.isnan(row["high"]):
            raise BkError(f"target {row.get('target_id', '?')!r}: a range needs low and high")
    elif math.isnan(row["value"]):
        raise BkError(f"target {row.get('target_id', '?')!r}: missing target value")
    row.setdefault("target_id", "")
    return row


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


def _assessment_row(assessment, target, area_code) -> dict | None:
    if assessment is None:
        return None
    require_columns(assessment, ["target_id", "area_code", "status"], "assessment")
    rows = assessment[assessment["target_id"] == target.get("target_id")]
    if rows.empty:
        return None
    here = rows[rows["area_code"] == area_code]
    return (here if not here.empty else rows).iloc[0].to_dict()


def _judged_points(a_row) -> pd.DataFrame | None:
    """Return the (year, value, status) points an assessment row judged, or None if it has none."""
    if not a_row or not isinstance(a_row.get("series"), tuple | list):
        return None
    pts = [p for p in a_row["series"] if len(p) >= 2]
    return pd.DataFrame(
        {
            "year": [int(p[0]) for p in pts],
            "value": [float(p[1]) for p in pts],
            "status": [(p[2] if len(p) > 2 and p[2] else "actual") for p in pts],
        }
    )


def plot_target_series(
    observations: pd.DataFrame,
    target: str | pd.Series | dict,
    *,
    assessment: pd.DataFrame | None = None,
    area_code: str | None = None,
    targets: pd.DataFrame | None = None,
    ax=None,
    lang: str = "vi",
):
    """Plot an indicator's series against one target.

    Actual values are filled markers on a solid line; preliminary and estimated values
    are hollow markers on a dashed line; plan values (``Kế hoạch``) are diamonds. The
    target is a star at the deadline (a band for a range, a horizontal line for a
    level to maintain); a dotted line runs from the baseline to the target. The
    status (from *assessment*, if given) is stated in a badge of its colour.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN §2).
    target : str, pandas.Series or dict
        A target id or a registry row (see :func:`resolve_target`).
    assessment : pandas.DataFrame, optional
        Output of :func:`bkanalysis.progress.assess`. Its row gives the status, the
        series it judged (a derived reduction, a tier part, the NTM share …) and the path
        it judged against, which are drawn as they are: the chart never assesses nor
        derives anything itself. Without it (or with a row lacking ``path``) the chart
        shows no status and a straight dotted line from the baseline to the target.
    area_code : str, optional
        The area to plot (default: the province rows).
    targets : pandas.DataFrame, optional
        The targets registry, when *target* is an id (default: the package's).
    ax : matplotlib.axes.Axes, optional
    lang : {'vi', 'en'}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "area_name": "Bắc Kạn", "year": [2018, 2019, 2020],
    ...     "value": [71.0, 72.1, 72.6], "status": ["actual", "actual", "preliminary"]})
    >>> ax = plot_target_series(obs, {"target_id": "forest_cover_2020",
    ...     "indicator_id": "forest_cover_pct", "comparator": ">=", "value": 72,
    ...     "deadline": 2020}, lang="en")
    >>> [float(line.get_ydata()[0]) for line in ax.lines if line.get_gid() == "target"]
    [72.0]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_lang(lang)
    require_columns(observations, _OBS_COLUMNS, "observations")
    tgt = resolve_target(target, targets)
    ind = tgt["indicator_id"]
    unit = indicator(ind)["unit"]
    obs = observations[observations["indicator_id"] == ind]
    if area_code is None:
        from ..study_area import select_study_area

        obs = select_study_area(obs)
        obs = obs[obs["area_level"] == "province"]
        area_code = obs["area_code"].iloc[0] if not obs.empty else "06"
    else:
        obs = obs[obs["area_code"] == area_code]
    a_row = _assessment_row(assessment, tgt, area_code)
    judged = _judged_points(a_row)
    reading = (a_row or {}).get("reading", "") or ""
    if a_row is not None and reading == "share_of_units":
        # NOTE: the target was judged as a share of each year's own units: draw that.
        tgt = {
            **tgt,
            "comparator": a_row["comparator"],
            "value": _nan(a_row.get("target_value")),
        }
        unit = "%"

    with theme_context():
        ax = _new_ax(ax)
        remember_data(ax.figure, obs)
        plan = obs[obs["status"] == "plan"].sort_values("year")
        if reading == "share_of_units":
            plan = plan.iloc[:0]  # plan counts are not shares
        if judged is not None:
            # the series the assessment judged (derived, share, tier part …), as it judged it
            series = judged
        else:
            series = best_per_year(obs[obs["status"] != "plan"], ["area_code"])
        handles = _series_lines(ax, series, _SERIES_COLOUR, lang=lang)
        if not plan.empty:
            (h,) = ax.plot(
                plan["year"], plan["value"], "D", color=_PLAN_COLOUR, markerfacecolor="white",
                markeredgewidth=1.2, gid="series_plan", label=word("plan", lang),
            )  # fmt: skip
            handles.append(h)

        deadline = tgt["deadline"]
        comparator = tgt["comparator"]
        target_text = comparator_text(comparator, tgt["value"], tgt["low"], tgt["high"], unit, lang)
        if reading == "share_of_units":
            target_text += " " + word("of_communes", lang)
        elif comparator == "range":
            target_text = "≥ " + target_text  # the plan's "đạt 3 – 4 %": reach at least
        label = f"{word('target', lang)} {int(deadline) if not math.isnan(deadline) else ''}: {target_text}"
        years = series["year"].tolist() + plan["year"].tolist()
        start = float(min(years)) if years else deadline - 1
        if not math.isnan(tgt["baseline_year"]):
            start = min(start, tgt["baseline_year"])
        if comparator == "range":
            band = Rectangle(
                (deadline - 0.3, tgt["low"]), 0.6, tgt["high"] - tgt["low"],
                facecolor=_TARGET_COLOUR, alpha=0.18, edgecolor=_TARGET_COLOUR,
                linewidth=0.8, gid="target_band", label=label,
            )  # fmt: skip
            ax.add_patch(band)
            handles.append(band)
        elif comparator == "maintain":
            (h,) = ax.plot(
                [start, deadline], [tgt["value"]] * 2, "--", color=_TARGET_COLOUR,
                linewidth=1.0, gid="maintain",
                label=f"{word('maintain', lang)} ({int(deadline)}): {target_text}",
            )  # fmt: skip
            handles.append(h)
            ax.plot(
                [deadline], [tgt["value"]], "*", color=_TARGET_COLOUR, markersize=10, gid="target"
            )
        elif not math.isnan(tgt["value"]):
            (h,) = ax.plot(
                [deadline], [tgt["value"]], "*", color=_TARGET_COLOUR, markersize=10,
                linestyle="none", gid="target", label=label,
            )  # fmt: skip
            handles.append(h)

        # the path the status was judged against: drawn from the assessment, never rebuilt
        path = tuple((a_row or {}).get("path") or ())
        kind = (a_row or {}).get("path_kind", "") or ""
        if a_row is not None and "path" in a_row:
            if path and kind in {"required", "projection"}:
                px, py = zip(*path, strict=True)
                (h,) = ax.plot(
                    list(px), list(py), ":", color="#555555", linewidth=1.1, gid="trajectory",
                    label=word("trajectory" if kind == "required" else "projection", lang),
                )  # fmt: skip
                handles.append(h)
        else:
            # a minimal assessment (status and baseline only) or none: a straight line
            # from the baseline to the target, as before
            base_year = _nan((a_row or {}).get("baseline_year"))
            base_value = _nan((a_row or {}).get("baseline_value"))
            if math.isnan(base_year):
                base_year = tgt["baseline_year"]
            if math.isnan(base_value) and not math.isnan(base_year):
                hit = series[series["year"] == base_year]
                base_value = float(hit["value"].iloc[0]) if not hit.empty else math.nan
            aim = tgt["low"] if comparator == "range" else tgt["value"]
            if comparator != "maintain" and not (
                math.isnan(base_year) or math.isnan(base_value) or base_year >= deadline
            ):
                (h,) = ax.plot(
                    [base_year, deadline], [base_value, aim], ":", color="#555555",
                    linewidth=1.1, gid="trajectory", label=word("trajectory", lang),
                )  # fmt: skip
                handles.append(h)

        # NOTE: the layout adapts to the width of the Axes, so a half-width (8 cm)
        # figure keeps a readable title, legend and year axis.
        width_in = ax.figure.get_figwidth() * ax.get_position().width
        narrow = width_in < 4.0
        status = (a_row or {}).get("status")
        pad = 4
        if status and isinstance(status, str):
            colour = status_colour(status)
            ax.text(
                0.0 if narrow else 1.0, 1.02,
                f"{word('status', lang)}: {status_label(status, lang)}",
                transform=ax.transAxes, ha="left" if narrow else "right", va="bottom",
                gid="status", color=text_colour_on(colour), fontweight="bold",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": colour, "edgecolor": "none"},
            )  # fmt: skip
            pad = 22 if narrow else 14
        chars = max(24, min(50, int(width_in * 72 / (mpl.rcParams["axes.titlesize"] * 0.62))))
        ax.set_title("\n".join(textwrap.wrap(indicator_label(ind, lang), chars)), pad=pad)
        unit_text = unit_label(unit, lang)
        if reading == "share_of_units":
            unit_text += " " + word("of_communes", lang)
        ax.set_ylabel(f"{word('unit', lang)}: {unit_text}")
        ax.set_xlim(start - 0.6, max([deadline, *years]) + 0.6)
        if reading in {"share_of_units", "count_as_reported", "conditional"}:
            from ..progress import reading_text

            # NOTE: the unit change / the conditional part is stated on the figure itself.
            text = reading_text(a_row, lang)
            chars = max(40, int(width_in * 72 / (mpl.rcParams["font.size"] * 0.5)))
            ax.text(
                0.01, 0.99, "\n".join(textwrap.wrap(text, chars)), transform=ax.transAxes,
                ha="left", va="top", fontsize="x-small", color="#333333", gid="reading",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "alpha": 0.85,
                      "edgecolor": "#BBBBBB"},
            )  # fmt: skip
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
    require_columns(assessment, ["target_id", "indicator_id", "status"], "assessment")
    if assessment.empty:
        raise BkError("assessment: no targets to draw")
    unknown = set(assessment["status"]) - set(status_table()["status"])
    if unknown:
        raise BkError(f"assessment: unknown status(es) {', '.join(sorted(map(str, unknown)))}")
    rows = _dashboard_rows(assessment, targets)
    lines: list[tuple[str, Any]] = []
    for theme, grp in rows.groupby("theme", sort=False):
        lines.append(("theme", theme))
        lines.extend(("target", r) for r in grp.itertuples(index=False))
    order = list(status_table()["status"])
    with theme_context():
        own = ax is None
        if own:
            # NOTE: 0.45 cm a row keeps every target on one A4 page with its caption
            # (0.55 cm made the dashboard 27.8 cm tall, taller than the text block)
            height_cm = 0.45 * len(lines) + 2.0
            _, ax = plt.subplots(figsize=figsize("full", height_cm / 16), layout="constrained")
        remember_data(ax.figure, assessment)
        labels = []
        present = set()
        for y, (kind, item) in enumerate(lines):
            if kind == "theme":
                labels.append("")
                ax.text(
                    0.0, y + 0.15, theme_label(item, lang).upper(), ha="left", va="center",
                    fontweight="bold", fontsize="small", gid="theme",
                )  # fmt: skip
                continue
            name = indicator_label(item.indicator_id, lang)
            if len(name) > max_label:
                name = name[: max_label - 1].rstrip() + "…"
            deadline = "" if math.isnan(item.deadline) else f" ({int(item.deadline)})"
            labels.append(name + deadline)
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
            first = item.first
            unit = indicator(item.indicator_id)["unit"]
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
                _nan(first.get("target_low")), _nan(first.get("target_high")), unit, lang,
            )  # fmt: skip
            ax.text(1.04, y, f"{latest_txt} → {tgt}", va="center", fontsize="x-small")
        ax.set_yticks(range(len(lines)), labels)
        ax.set_ylim(len(lines) - 0.5, -0.5)
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
            for s in order
            if s in present
        ]
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
            ncol=min(4, len(handles)), fontsize="x-small",
        )  # fmt: skip
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
        ``year, sector, actual_tco2e, bau_tco2e, target_pct`` and the tier caps
        ``cap_voluntary_pct, cap_national_pct, cap_international_pct`` (or, without
        them, ``tier_*_pct`` read as caps); ``actual_status`` (preliminary and estimated
        values are hollow) and ``is_projection`` are used when present.
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
    ...     "cap_voluntary_pct": [None, 3.0], "cap_national_pct": [None, 2.0],
    ...     "cap_international_pct": [None, 1.0], "target_pct": [None, 6.0]})
    >>> ax = plot_emissions_vs_bau(em, lang="en")
    >>> sorted(c.get_gid() for c in ax.collections if c.get_gid())
    ['tier_international', 'tier_national', 'tier_voluntary']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_lang(lang)
    require_columns(emissions, ["year", "actual_tco2e", "bau_tco2e", "target_pct"], "emissions")
    prefix = "cap" if "cap_voluntary_pct" in emissions.columns else "tier"
    tier_cols = [f"{prefix}_{t}_pct" for t in ("voluntary", "national", "international")]
    require_columns(emissions, tier_cols, "emissions")
    em = _pick_sector(emissions, sector).sort_values("year")
    if em.empty:
        raise BkError("emissions: no rows to draw")
    if em["year"].duplicated().any():
        raise BkError(
            f"emissions: year {em['year'][em['year'].duplicated()].iloc[0]} appears twice"
        )
    years = em["year"].to_numpy(float)
    bau = em["bau_tco2e"].to_numpy(float)
    projected = (
        em["is_projection"].eq(True).to_numpy(dtype=bool)
        if "is_projection" in em.columns
        else np.zeros(len(em), dtype=bool)
    )
    provisional = (
        em["actual_status"].isin(["preliminary", "estimate"]).to_numpy()
        if "actual_status" in em.columns
        else np.zeros(len(em), dtype=bool)
    )
    cum = np.zeros_like(bau)
    tiers = [("tier_voluntary", OKABE_ITO[2]), ("tier_national", OKABE_ITO[4]),
             ("tier_international", OKABE_ITO[6])]  # fmt: skip
    actual_colour = OKABE_ITO[5]
    with theme_context():
        ax = _new_ax(ax)
        remember_data(ax.figure, em)
        handles = []
        for (key, colour), col in zip(tiers, tier_cols, strict=True):
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
        if "target_kind" in em.columns:
            # years between two target years carry an interpolated path, never a target
            kinds = em["target_kind"].fillna("").to_numpy(dtype=object)
            between = kinds == "path"
            for i in np.flatnonzero(kinds == "path"):  # join the path to its target years
                for j in (i - 1, i + 1):
                    if 0 <= j < len(kinds) and kinds[j] == "target":
                        between[j] = True
            if (kinds == "path").any():
                top = bau * (1 - cum / 100)
                handles.append(
                    ax.fill_between(
                        years, top, bau, where=between & ~np.isnan(top), facecolor="none",
                        edgecolor=(0, 0, 0, 0.35), hatch="////", linewidth=0, gid="tier_path",
                        label=word("tier_path", lang),
                    )
                )  # fmt: skip
        (h_bau,) = ax.plot(
            years, bau, "-", color="#000000", linewidth=1.2, gid="bau", label=word("bau", lang)
        )
        act = em["actual_tco2e"].to_numpy(float)
        seen = ~np.isnan(act) & ~projected
        (h_act,) = ax.plot(
            years[seen], act[seen], "-", color=actual_colour, gid="actual",
            label=word("emissions_actual", lang), marker="o",
            markevery=list(np.flatnonzero(~provisional[seen])),
        )  # fmt: skip
        head = [h_bau, h_act]
        if (seen & provisional).any():
            (h,) = ax.plot(
                years[seen & provisional], act[seen & provisional], "o", color=actual_colour,
                markerfacecolor="white", markeredgewidth=1.2, gid="actual_provisional",
                label=word("provisional", lang),
            )  # fmt: skip
            head.append(h)
        fut = ~np.isnan(act) & projected
        if fut.any():
            # NOTE: the projection starts from the last observed value so the line is joined.
            start = np.flatnonzero(seen)[-1:] if seen.any() else np.array([], dtype=int)
            idx = np.concatenate([start, np.flatnonzero(fut)])
            (h,) = ax.plot(
                years[idx], act[idx], "--", color=actual_colour, linewidth=1.1,
                marker="o", markerfacecolor="white", markersize=3.5,
                markevery=list(range(len(start), len(idx))), gid="projection",
            )  # fmt: skip
            # the projected years are shaded, and the shading is part of the legend entry
            first_projected = years[fut].min() - 0.5
            span = ax.axvspan(
                first_projected, years.max() + 0.5, color="0.93", linewidth=0, zorder=0,
                gid="projection_span",
            )  # fmt: skip
            head.append((span, h))
        for y, b, t in zip(years, bau, em["target_pct"].to_numpy(float), strict=True):
            if not np.isnan(t) and int(y) in (2020, 2030):
                end = y == years.max()
                ax.annotate(
                    f"−{format_number(t, lang)} %", (y, b * (1 - t / 100)),
                    xytext=(-3 if end else 3, -3), textcoords="offset points",
                    ha="right" if end else "left", va="top", fontsize="x-small",
                    fontweight="bold", gid="target_pct",
                )  # fmt: skip
        # the achieved reduction: at the 2020 deadline (if observed) and the latest year
        labelled = [i for i in np.flatnonzero(seen) if int(years[i]) == 2020]
        if seen.any() and np.flatnonzero(seen)[-1] not in labelled:
            labelled.append(np.flatnonzero(seen)[-1])
        reduction = (
            em["reduction_pct"].to_numpy(float)
            if "reduction_pct" in em.columns
            else 100 * (bau - act) / bau
        )
        for i in labelled:
            red = reduction[i]
            ax.annotate(
                f"{format_number(red, lang, 1)} % {word('below_bau', lang)} ({int(years[i])})",
                (years[i], act[i]), xytext=(6, 0), textcoords="offset points",
                ha="left", va="center", fontsize="x-small", color=actual_colour, gid="reduction",
            )  # fmt: skip
        title = word("emissions_title", lang)
        chosen = em["sector"].iloc[0] if "sector" in em.columns else "total"
        if chosen != "total":
            try:
                title = indicator_label(f"ghg_emissions_{chosen}_tco2e", lang)
            except BkError:
                title = f"{title}: {chosen}"
        ax.set_title(title)
        ax.set_ylabel(f"{word('unit', lang)}: {unit_label('tCO2e', lang)}")
        ax.yaxis.set_major_formatter(axis_formatter(lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
        labels = [word("projection", lang) if isinstance(h, tuple) else h.get_label()
                  for h in head + handles]  # fmt: skip
        ax.legend(head + handles, labels, loc="upper left", fontsize="x-small")
    return ax


def _district_series(observations: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    obs = observations[
        (observations["indicator_id"] == indicator_id) & (observations["status"] != "plan")
    ]
    return best_per_year(obs, ["area_level", "area_code"])


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
    """One small panel per district with the indicator's series (seaborn FacetGrid).

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations; district rows are drawn, province rows as a grey reference.
    indicator_id : str
    target : float, target id or registry row, optional
        Drawn as a dashed line (a band for a range target) in every panel.
    province : bool, default True
        Draw the province series in grey in every panel.
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
    import seaborn as sns

    check_lang(lang)
    require_columns(observations, _OBS_COLUMNS, "observations")
    indicator(indicator_id)
    from ..study_area import select_study_area

    data = _district_series(select_study_area(observations), indicator_id)
    districts = data[data["area_level"] == "district"].copy()
    if districts.empty:
        raise BkError(f"observations: no district rows for {indicator_id!r}")
    prov = data[data["area_level"] == "province"]
    # NOTE: a district is one code; its name is the latest name seen for it.
    names = districts.sort_values("year").groupby("area_code")["area_name"].last()
    districts["panel"] = districts["area_code"].map(names)
    order = [names[c] for c in sorted(names.index)]
    value = low = high = math.nan
    if target is not None:
        if isinstance(target, int | float):
            value = float(target)
        else:
            tgt = resolve_target(target, targets)
            value, low, high = tgt["value"], tgt["low"], tgt["high"]
    unit = indicator(indicator_id)["unit"]
    ncol = min(col_wrap, len(order))
    width_in = figsize("full")[0] / ncol
    colour = _SERIES_COLOUR

    def _draw(data, **_kwargs):
        ax = plt.gca()
        _series_lines(ax, data.sort_values("year"), colour, lang=lang)

    with theme_context():
        grid = sns.FacetGrid(
            districts, col="panel", col_order=order, col_wrap=ncol, sharey=True,
            height=width_in * 0.8, aspect=1 / 0.8, despine=True,
        )  # fmt: skip
        grid.map_dataframe(_draw)
        for name, ax in grid.axes_dict.items():
            if province and not prov.empty:
                ax.plot(
                    prov["year"], prov["value"], "-", color="#999999", linewidth=1.0,
                    zorder=1, gid="province",
                )  # fmt: skip
            if not math.isnan(value):
                ax.axhline(value, color=_TARGET_COLOUR, linestyle="--", linewidth=0.9, gid="target")
            elif not math.isnan(low):
                ax.axhspan(low, high, color=_TARGET_COLOUR, alpha=0.12, gid="target_band")
            ax.set_title(
                "\n".join(textwrap.wrap(str(name), 24)), fontsize="small", fontweight="normal"
            )
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.yaxis.set_major_formatter(axis_formatter(lang))
            ax.tick_params(labelsize="x-small")
        grid.set_axis_labels("", unit_label(unit, lang))
        for i, ax in enumerate(grid.axes.flat):
            if i % ncol:
                ax.tick_params(labelleft=False)
        fig = grid.figure
        remember_data(fig, data)
        handles = [
            Line2D([], [], color=colour, marker="o", label=word("actual", lang)),
            Line2D([], [], color=colour, marker="o", markerfacecolor="white", linestyle="--",
                   label=word("provisional", lang)),
        ]  # fmt: skip
        if province and not prov.empty:
            handles.append(Line2D([], [], color="#999999", label=word("province", lang)))
        if not (math.isnan(value) and math.isnan(low)):
            handles.append(
                Line2D([], [], color=_TARGET_COLOUR, linestyle="--", label=word("target", lang))
            )
        fig.suptitle(label_with_unit(indicator_id, lang), x=0.02, ha="left")
        fig.legend(
            handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.02)
        )
        fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig

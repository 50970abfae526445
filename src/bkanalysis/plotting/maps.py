"""Commune maps: choropleths, small multiples across years, "meets the target?" maps.

Values are joined to the boundaries on ``area_code`` within one administrative
vintage (DESIGN §2: codes are reused across vintages), never on names. Boundaries are
passed as a GeoDataFrame (``area_code``, ``geometry``; ``district_code`` for the
district outlines) or loaded for the vintage, with their outlines, by
:func:`bkanalysis.admin.boundaries.vintage_boundaries` (which falls back to the geo
mirror, ``BKANALYSIS_GEO_MIRROR``). The commune names are placed by
:mod:`bkanalysis.plotting.placement`.

The 2025 vintage has no districts (they were abolished on 2025-07-01), so its maps
carry the province outline only.
"""

from __future__ import annotations

import math
import re
import textwrap
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..admin.boundaries import Outlines, boundary_outlines, vintage_boundaries
from ..admin.gazetteer import gazetteer
from ..catalog import indicator, indicator_label, read_package_csv
from ..errors import BkError
from ..labels import unit_label, word
from ..observations import check_observations, preferred_values
from ..schema import VINTAGES, vintage_for_year
from ._common import (
    COUNT_UNITS,
    axis_formatter,
    check_frame,
    check_lang,
    comparator_text,
    deferred_draw,
    format_number,
    remember_data,
)
from .charts import resolve_target
from .placement import label_communes, label_mode
from .recipe import reads
from .theme import (
    SEQUENTIAL_CMAP,
    figsize,
    status_colour,
    status_label,
    status_table,
    theme_context,
)

__all__ = [
    "SCHEMES",
    "commune_values",
    "plot_commune_map",
    "plot_commune_small_multiples",
    "plot_target_map",
]

#: Classification schemes accepted by the maps (mapclassify names).
SCHEMES: tuple[str | None, ...] = ("quantiles", "equal_interval", "natural_breaks", None)
_MISSING_STYLE = {
    "facecolor": "#F4F4F4",
    "edgecolor": "#8C8C8C",
    "hatch": "/////",
    "linewidth": 0.3,
}
#: Units a commune-only indicator does not apply to (wards, towns): plain light grey.
_NOT_APPLICABLE_STYLE = {"facecolor": "#DDDDDD", "edgecolor": "white", "linewidth": 0.3}


def _check_vintage(vintage: str) -> str:
    vintage = str(vintage)
    if vintage not in VINTAGES:
        raise BkError(f"vintage must be one of {', '.join(VINTAGES)}, got {vintage!r}")
    return vintage


def _boundaries(vintage: str, boundaries) -> tuple[Any, Outlines]:
    """Return the map's communes (``area_code``, ``area_name``, ``district_code``) and outlines.

    Without *boundaries* those of *vintage* are loaded (:func:`bkanalysis.admin.boundaries.vintage_boundaries`,
    which keeps them and their outlines for the next map); a caller's GeoDataFrame is
    checked and its outlines drawn from it.
    """
    if boundaries is None:
        gdf, outlines = vintage_boundaries(vintage)
        return _checked_boundaries(gdf, vintage), outlines
    gdf = _checked_boundaries(boundaries, vintage)
    return gdf, boundary_outlines(gdf)


def _checked_boundaries(gdf, vintage: str):
    """Return a copy of *gdf* with ``area_code``, ``area_name``, ``district_code``, one row a code."""
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
    obs = check_observations(observations)
    obs = obs[
        (obs["indicator_id"] == indicator_id)
        & (obs["area_level"] == "commune")
        & (obs["year"] == int(year))
        & (obs["status"] != "plan")
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
    best = preferred_values(here)  # one vintage, one year: one row per commune code
    return best.drop(columns=["area_key", "conflict"]).reset_index(drop=True)


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


def _outlines(ax, outlines: Outlines, district_outlines: bool) -> None:
    if district_outlines and outlines.districts is not None:
        outlines.districts.plot(ax=ax, color="#333333", linewidth=0.8, gid="district_outlines")
    outlines.province.plot(ax=ax, color="#000000", linewidth=1.0, gid="province_outline")


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


class _Classes(NamedTuple):
    """How a choropleth colours its values: a mapclassify scheme, or a continuous bar."""

    scheme: str | None
    k: int
    cmap: str
    bins: Any = None  # class limits shared by the panels of small multiples
    vmin: float | None = None  # the colour bar's range shared by those panels
    vmax: float | None = None


def _choropleth_kwargs(merged, classes: _Classes, *, unit: str, lang: str, legend: bool) -> dict:
    """Return the keywords of ``GeoDataFrame.plot`` for the classes and legend asked for."""
    kwargs: dict[str, Any] = {
        "column": "value",
        "cmap": classes.cmap,
        "edgecolor": "white",
        "linewidth": 0.3,
        "missing_kwds": {**_MISSING_STYLE, "label": word("no_data", lang)},
        "legend": legend,
    }
    n_unique = merged["value"].dropna().nunique()
    if classes.bins is not None:
        kwargs |= {"scheme": "user_defined", "classification_kwds": {"bins": list(classes.bins)}}
    elif classes.scheme is not None and n_unique >= 2:
        kwargs |= {"scheme": classes.scheme, "k": int(min(classes.k, n_unique))}
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
        kwargs["vmin"], kwargs["vmax"] = classes.vmin, classes.vmax
    return kwargs


def _draw_choropleth(ax, merged, classes: _Classes, *, unit: str, lang: str, legend: bool = True):
    missing = merged["value"].isna()
    kwargs = _choropleth_kwargs(merged, classes, unit=unit, lang=lang, legend=legend)
    if missing.all():
        merged.plot(ax=ax, **_MISSING_STYLE)
        handles = [Patch(**_MISSING_STYLE, label=word("no_data", lang))]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return
    before = set(ax.figure.axes)
    merged.plot(ax=ax, **kwargs)
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


# NOTE: the keyword options are the public signature in docs/figures.md (ax=, lang=,
# labels=, …, as matplotlib/geopandas do); grouping them would break every caller.
@reads(lambda a: {a["indicator_id"]})
def plot_commune_map(  # noqa: PLR0913
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
    mode = label_mode(labels)
    vintage = _check_vintage(vintage or vintage_for_year(year))
    unit = indicator(indicator_id)["unit"]
    values = commune_values(observations, indicator_id, year, vintage)
    gdf, outlines = _boundaries(vintage, boundaries)
    merged = _join(gdf, values, "observations")
    with theme_context():
        if ax is None:
            _, ax = plt.subplots(figsize=figsize("full", 0.75), layout="constrained")
        remember_data(ax.figure, pd.DataFrame(merged.drop(columns="geometry")))
        with deferred_draw(ax.figure):
            _draw_choropleth(ax, merged, _Classes(scheme, k, cmap), unit=unit, lang=lang)
            _outlines(ax, outlines, district_outlines)
            if title is True:
                title = f"{indicator_label(indicator_id, lang)}, {int(year)}"
            _finish_map(ax, title or "")
            label_communes(ax, merged, mode)
    return ax


def _shared_classes(values: list[pd.Series], classes: _Classes) -> _Classes:
    """Give every panel the same classes: limits over the pooled values, one colour-bar range."""
    # NOTE: imported here, not at the top: mapclassify (with scipy) takes seconds to
    # import and only the common classification of small multiples needs it.
    import mapclassify

    pooled = pd.concat(values).dropna().to_numpy(float)
    bins = None
    if classes.scheme is not None and len(np.unique(pooled)) >= 2:
        kk = int(min(classes.k, len(np.unique(pooled))))
        bins = mapclassify.classify(pooled, classes.scheme, k=kk).bins
    if not len(pooled):
        return classes._replace(bins=bins)
    return classes._replace(bins=bins, vmin=pooled.min(), vmax=pooled.max())


# NOTE: the keyword options are the public signature in docs/figures.md (ax=, lang=,
# labels=, …, as matplotlib/geopandas do); grouping them would break every caller.
@reads(lambda a: {a["indicator_id"]})
def plot_commune_small_multiples(  # noqa: PLR0913
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
        gdf, outlines = _boundaries(v, b)
        merged = _join(gdf, commune_values(observations, indicator_id, y, v), "observations")
        panels.append((y, outlines, merged))
    classes = _shared_classes([m["value"] for *_, m in panels], _Classes(scheme, k, cmap))
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
            for i, (ax, (y, outlines, merged)) in enumerate(zip(axes.flat, panels, strict=False)):
                last = i == len(panels) - 1
                _draw_choropleth(ax, merged, classes, unit=unit, lang=lang, legend=last)
                _outlines(ax, outlines, district_outlines)
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
    rules = read_package_csv("commune_only_indicators.csv").set_index("indicator_id")
    no_value = merged["value"].isna()
    if indicator_id not in rules.index:
        return pd.Series(False, index=merged.index)
    types = set(rules.loc[indicator_id, "unit_types"].split("|"))
    units = gazetteer(vintage)
    kind = dict(zip(units["area_code"].astype(str), units["unit_type"], strict=True))
    other = merged["area_code"].map(lambda c: c in kind and kind[c] not in types)
    return no_value & other.astype(bool)


def _target_of(target):
    """Return a ``(indicator_id, comparator, value)`` tuple as a registry-like row."""
    if not isinstance(target, tuple):
        return target
    if len(target) != 3:
        raise BkError(f"target tuple must be (indicator_id, comparator, value), got {target!r}")
    return {"indicator_id": target[0], "comparator": target[1], "value": target[2]}


def _target_statuses(merged, tgt: dict, year: int) -> np.ndarray:
    """Return each commune's status in *year*: meets the target or not, or no data.

    Before the deadline: achieved / off track; from the deadline year on: met / missed.
    """
    meets = _meets(merged["value"], tgt)
    late = not math.isnan(tgt.get("deadline", math.nan)) and int(year) >= tgt["deadline"]
    status = np.where(meets, "met" if late else "achieved", "missed" if late else "off_track")
    return np.where(merged["value"].isna(), "insufficient_data", status)


def _assessed_statuses(merged, assessment: pd.DataFrame, tgt: dict, vintage: str) -> list[str]:
    """Return the statuses of the assessment's commune rows for the target, where it has them."""
    check_frame(
        assessment, ["target_id", "area_code", "status"], what="assessment",
        made_by="bkanalysis.assess(observations)",
    )  # fmt: skip
    a = assessment[assessment["target_id"] == tgt["target_id"]]
    if "admin_vintage" in a.columns:
        a = a[a["admin_vintage"].astype(str) == vintage]
    given = dict(zip(a["area_code"], a["status"], strict=True))
    return [
        given.get(code, s)
        for code, s in zip(merged["area_code"], merged["target_status"], strict=True)
    ]


def _status_areas(ax, merged, not_applicable: pd.Series, lang: str) -> list:
    """Fill the communes in their status colours (not applicable in grey); return the legend."""
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
    return handles


# NOTE: the keyword options are the public signature in docs/figures.md (ax=, lang=,
# labels=, …, as matplotlib/geopandas do); grouping them would break every caller.
@reads(lambda a: {resolve_target(_target_of(a["target"]), a["targets"])["indicator_id"]})
def plot_target_map(  # noqa: PLR0913
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
    mode = label_mode(labels)
    tgt = resolve_target(_target_of(target), targets)
    ind = tgt["indicator_id"]
    vintage = _check_vintage(vintage or vintage_for_year(year))
    gdf, outlines = _boundaries(vintage, boundaries)
    merged = _join(gdf, commune_values(observations, ind, year, vintage), "observations")
    merged["target_status"] = _target_statuses(merged, tgt, year)
    if assessment is not None and tgt.get("target_id"):
        merged["target_status"] = _assessed_statuses(merged, assessment, tgt, vintage)
    not_applicable = _not_applicable(merged, ind, vintage)
    rule = comparator_text(
        tgt["comparator"], tgt["value"], tgt["low"], tgt["high"],
        unit=indicator(ind)["unit"], lang=lang,
    )  # fmt: skip
    with theme_context():
        if ax is None:
            _, ax = plt.subplots(figsize=figsize("full", 0.75), layout="constrained")
        remember_data(ax.figure, pd.DataFrame(merged.drop(columns="geometry")))
        with deferred_draw(ax.figure):
            handles = _status_areas(ax, merged, not_applicable, lang)
            _outlines(ax, outlines, district_outlines)
            ax.legend(handles=handles, title=rule, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            _finish_map(ax, f"{indicator_label(ind, lang)} {rule}, {int(year)}")
            label_communes(ax, merged, mode)
    return ax

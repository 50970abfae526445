"""Bắc Kạn against its region and the country (issue 15).

The statistics office's all-province tables give the country (``VN``) and the region
(``VN-R2``, Northern midlands and mountain areas) beside the province. Only rates are
compared — indicators in % aggregated as a (weighted) mean in the catalog, e.g. population-
or household-weighted shares and forest cover; totals (population, areas, counts) are not
comparable across areas of different sizes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..catalog import indicator_label, load_indicators
from ..errors import BkError
from ..observations import check_observations, preferred_values
from ._common import check_lang, format_number, remember_data
from .theme import OKABE_ITO, figsize

__all__ = ["COMPARISON_AREAS", "comparison_values", "plot_area_comparison"]

#: The study area, its region and the country, in drawing order.
COMPARISON_AREAS = ("06", "VN-R2", "VN")
_AREA_NAMES = {
    "06": {"vi": "Bắc Kạn", "en": "Bắc Kạn"},
    "VN-R2": {"vi": "Trung du và miền núi phía Bắc", "en": "Northern midlands and mountains"},
    "VN": {"vi": "Cả nước", "en": "Viet Nam"},
}


def comparison_values(observations: pd.DataFrame, *, year: int | None = None) -> pd.DataFrame:
    """Return the latest comparable value of each rate for Bắc Kạn, its region and the country.

    For every indicator in % aggregated as a mean (``mean`` or ``weighted_mean:…`` in the
    catalog), the latest year up to *year* in which Bắc Kạn (``06``) and the region or the
    country both have a value is kept (actual before preliminary before estimate; plans
    never).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, year, area_code, value, status`` (possibly empty).
    """
    observations = check_observations(observations)
    cat = load_indicators()
    is_rate = cat["aggregation"].str.match(r"^(mean|weighted_mean:)") & (cat["unit"] == "%")
    rates = set(cat.loc[is_rate, "id"])
    obs = observations[
        observations["area_code"].isin(COMPARISON_AREAS)
        & observations["area_level"].isin(["province", "region", "country"])
        & observations["indicator_id"].isin(rates)
        & (observations["status"] != "plan")
    ]
    if year is not None:
        obs = obs[obs["year"] <= int(year)]
    obs = preferred_values(obs).sort_values(["indicator_id", "area_code", "year"], kind="stable")
    out = []
    for _ind, grp in obs.groupby("indicator_id", sort=True):
        by_year = grp.groupby("year")["area_code"].agg(set)
        ok = [y for y, codes in by_year.items() if "06" in codes and len(codes) > 1]
        if ok:
            y = max(ok)
            out.append(grp[grp["year"] == y])
    cols = ["indicator_id", "year", "area_code", "value", "status"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]


def plot_area_comparison(
    observations: pd.DataFrame, *, year: int | None = None, ax=None, lang: str = "vi"
):
    """Draw Bắc Kạn against its region and the country, one group of bars per rate.

    Parameters
    ----------
    observations : pandas.DataFrame
        Observations holding the comparison areas
        (``bkanalysis.load_observations(include=["VN", "VN-R2"])``).
    year : int, optional
        Latest year considered.
    ax : matplotlib.axes.Axes, optional
    lang : {'vi', 'en'}

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    BkError
        When no rate has a value for Bắc Kạn and for the region or the country in the
        same year.
    """
    check_lang(lang)
    data = comparison_values(observations, year=year)
    if data.empty:
        raise BkError(
            "observations: no rate with values for Bắc Kạn and its region or the country "
            "in the same year (load them with load_observations(include=['VN', 'VN-R2']))"
        )
    inds = list(dict.fromkeys(data["indicator_id"]))
    if ax is None:
        w, _h = figsize("full")
        _fig, ax = plt.subplots(figsize=(w, 0.9 + 0.75 * len(inds)))
    height = 0.8 / len(COMPARISON_AREAS)
    for k, code in enumerate(COMPARISON_AREAS):
        rows = data[data["area_code"] == code].set_index("indicator_id")
        ys = [i + (k - 1) * height for i, ind in enumerate(inds) if ind in rows.index]
        vals = [float(rows.loc[ind, "value"]) for ind in inds if ind in rows.index]
        if not vals:
            continue
        bars = ax.barh(
            ys, vals, height=height * 0.95, color=OKABE_ITO[k % len(OKABE_ITO)],
            label=_AREA_NAMES[code][lang],
        )  # fmt: skip
        for bar, v in zip(bars, vals, strict=True):
            ax.text(
                bar.get_width(), bar.get_y() + bar.get_height() / 2,
                " " + format_number(v, lang, 2 if round(v, 1) != round(v, 2) else 1),
                va="center", fontsize="small",
            )  # fmt: skip
    labels = []
    for ind in inds:
        y = int(data.loc[data["indicator_id"] == ind, "year"].iloc[0])
        labels.append(f"{indicator_label(ind, lang)} ({y})")
    ax.set_xlim(0, 1.12 * max(float(data["value"].max()), 1.0))
    ax.set_yticks(range(len(inds)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("%")
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(
        {"vi": "Bắc Kạn so với vùng và cả nước", "en": "Bắc Kạn against its region and Viet Nam"}[
            lang
        ]
    )
    remember_data(ax.figure, data)
    return ax

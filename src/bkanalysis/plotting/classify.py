"""Choropleth classes for the commune maps, as mapclassify makes them.

geopandas classifies with mapclassify (``plot(scheme=...)``), and importing mapclassify
imports scipy and scikit-learn: more than a second in every notebook kernel, for the
few lines of numpy the maps' schemes need. This module computes what mapclassify
computes -- the class limits of ``Quantiles``, ``EqualInterval`` and ``UserDefined``,
each value's class (``find_bin``) and the legend's limits (``get_legend_classes``) --
and the maps draw the classes as a categorical column, which geopandas colours and
labels the way it does a scheme. ``natural_breaks`` (k-means) still asks mapclassify
for its limits. tests/test_maps.py compares every result with mapclassify's.

Examples
--------
>>> import numpy as np
>>> y = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
>>> class_limits(y, "quantiles", 2).tolist(), class_limits(y, "equal_interval", 3).tolist()
([3.0, 10.0], [4.0, 7.0, 10.0])
>>> find_class(y, np.array([3.0, 10.0])).tolist()
[0, 0, 0, 1, 1]
>>> legend_classes(y, np.array([3.0, 10.0]), "{:.1f}")
['[ 1.0,  3.0]', '( 3.0, 10.0]']
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["class_limits", "find_class", "legend_classes", "user_limits"]


def _percentile(sorted_y: np.ndarray, per: float) -> float:
    """Return the *per*-th percentile of *sorted_y* (as ``scipy.stats.scoreatpercentile``)."""
    idx = per / 100.0 * (len(sorted_y) - 1)
    i = int(idx)
    if i == idx:
        return float(sorted_y[i])
    weights = np.array([(i + 1 - idx), (idx - i)], float)
    return float(np.add.reduce(sorted_y[i : i + 2] * weights) / weights.sum())


def _quantiles(y: np.ndarray, k: int) -> np.ndarray:
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    sorted_y = np.sort(y)
    q = np.unique(np.array([_percentile(sorted_y, pct) for pct in p]))
    if len(q) < k:
        warnings.warn(
            f"not enough unique values in the data for {k} quantile classes; "
            f"{len(q)} classes are made",
            UserWarning,
            stacklevel=3,
        )
    return q


def _equal_intervals(y: np.ndarray, k: int) -> np.ndarray:
    max_y, min_y = max(y), min(y)
    width = (max_y - min_y) * 1.0 / k
    cuts = np.arange(min_y + width, max_y + width, width)
    if len(cuts) > k:  # handle overshooting
        cuts = cuts[0:k]
    cuts[-1] = max_y
    return cuts.copy()


def class_limits(y, scheme: str, k: int) -> np.ndarray:
    """Return the upper limits of the classes of *y* for *scheme* (``k`` classes at most).

    ``"quantiles"`` and ``"equal_interval"`` are computed here as mapclassify does;
    ``"natural_breaks"`` is left to mapclassify (imported then).
    """
    y = np.asarray(y, float).ravel()
    if scheme == "quantiles":
        return _quantiles(y, k)
    if scheme == "equal_interval":
        return _equal_intervals(y, k)
    if scheme == "natural_breaks":
        import mapclassify  # k-means: not worth writing out; the only scheme importing it

        return np.asarray(mapclassify.classify(y, scheme, k=k).bins)
    raise ValueError(f"unknown classification scheme {scheme!r}")


def user_limits(y, limits) -> np.ndarray:
    """Return *limits* as mapclassify's ``UserDefined`` keeps them (the maximum of *y* added)."""
    y = np.asarray(y, float).ravel()
    limits = np.asarray(limits, float)
    if len(y) and limits[-1] < max(y):
        limits = np.append(limits, max(y))
    return np.array(limits)


def find_class(x, limits: np.ndarray) -> np.ndarray:
    """Return the class of each value of *x*: the first limit at or above it (else the last)."""
    right = np.digitize(np.asarray(x, float).ravel(), limits, right=True)
    if len(right) and right.max() == len(limits):
        right[right == len(limits)] = len(limits) - 1
    return right


def legend_classes(y, limits: np.ndarray, fmt: str) -> list[str]:
    """Return the legend's class intervals (``[lo, hi]``, then ``(lo, hi]``), as mapclassify."""
    lowest = np.asarray(y, float).min()
    lower_open = bool(lowest > limits[0])
    if lower_open:
        lowest = -np.inf
    edges = [fmt.format(edge) for edge in np.insert(limits, 0, lowest)]
    width = max(len(e) for e in edges)
    k = len(edges) - 1
    left = ["(" if lower_open else "[", *["("] * k]
    return [f"{left[i]}{edges[i]:>{width}}, {edges[i + 1]:>{width}}]" for i in range(k)]

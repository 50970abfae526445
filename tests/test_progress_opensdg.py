"""Open SDG's published progress measure (method='opensdg'), rule by rule.

Reference: sdg-build ``sdg/ProgressMeasure.py`` (class ``SeriesProgress``: ``__init__``,
``calculate_progress_value``, ``methodology_1``/``methodology_2``, ``is_target_achieved``,
``get_progress_thresholds``, ``get_score``; functions ``growth_calculation``,
``get_progress_status``, ``get_progress_status_from_score``), its test assets
``tests/assets/progress-calculation/`` (indicators 1-1-1 and 3-3-3) and the methodology
page of Open SDG (``docs/progress-methodology.md``: thresholds 95 %/60 %/0 with a target,
1.5 %/0.5 %/0 without, the scaling factor C near a natural limit). Every expectation
below is computed by hand in the comment next to it.
"""

import math

import numpy as np
import pandas as pd
import pytest

from bkanalysis.progress import assess, opensdg_progress
from bkanalysis.targets import Target


def series_obs(points, indicator_id="ref_series"):
    return pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "area_code": "06",
            "area_level": "province",
            "year": list(points),
            "value": [float(v) for v in points.values()],
            "status": "actual",
        }
    )


def via_assess(points, **target_kw):
    """Run one reference series through assess(method='opensdg') with an ad-hoc Target."""
    kw = {k: target_kw.pop(k) for k in ("base_year", "thresholds", "as_of") if k in target_kw}
    t = Target(indicator_id="ref_series", **target_kw)
    res = assess(series_obs(points), targets=[t], method="opensdg", **kw)
    assert len(res) == 1
    return res.iloc[0]


# ------------------------------------------------ sdg-build test assets
def test_sdg_build_asset_1_1_1_no_target_default_direction():
    # indicator_1-1-1.csv headline: 2020 = 100, 2021 = 120; config: no target, defaults
    # (base 2015 -> next year with data 2020; direction negative). CAGR = 0.2,
    # progress value = -0.2; score = max(125 * -0.2 - 2.5, -5) = -5 -> deterioration.
    r = opensdg_progress({2020: 100, 2021: 120})
    assert r["base_year"] == 2020
    assert r["progress_value"] == pytest.approx(-0.2)
    assert r["score"] == -5
    assert r["status"] == "deterioration"
    row = via_assess({2020: 100, 2021: 120}, comparator="<=", value=None, year=2030)
    assert (row["opensdg_status"], row["status"]) == ("deterioration", "deteriorating")


def test_sdg_build_asset_3_3_3_zero_target():
    # indicator_3-3-3.csv headline, config {direction: negative, target: 0}:
    # base 2015 = 1.55, current 2019 = 1.82; target 0 -> 0.001.
    # CAGR_o = (1.82/1.55)^(1/4) - 1 = 0.040962; CAGR_r = (0.001/1.55)^(1/15) - 1 = -0.387211
    # value = -1 * 0.040962 / 0.387211 = -0.105788; score = 4.1667 * v - 2.5 = -2.9408
    data = {2010: 1.51, 2011: 1.51, 2012: 1.38, 2013: 1.4, 2014: 1.27, 2015: 1.55,
            2016: 1.69, 2017: 1.65, 2018: 1.62, 2019: 1.82}  # fmt: skip
    r = opensdg_progress(data, target=0, direction=-1)
    assert r["target"] == 0.001
    assert r["progress_value"] == pytest.approx(-0.105788, abs=1e-6)
    assert r["score"] == pytest.approx(-2.9408, abs=1e-4)
    assert r["status"] == "deterioration"
    row = via_assess(data, comparator="<=", value=0, year=2030)
    assert row["opensdg_status"] == "deterioration"
    assert row["measure"] == pytest.approx(-0.105788, abs=1e-6)


# ------------------------------------------------ with a target (methodology 2)
@pytest.mark.parametrize(
    ("latest", "expected_value", "status"),
    [
        # base 2015 = 50, target 80 in 2030: CAGR_r = 1.6^(1/15) - 1 = 0.031815
        # 60 in 2020: CAGR_o = 1.2^(1/5) - 1 = 0.037137, R = 1.16675 -> substantial
        (60, 1.16675, "substantial_progress"),
        # 55: CAGR_o = 1.1^(1/5) - 1 = 0.019245, R = 0.60462; score = 0.0330 -> moderate
        (55, 0.60462, "moderate_progress"),
        # 52: CAGR_o = 1.04^(1/5) - 1 = 0.0078750, R = 0.24741 -> limited
        (52, 0.24741, "limited_progress"),
        # 48: CAGR_o = 0.96^(1/5) - 1 = -0.0081312, R = -0.25546 -> deterioration
        (48, -0.25546, "deterioration"),
        (80, None, "target_achieved"),
    ],
)
def test_quantitative_target_bands(latest, expected_value, status):
    r = opensdg_progress({2015: 50, 2020: latest}, target=80, target_year=2030, direction=1)
    assert r["status"] == status
    if expected_value is not None:
        assert r["progress_value"] == pytest.approx(expected_value, abs=1e-5)
    row = via_assess({2015: 50, 2020: latest}, comparator=">=", value=80, year=2030)
    assert row["opensdg_status"] == status


def test_decreasing_target():
    # 20 (2015) -> 15 (2020), target 10 by 2030, decrease: CAGR_o = 0.75^(1/5) - 1 =
    # -0.0559128; CAGR_r = 0.5^(1/15) - 1 = -0.0451583; R = -1 * -0.0559128 / 0.0451583
    # = 1.23814 -> substantial
    r = opensdg_progress({2015: 20, 2020: 15}, target=10, direction=-1)
    assert r["progress_value"] == pytest.approx(1.23814, abs=1e-5)
    assert r["status"] == "substantial_progress"


def test_band_after_the_target_year():
    # target 60 by 2020, base 2015 = 50, latest 2022 = 58 (target year passed, not met):
    # the published method still gives the band. CAGR_o = 1.16^(1/7) - 1 = 0.021429;
    # CAGR_r = 1.2^(1/5) - 1 = 0.037137; R = 0.57703; score = -0.0957 -> limited
    pts = {2015: 50, 2022: 58}
    r = opensdg_progress(pts, target=60, target_year=2020, direction=1)
    assert r["progress_value"] == pytest.approx(0.57703, abs=1e-5)
    assert r["status"] == "limited_progress"
    row = via_assess(pts, comparator=">=", value=60, year=2020)
    assert (row["opensdg_status"], row["status"], row["progress"]) == (
        "limited_progress",
        "off_track",
        "limited",
    )
    # the plan method keeps met/missed (no value for 2020 here -> insufficient)
    plan = assess(series_obs(pts), targets=[Target("ref_series", ">=", 60, 2020)])
    assert plan.iloc[0]["status"] == "insufficient_data"


def test_target_achieved_even_with_one_point():
    # is_target_achieved does not need a growth rate: 9 <= 10 (decrease)
    r = opensdg_progress({2021: 9}, target=10, direction=-1)
    assert (r["status"], r["score"]) == ("target_achieved", 5)
    r = opensdg_progress({2021: 11}, target=10, direction=-1)
    assert r["status"] == "not_available"  # one point, not achieved


# ------------------------------------------------ zero base, crossing zero
def test_zero_base_value_substituted_and_growth_computed():
    # base 0 -> 0.001; CAGR = (5/0.001)^(1/5) - 1 = 4.49280; score = min(500v - 5, 5) = 5
    r = opensdg_progress({2015: 0, 2020: 5}, direction=1)
    assert r["base_value"] == 0.001
    assert r["progress_value"] == pytest.approx(4.49280, abs=1e-5)
    assert r["status"] == "substantial_progress"
    assert any("base value 0" in n for n in r["notes"])
    # the substitute is a parameter
    r = opensdg_progress({2015: 0, 2020: 5}, direction=1, zero_substitute=1.0)
    assert r["progress_value"] == pytest.approx(5**0.2 - 1)


@pytest.mark.parametrize("pts", [{2015: 5, 2020: -1}, {2015: -3, 2020: 2}, {2015: 0, 2020: -2}])
def test_series_crossing_zero_cannot_be_computed(pts):
    r = opensdg_progress(pts, direction=1)
    assert r["status"] == "not_available"
    assert r["progress_value"] is None
    row = via_assess(pts, comparator=">=", value=None, year=2030)
    assert (row["opensdg_status"], row["status"]) == ("not_available", "insufficient_data")


def test_negative_values_use_the_sign():
    # -10 -> -5, increase desired: CAGR = 0.5^(1/5) - 1 = -0.129449, sign -1 -> +0.129449
    r = opensdg_progress({2015: -10, 2020: -5}, direction=1)
    assert r["progress_value"] == pytest.approx(0.129449, abs=1e-6)
    assert r["status"] == "substantial_progress"


# ------------------------------------------------ no target (methodology 1)
@pytest.mark.parametrize(
    ("growth", "status", "score"),
    [
        (0.02, "substantial_progress", 5.0),  # min(500 * 0.02 - 5, 5)
        (0.01, "moderate_progress", 1.25),  # 250 * 0.01 - 1.25
        (0.003, "limited_progress", -1.0),  # 500 * 0.003 - 2.5
        (-0.01, "deterioration", -3.75),  # 125 * -0.01 - 2.5
    ],
)
def test_no_target_thresholds(growth, status, score):
    pts = {2015: 100, 2020: 100 * (1 + growth) ** 5}
    r = opensdg_progress(pts, direction=1)
    assert r["progress_value"] == pytest.approx(growth)
    assert r["score"] == pytest.approx(score)
    assert r["status"] == status
    row = via_assess(pts, comparator=">=", value=None, year=2030)
    assert row["opensdg_status"] == status
    # decrease desired: the same growth read the other way
    down = opensdg_progress(pts, direction=-1)
    assert down["progress_value"] == pytest.approx(-growth)


def test_limit_scales_the_thresholds():
    # base 95, limit 100: C = 1 - 0.95^4.44 = 0.203670; high 0.0030551, med 0.0010184.
    # 95 -> 96: CAGR = (96/95)^(1/5) - 1 = 0.0020964: limited without the limit,
    # moderate with it (score 250 * 0.0020965 / 0.203670 - 1.25 = 1.3233)
    pts = {2015: 95, 2020: 96}
    assert opensdg_progress(pts, direction=1)["status"] == "limited_progress"
    r = opensdg_progress(pts, direction=1, limit=100)
    assert r["coefficient"] == pytest.approx(0.203670, abs=1e-6)
    assert r["score"] == pytest.approx(1.3233, abs=1e-4)
    assert r["status"] == "moderate_progress"
    row = via_assess(pts, comparator=">=", value=None, year=2030, limit=100)
    assert row["opensdg_status"] == "moderate_progress"
    # far from the limit (base >= 2 x limit or base 0 with limit 0) C = 1
    assert opensdg_progress({2015: 300, 2020: 310}, direction=1, limit=100)["coefficient"] == 1
    # a limit is ignored when a target is given
    r = opensdg_progress(pts, target=99, direction=1, limit=100)
    assert r["coefficient"] is None


# ------------------------------------------------ base year
def test_base_year_fallback_is_the_next_year_with_data():
    # 2015 has no value: the first later year (2016), never an earlier one (2013)
    r = opensdg_progress({2013: 10, 2016: 20, 2018: 30}, direction=1)
    assert (r["base_year"], r["base_value"]) == (2016, 20)
    # CAGR = 1.5^(1/2) - 1 = 0.224745
    assert r["progress_value"] == pytest.approx(0.224745, abs=1e-6)
    # the base year is a parameter (and assess accepts it, numpy integers too)
    r = opensdg_progress({2013: 10, 2016: 20, 2018: 30}, direction=1, base_year=2013)
    assert r["base_year"] == 2013
    row = via_assess(
        {2013: 10, 2016: 20, 2018: 30},
        comparator=">=",
        value=None,
        year=np.int64(2030),
        base_year=np.int32(2013),
    )
    assert row["baseline_year"] == 2013


def test_base_year_after_the_data_is_not_available():
    r = opensdg_progress({2010: 1, 2012: 2}, direction=1)
    assert r["status"] == "not_available"


def test_thresholds_are_parameters():
    # R = 1.16675 (see the bands test) is below a custom 'high' of 1.2: moderate
    r = opensdg_progress(
        {2015: 50, 2020: 60}, target=80, direction=1, thresholds={"high": 1.2, "med": 0.6}
    )
    assert r["status"] == "moderate_progress"
    row = via_assess(
        {2015: 50, 2020: 60},
        comparator=">=",
        value=80,
        year=2030,
        thresholds={"high": 1.2, "med": 0.6},
    )
    assert row["opensdg_status"] == "moderate_progress"


def test_score_decides_at_a_boundary_like_open_sdg():
    # R = 0.94999: series status would be 'moderate', but the indicator status published
    # by Open SDG comes from the score: 7.1429 * 0.94999 - 4.2857 = 2.499984 -> moderate;
    # R = 0.949995: score 2.500019 -> substantial (the published status), value < 0.95
    assert math.isclose(7.1429 * 0.949995 - 4.2857, 2.500019, abs_tol=1e-6)
    cagr_r = 1.6 ** (1 / 15) - 1
    latest = 50 * (1 + 0.949995 * cagr_r) ** 5
    r = opensdg_progress({2015: 50, 2020: latest}, target=80, direction=1)
    assert r["progress_value"] == pytest.approx(0.949995, abs=1e-9)
    assert r["status"] == "substantial_progress"


def test_assessment_carries_the_required_path():
    row = via_assess({2015: 50, 2020: 60}, comparator=">=", value=80, year=2030)
    path = dict(row["path"])
    assert path[2015] == pytest.approx(50)
    assert path[2030] == pytest.approx(80)
    # CAGR path: 50 * 1.6^(5/15) in 2020 = 58.480
    assert path[2020] == pytest.approx(58.480, abs=1e-3)
    assert [p[:2] for p in row["series"]] == [(2015, 50.0), (2020, 60.0)]


def test_direction_words_of_sdg_build_accepted():
    # 'positive' / 'negative' as in sdg-build's progress_calculation_options
    up = Target("ref_series", ">=", None, 2030, direction="positive")
    down = Target("ref_series", "<=", None, 2030, direction="negative")
    assert (up.direction, down.direction) == ("increase", "decrease")
    with pytest.raises(ValueError, match="contradicts"):
        Target("ref_series", ">=", None, 2030, direction="negative")
    # a registry-like frame with a direction column works as well
    frame = pd.DataFrame([{**down.as_record(), "direction": "negative"}])
    r = assess(series_obs({2020: 100, 2021: 120}), targets=frame, method="opensdg").iloc[0]
    assert r["opensdg_status"] == "deterioration"

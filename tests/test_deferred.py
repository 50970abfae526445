"""Deferred figures: the call that draws a figure, narrowed to what it reads, and its recipe."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from bkanalysis import notebook
from bkanalysis.errors import BkError
from bkanalysis.plotting import deferred, plot_target_series, save_figure
from bkanalysis.plotting.recipe import DeferredFigure, reads
from bkanalysis.progress import assess
from bkanalysis.targets import load_targets


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _obs(**changes) -> pd.DataFrame:
    rows = []
    for indicator, values in {
        "forest_area_ha": [370000.0, 371000.0],
        "forest_cover_pct": [72.1, 72.6],
        "urban_waste_collected_pct": [88.0, 90.0],
    }.items():
        values = changes.get(indicator, values)
        for year, value in zip((2019, 2020), values, strict=True):
            rows.append(
                {"indicator_id": indicator, "area_code": "06", "area_level": "province",
                 "area_name": "Bắc Kạn", "year": year, "value": value, "status": "actual",
                 "source_file": f"synthetic/{indicator}.xlsx"}
            )  # fmt: skip
    return pd.DataFrame(rows)


CALLS: list[list[str]] = []


@reads(lambda a: {a["indicator_id"]})
def _plot_one(observations, indicator_id, *, colour="C0"):
    CALLS.append(sorted(observations["indicator_id"].unique()))
    fig, ax = plt.subplots(figsize=(3, 2))
    rows = observations[observations["indicator_id"] == indicator_id]
    ax.plot(rows["year"], rows["value"], color=colour)
    ax.set_title(indicator_id)
    fig._bkanalysis_data = [rows.reset_index(drop=True)]
    return ax


def test_the_call_sees_only_the_indicators_it_reads_rows_numbered_afresh():
    CALLS.clear()
    obs = _obs()
    later = deferred(_plot_one, obs, "forest_cover_pct")
    assert not later.drawn and CALLS == []
    assert later.args[0]["indicator_id"].unique().tolist() == ["forest_cover_pct"]
    assert later.args[0].index.tolist() == [0, 1]
    assert isinstance(later.figure, plt.Figure) and later.drawn
    assert CALLS == [["forest_cover_pct"]]
    _ = later.figure  # drawn once
    assert CALLS == [["forest_cover_pct"]]
    assert later.source_files() == ["synthetic/forest_cover_pct.xlsx"]
    assert "drawn" in repr(later)
    # a plot function that declares nothing gets its arguments as they are
    whole = deferred(lambda observations: observations, obs)
    assert whole.args[0] is obs
    with pytest.raises(BkError, match="expected a plot function"):
        deferred("not a function", obs)


def test_the_recipe_follows_what_the_call_reads_and_nothing_else():
    base = deferred(_plot_one, _obs(), "forest_cover_pct").recipe("context")
    assert base == deferred(_plot_one, _obs(), "forest_cover_pct").recipe("context")
    # another indicator's values, or rows added before these: the same recipe
    assert base == deferred(_plot_one, _obs(forest_area_ha=[1.0, 2.0]), "forest_cover_pct").recipe(
        "context"
    )
    shuffled = pd.concat([_obs().iloc[:2].assign(year=[2017, 2018]), _obs()], ignore_index=True)
    assert base == deferred(_plot_one, shuffled, "forest_cover_pct").recipe("context")
    # its own values, another option, another context, other settings: another recipe
    others = [
        deferred(_plot_one, _obs(forest_cover_pct=[72.1, 72.7]), "forest_cover_pct").recipe(
            "context"
        ),
        deferred(_plot_one, _obs(), "forest_cover_pct", colour="C1").recipe("context"),
        deferred(_plot_one, _obs(), "forest_cover_pct").recipe("another context"),
    ]
    with matplotlib.rc_context({"lines.linewidth": 3}):
        others.append(deferred(_plot_one, _obs(), "forest_cover_pct").recipe("context"))
    assert len({base, *others}) == 1 + len(others)
    # what the recipe cannot vouch for: an argument it cannot read, a figure already drawn
    _fig, ax = plt.subplots()
    assert deferred(_plot_one, _obs(), "forest_cover_pct", colour=ax).recipe("context") is None
    drawn = deferred(_plot_one, _obs(), "forest_cover_pct")
    _ = drawn.figure
    assert drawn.recipe("context") is None


def _save(figure, out, **kw):
    return save_figure(
        figure, "forest_cover_series", caption="Độ che phủ rừng", sources=None, lang="vi",
        out_dir=out, **kw,
    )  # fmt: skip


def test_saving_a_deferred_figure_is_saving_the_figure_it_draws(tmp_path):
    obs = _obs()
    targets = load_targets().query("target_id == 'forest_cover_2020'")
    assessment = assess(obs, targets)
    direct = plot_target_series(obs, "forest_cover_2020", assessment=assessment, targets=targets)
    a = _save(direct.figure, tmp_path / "direct", formats=("png", "svg"))
    later = deferred(
        plot_target_series, obs, "forest_cover_2020", assessment=assessment, targets=targets
    )
    b = _save(later, tmp_path / "deferred", formats=("png", "svg"))
    assert later.drawn
    for kind in ("png", "svg", "csv", "manifest"):
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


@pytest.fixture
def in_report(tmp_path, monkeypatch):
    """What ``bkanalysis report`` sets for a notebook: staging, reuse folder, recipe context."""
    staging, reuse = tmp_path / "staging", tmp_path / "reuse"
    reuse.mkdir()
    monkeypatch.setenv("BKANALYSIS_EXPORT_DIR", str(staging))
    monkeypatch.setenv("BKANALYSIS_REUSE_DIR", str(reuse))
    monkeypatch.setenv("BKANALYSIS_RECIPE", "notebook-inputs-v1")
    monkeypatch.setenv("BKANALYSIS_FORMATS", "png")
    monkeypatch.setenv("BKANALYSIS_NOTEBOOK", "04-forest-water")
    monkeypatch.setenv("BKANALYSIS_RAW", str(tmp_path / "raw"))
    return staging, reuse


def _publish(staging, reuse):
    """Do what the report does between two runs: the staged files become the previous ones."""
    for f in reuse.iterdir():
        f.unlink()
    stamp = json.loads((staging / ".recipes" / "forest_cover").read_text(encoding="utf-8"))
    for name in stamp["row"]["files"].split(";"):
        (reuse / name).write_bytes((staging / name).read_bytes())
    (reuse / "forest_cover.recipe").write_text(json.dumps(stamp), encoding="utf-8")
    manifest = (staging / "manifest.csv").read_bytes()
    for f in sorted(staging.rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    return stamp, manifest


def test_in_a_report_the_same_recipe_copies_the_files_and_draws_nothing(in_report, monkeypatch):
    staging, reuse = in_report
    CALLS.clear()

    def save(obs):
        figure = deferred(_plot_one, obs, "forest_cover_pct")
        written = save_figure(figure, "forest_cover", caption="c", sources=None, lang="vi")
        return figure, written

    figure, first = save(_obs())
    assert CALLS == [["forest_cover_pct"]] and figure.drawn
    files = {k: p.read_bytes() for k, p in first.items()}
    stamp, manifest = _publish(staging, reuse)
    assert stamp["row"]["notebook"] == "04-forest-water" and stamp["fingerprint"]
    # the same inputs (another indicator changed): the files are copied, nothing drawn
    figure, again = save(_obs(urban_waste_collected_pct=[1.0, 2.0]))
    assert CALLS == [["forest_cover_pct"]] and not figure.drawn
    assert figure.screen_dpi == stamp["dpi"]
    assert {k: p.read_bytes() for k, p in again.items()} == files
    assert (staging / "manifest.csv").read_bytes() == manifest
    assert (staging / ".fingerprints" / "forest_cover").read_text() == stamp["fingerprint"]
    shown = []
    monkeypatch.setattr(notebook, "_in_kernel", lambda: True)
    monkeypatch.setattr(notebook, "_display_png", lambda png, dpi: shown.append((png, dpi)))
    notebook.show(figure, again)
    assert shown == [(again["png"], stamp["dpi"])] and not figure.drawn
    _publish(staging, reuse)
    # its own values changed: drawn
    figure, _ = save(_obs(forest_cover_pct=[72.1, 72.9]))
    assert figure.drawn and len(CALLS) == 2
    # a stamp that does not match its files, or no stamp: drawn
    _publish(staging, reuse)
    (reuse / "forest_cover.png").unlink()
    figure, _ = save(_obs(forest_cover_pct=[72.1, 72.9]))
    assert figure.drawn and len(CALLS) == 3
    assert isinstance(figure, DeferredFigure)


def test_only_a_function_that_reads_nothing_but_its_arguments_has_a_recipe():
    import functools

    threshold = 72.0

    def captures(observations):  # reads a variable of the notebook: not in the call
        return observations["value"] > threshold

    def undeclared(observations):  # a notebook's function that promised nothing
        return observations

    obs = _obs()
    assert deferred(_plot_one, obs, "forest_cover_pct").recipe("c") is not None
    assert deferred(plot_target_series, obs, "forest_cover_2020", assessment=None).recipe("c")
    assert deferred(captures, obs).recipe("c") is None
    assert deferred(undeclared, obs).recipe("c") is None
    assert deferred(lambda observations: observations, obs).recipe("c") is None
    assert deferred(functools.partial(_plot_one, obs), "forest_cover_pct").recipe("c") is None


def test_the_interactive_session_is_not_part_of_the_recipe():
    # the inline backend turns interactive mode on at the notebook's first pyplot figure,
    # which is a different figure when some are copied: it must not change a recipe
    base = deferred(_plot_one, _obs(), "forest_cover_pct").recipe("c")
    with matplotlib.rc_context({"interactive": not matplotlib.rcParams["interactive"]}):
        assert deferred(_plot_one, _obs(), "forest_cover_pct").recipe("c") == base
    with matplotlib.rc_context({"savefig.facecolor": "#eeeeee"}):  # a drawing setting
        assert deferred(_plot_one, _obs(), "forest_cover_pct").recipe("c") != base

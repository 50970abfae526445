"""Tests of ``bkanalysis report``: caching, --force, failing notebooks, progress lines.

The build and the progress workbook are replaced by small fakes (the real ones are
exercised by tests/test_notebooks.py); the notebooks here are tiny but run in a real
kernel through papermill, so the execution, the HTML export and the cache are real.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bkanalysis import commands
from bkanalysis import report as rp
from bkanalysis.config import Paths
from bkanalysis.errors import BkError

# NOTE: a notebook as the report's notebooks are: it reads the observations (of its
# themes, if it declares some), exports a "figure" and its manifest row through the
# folder save_figure uses (bkanalysis.config.export_dir)
WRITES_FIGURE = """import os, pathlib
from bkanalysis.catalog import load_indicators
from bkanalysis.config import export_dir
obs = pd.read_parquet(pathlib.Path(os.environ["BKANALYSIS_PROCESSED"]) / "observations.parquet")
if themes:
    obs = obs[obs["indicator_id"].isin(load_indicators().query("theme in @themes")["id"])]
fig_dir = export_dir(lang)
fig_dir.mkdir(parents=True, exist_ok=True)
series = obs.sort_values(["indicator_id", "year"])[["indicator_id", "year", "value"]]
(fig_dir / f"{name}_{lang}.csv").write_text(f"{len(obs)},{year}")
(fig_dir / f"{name}_series.csv").write_text(series.to_csv(index=False))
row = {"name": f"{name}_{lang}", "title_vi": "", "title_en": "", "caption_vi": "chú thích",
       "caption_en": "caption", "sources": "s", "synthetic": "true",
       "files": f"{name}_{lang}.csv", "lang": lang, "notebook": ""}
pd.DataFrame([row]).to_csv(fig_dir / "manifest.csv", index=False)"""


def raw_rows(*rows: tuple[str, int, float]) -> bytes:
    """The text of a fake raw workbook: one ``indicator_id,year,value`` line per row."""
    return "".join(f"{i},{y},{v}\n" for i, y, v in rows).encode("utf-8")


def make_notebook(path: Path, body: str, themes: list[str] | None = None) -> Path:
    params = new_code_cell('year = None\nlang = "vi"')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[
            params,
            new_code_cell(f"import pandas as pd\nname = {path.stem!r}\nthemes = {themes!r}"),
            new_code_cell(body),
        ]
    )
    if themes is not None:
        nb.metadata["bkanalysis"] = {"reads": {"themes": themes}}
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def project_paths(root: Path) -> Paths:
    return Paths(
        root=root,
        raw=root / "data" / "raw",
        processed=root / "data" / "processed",
        external=root / "data" / "external",
        boundaries=root / "data" / "external" / "boundaries",
        geo_mirror=root / "geo",
        reports=root / "reports",
    )


def fake_build(p: Paths, progress: bool = False) -> None:
    """Stand-in for the build: every raw file holds ``indicator_id,year,value`` lines."""
    rows = []
    for f in sorted(p.raw.iterdir()):
        for line in f.read_text(encoding="utf-8").splitlines():
            indicator, year, value = line.split(",")
            rows.append((indicator, "06", int(year), float(value), "actual", f.name))
    columns = ["indicator_id", "area_code", "year", "value", "status", "source_file"]
    p.processed.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=columns).to_parquet(p.processed / "observations.parquet")


def fake_workbook(target: Path, observations, assessment) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"xlsx")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A tmp project: two notebooks, one raw file, fake build and progress workbook."""
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "a.xlsx").write_bytes(raw_rows(("forest_cover_pct", 2020, 70.1)))
    make_notebook(root / "notebooks" / "00-first.ipynb", WRITES_FIGURE)
    make_notebook(root / "notebooks" / "01-second.ipynb", WRITES_FIGURE)
    (root / "notebooks" / "scratch.ipynb").write_text("not a report notebook")
    paths = project_paths(root)
    calls = {"build": 0, "workbook": 0}

    def counted_build(p, progress):
        calls["build"] += 1
        fake_build(p, progress)

    def counted_workbook(target, observations, assessment):
        calls["workbook"] += 1
        fake_workbook(target, observations, assessment)

    # NOTE: the package source is an input too; pin it so edits elsewhere do not interfere
    monkeypatch.setattr(rp, "_source_digest", lambda: "source-v1")
    monkeypatch.setattr(rp, "_build", counted_build)
    monkeypatch.setattr(rp, "_assessment_workbook", counted_workbook)
    # the fake observations cannot be assessed (the notebooks here do not read it)
    monkeypatch.setattr(rp, "_assess_once", lambda paths, year, shared: (None, None))
    # a hand run must not find the report's variables in this process
    for var in ("BKANALYSIS_EXPORT_DIR", "BKANALYSIS_NOTEBOOK", "JPY_SESSION_NAME"):
        monkeypatch.delenv(var, raising=False)
    return paths, calls


def fake_execute(source, output, html, params, cwd):
    """Execute a notebook's code cells in this process, as papermill would in a kernel.

    The cache tests check which notebooks run, not how: this keeps them fast. The real
    papermill path (kernel, parameters, HTML, failing cells) is tested with real kernels
    below and in tests/test_notebooks.py.
    """
    nb = nbformat.read(source, as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(params)
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output)
    html.write_text("<html>executed</html>", encoding="utf-8")


def run(paths, **kw):
    stream = io.StringIO()
    result = rp.report(paths=paths, stream=stream, **kw)
    return result, stream.getvalue()


@pytest.mark.slow
def test_rerun_skips_unchanged_work_and_force_redoes_it(project):
    paths, calls = project
    first, log = run(paths)
    assert first.ok, first.failed
    assert first.built and calls == {"build": 1, "workbook": 1}
    assert first.executed == ["00-first", "01-second"]  # scratch.ipynb is not a report notebook
    for name in first.executed:
        assert (paths.notebooks_dir("vi") / f"{name}.ipynb").is_file()
        html = (paths.notebooks_dir("vi") / f"{name}.html").read_text(encoding="utf-8")
        assert "<html" in html
        # the parameters reached the kernel, and so did the folders
        assert (paths.figures / f"{name}_vi.csv").read_text() == "1,None"
    assert sorted(p.name for p in first.figures) == [
        "00-first_series.csv", "00-first_vi.csv", "01-second_series.csv", "01-second_vi.csv",
    ]  # fmt: skip
    # one progress line per step, with a timing
    lines = log.strip().splitlines()
    assert any(line.startswith("[1/4] build") for line in lines)
    assert all(line.rstrip().endswith(" s)") for line in lines if line.startswith("["))

    second, log = run(paths)
    assert second.executed == [] and second.skipped == ["00-first", "01-second"]
    assert not second.built and calls == {"build": 1, "workbook": 1}
    assert "skipped" in log
    assert len(second.figures) == 4

    html = {p.name: p.read_bytes() for p in paths.notebooks_dir("vi").glob("*.html")}
    forced, _ = run(paths, force=True)
    assert forced.executed == ["00-first", "01-second"]
    assert calls == {"build": 2, "workbook": 2}
    # the same inputs give the same HTML (papermill's injected cell has a fixed id)
    assert {p.name: p.read_bytes() for p in paths.notebooks_dir("vi").glob("*.html")} == html


def test_only_what_changed_is_redone(project, monkeypatch):
    paths, calls = project
    # one notebook at a time runs in this process, so the executor can be replaced
    monkeypatch.setattr(rp, "_execute_notebook", fake_execute)
    monkeypatch.setattr(rp, "_default_jobs", lambda: 1)
    assert run(paths)[0].ok
    # a changed notebook is re-executed, the other one is not
    nb = paths.notebooks / "01-second.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("import pandas", "import pandas  "))
    result, _ = run(paths)
    assert result.executed == ["01-second"] and calls["build"] == 1
    # a new raw file rebuilds; the observations change, so every notebook reruns
    (paths.raw / "b.xlsx").write_bytes(raw_rows(("urban_waste_collected_pct", 2020, 80.0)))
    result, _ = run(paths)
    assert calls["build"] == 2 and result.executed == ["00-first", "01-second"]
    assert (paths.figures / "00-first_vi.csv").read_text().startswith("2,")
    # new package code rebuilds and reruns everything
    monkeypatch.setattr(rp, "_source_digest", lambda: "source-v2")
    result, _ = run(paths)
    assert calls["build"] == 3 and result.executed == ["00-first", "01-second"]
    # a deleted output is made again
    (paths.notebooks_dir("vi") / "00-first.html").unlink()
    result, _ = run(paths)
    assert result.executed == ["00-first"]
    # other parameters are other inputs
    result, _ = run(paths, lang="en", year=2020)
    assert result.executed == ["00-first", "01-second"]
    assert (paths.figures_dir("en") / "00-first_en.csv").read_text() == "2,2020"


@pytest.fixture
def started(monkeypatch):
    """The names of the notebooks in the order they start (one at a time, in this process)."""
    order: list[str] = []

    def recorded_execute(source, output, html, params, cwd):
        order.append(Path(source).stem)
        fake_execute(source, output, html, params, cwd)

    monkeypatch.setattr(rp, "_execute_notebook", recorded_execute)
    monkeypatch.setattr(rp, "_default_jobs", lambda: 1)
    return order


def test_longest_notebook_is_started_first(project, started):
    paths, _calls = project
    order = started
    assert run(paths)[0].ok
    assert order == ["00-first", "01-second"]  # nothing timed yet: notebook order
    cache_path = paths.reports / rp.CACHE_NAME
    cache = json.loads(cache_path.read_text(encoding="utf-8"))
    assert all("seconds" in entry for entry in cache["langs"]["vi"]["notebooks"].values())
    cache["langs"]["vi"]["notebooks"]["00-first"]["seconds"] = 1.0
    cache["langs"]["vi"]["notebooks"]["01-second"]["seconds"] = 30.0
    cache_path.write_text(json.dumps(cache), encoding="utf-8")
    order.clear()
    # new data: both notebooks rerun
    (paths.raw / "b.xlsx").write_bytes(raw_rows(("urban_waste_collected_pct", 2020, 80.0)))
    result, _ = run(paths)
    assert order == ["01-second", "00-first"]
    assert result.executed == ["00-first", "01-second"]  # results stay in notebook order


@pytest.mark.slow
def test_failing_notebook_is_reported_in_one_line_and_others_still_run(
    project, monkeypatch, capsys
):
    paths, _ = project
    make_notebook(paths.notebooks / "00-first.ipynb", 'raise ValueError("no such indicator: xyz")')
    result, log = run(paths)
    assert not result.ok
    assert result.executed == ["01-second"]
    [failed] = result.failed
    assert failed.name == "00-first"
    # In[4]: papermill injects a cell after the parameters cell
    assert failed.error == "cell In[4]: ValueError: no such indicator: xyz"
    assert "FAILED: cell In[4]: ValueError" in log
    # the failed notebook is kept aside for inspection, and is not cached as done
    assert failed.failed_notebook == paths.scratch / "failed" / "vi" / "00-first.ipynb"
    assert failed.failed_notebook.is_file()
    assert not (paths.notebooks_dir("vi") / "00-first.ipynb").exists()
    cache = json.loads((paths.reports / rp.CACHE_NAME).read_text(encoding="utf-8"))
    assert set(cache["langs"]["vi"]["notebooks"]) == {"01-second"}
    again, _ = run(paths)
    assert [r.name for r in again.failed] == ["00-first"] and again.skipped == ["01-second"]

    # the command: one line per failure on stderr, exit status 1
    monkeypatch.setattr(rp, "get_paths", lambda: paths)
    status = commands.report_command(Namespace(lang="vi", force=False, quiet=True))
    err = capsys.readouterr().err
    assert status == 1
    assert err.strip() == (
        "bkanalysis report: notebook 00-first (vi) failed: cell In[4]: ValueError: no such "
        "indicator: xyz; its previous outputs are kept, the failed run is in "
        f"{paths.scratch / 'failed' / 'vi' / '00-first.ipynb'}"
    )


@pytest.mark.slow
def test_a_kernel_that_stops_is_reported_and_no_older_failed_run_is_shown_for_it(
    project, monkeypatch, capsys
):
    paths, _ = project
    # an older failed run of the notebook, left aside by a previous report
    old = paths.scratch / "failed" / "vi"
    old.mkdir(parents=True)
    (old / "00-first.ipynb").write_text("{}")
    (old / "00-first.html").write_text("<html></html>")
    make_notebook(paths.notebooks / "00-first.ipynb", "import os\nos._exit(1)")
    result, log = run(paths)
    [failed] = result.failed
    assert failed.name == "00-first"
    assert "DeadKernelError" in failed.error and "\n" not in failed.error
    assert failed.failed_notebook is None
    assert f"FAILED: {failed.error}" in log
    assert not (old / "00-first.ipynb").exists() and not (old / "00-first.html").exists()
    assert result.executed == ["01-second"]  # the other notebook still ran

    monkeypatch.setattr(rp, "get_paths", lambda: paths)
    status = commands.report_command(Namespace(lang="vi", force=False, quiet=True))
    err = capsys.readouterr().err.strip()
    assert status == 1
    assert err.startswith("bkanalysis report: notebook 00-first (vi) failed: ")
    assert err.endswith("its previous outputs are kept, no executed notebook was written")
    assert len(err.splitlines()) == 1


def test_bad_arguments_are_rejected(project):
    paths, _ = project
    with pytest.raises(BkError, match="'fr'"):
        rp.report(lang="fr", paths=paths)
    with pytest.raises(BkError, match="'2021'"):
        rp.report(year="2021", paths=paths)
    with pytest.raises(BkError, match="notebook folder not found"):
        rp.list_notebooks(paths.root / "nowhere")


def test_corrupt_cache_means_redo(project):
    paths, _ = project
    paths.reports.mkdir(parents=True)
    (paths.reports / rp.CACHE_NAME).write_text("{not json")
    assert rp._load_cache(paths.reports / rp.CACHE_NAME) == {}


def test_hidden_and_lock_files_are_not_inputs(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"1")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    assert list(rp._tree_hashes(tmp_path)) == ["a.xlsx"]
    assert rp._tree_hashes(tmp_path / "missing") == {}


def test_error_line_is_one_line():
    exc = ValueError("first line\nsecond line")
    assert rp._error_line(exc) == "ValueError: first line"


# --------------------------------------------------------------------------- issue 13, 18
def snapshot(folder: Path) -> dict[str, bytes]:
    """Every visible file under *folder*, by relative path (dot-files are bookkeeping)."""
    out = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = path.read_bytes()
    return out


def manifest_rows(paths: Paths, lang: str = "vi") -> pd.DataFrame:
    path = paths.figures_dir(lang) / "manifest.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture
def in_process(monkeypatch):
    """Notebooks run one at a time in this process (see fake_execute)."""
    monkeypatch.setattr(rp, "_execute_notebook", fake_execute)
    monkeypatch.setattr(rp, "_default_jobs", lambda: 1)


def test_failed_notebook_keeps_every_previous_output_and_manifest_row(project, in_process):
    paths, _ = project
    assert run(paths)[0].ok
    before = snapshot(paths.report_dir("vi"))
    rows_before = manifest_rows(paths)
    assert rows_before["notebook"].tolist() == ["00-first", "01-second"]
    # new data (both notebooks rerun); 00-first now fails after exporting its new figures
    (paths.raw / "b.xlsx").write_bytes(raw_rows(("urban_waste_collected_pct", 2020, 80.0)))
    make_notebook(paths.notebooks / "00-first.ipynb", WRITES_FIGURE + "\nraise ValueError('x')")
    result, log = run(paths)
    assert [r.name for r in result.failed] == ["00-first"] and result.executed == ["01-second"]
    assert "previous outputs kept (4 files)" in log
    after = snapshot(paths.report_dir("vi"))
    mine = {rel: data for rel, data in before.items() if "00-first" in rel}
    assert len(mine) == 4  # two figure files, the notebook and its HTML
    assert {rel: after.get(rel) for rel in mine} == mine
    rows_after = manifest_rows(paths)
    first = rows_before["notebook"] == "00-first"
    assert rows_after[rows_after["notebook"] == "00-first"].equals(rows_before[first])
    # the other notebook's new outputs did replace its old ones
    assert after["figures/01-second_vi.csv"] == b"2,None"
    # nothing of the failed run leaked in; the next run retries the notebook
    assert set(after) == set(before)
    make_notebook(paths.notebooks / "00-first.ipynb", WRITES_FIGURE)
    result, _ = run(paths)
    assert result.executed == ["00-first"]
    assert (paths.figures / "00-first_vi.csv").read_text() == "2,None"


def test_a_hand_run_never_mixes_into_the_report(project, in_process, monkeypatch, tmp_path):
    """Finding 3: a notebook run by hand for another year and language wrote into the report."""
    paths, _ = project
    assert run(paths)[0].ok
    before = snapshot(paths.reports / "vi")
    # the notebook run by hand (papermill, JupyterLab) with the project's folders
    monkeypatch.setenv("BKANALYSIS_PROCESSED", str(paths.processed))
    monkeypatch.setenv("BKANALYSIS_REPORTS", str(paths.reports))
    monkeypatch.setenv("JPY_SESSION_NAME", str(paths.notebooks / "00-first.ipynb"))
    nb = paths.notebooks / "00-first.ipynb"
    params = {"lang": "en", "year": 2019}
    fake_execute(nb, tmp_path / "hand.ipynb", tmp_path / "hand.html", params, nb.parent)
    assert snapshot(paths.reports / "vi") == before
    assert not (paths.reports / "en").exists()
    scratch = paths.scratch / "00-first" / "en" / "figures"
    assert (scratch / "00-first_en.csv").read_text() == "1,2019"

    # what hand runs used to do: write straight into the report's folder, figure and row
    (paths.figures / "00-first_vi.csv").write_text("1,2019")
    (paths.figures / "stale_en.csv").write_text("stale")
    with open(paths.figures / "manifest.csv", "a", encoding="utf-8") as fh:
        fh.write("stale_en,,,,,,true,stale_en.csv,en,\n")
    result, log = run(paths, explain=True)
    # the report does not reuse what it did not make: it reruns the notebook it belongs to
    assert result.executed == ["00-first"] and result.skipped == ["01-second"]
    assert (
        "00-first (vi): reran: outputs changed outside the report: figures/00-first_vi.csv" in log
    )
    assert "01-second (vi): skipped:" in log
    assert snapshot(paths.reports / "vi") == before
    assert (paths.scratch / "stray" / "vi" / "figures" / "stale_en.csv").read_text() == "stale"


def test_languages_are_kept_side_by_side(project, in_process):
    paths, _ = project
    assert run(paths)[0].ok
    vi = snapshot(paths.reports / "vi")
    result, _ = run(paths, lang="en")
    assert result.ok and result.executed == ["00-first", "01-second"]
    assert snapshot(paths.reports / "vi") == vi
    assert (paths.figures_dir("en") / "00-first_en.csv").is_file()
    assert set(manifest_rows(paths, "en")["lang"]) == {"en"}
    assert set(manifest_rows(paths, "vi")["lang"]) == {"vi"}
    both, _ = run(paths, lang="all")
    assert both.executed == [] and len(both.skipped) == 4
    assert [(r.lang, r.name) for r in both.notebooks] == [
        ("vi", "00-first"), ("vi", "01-second"), ("en", "00-first"), ("en", "01-second"),
    ]  # fmt: skip
    forced, _ = run(paths, lang="all", force=True)
    assert len(forced.executed) == 4 and snapshot(paths.reports / "vi") == vi


@pytest.fixture
def themed(project):
    """Three notebooks as the report's: the overview reads all, two read one theme each."""
    paths, calls = project
    for nb in paths.notebooks.glob("0*.ipynb"):
        nb.unlink()
    make_notebook(paths.notebooks / "00-overview.ipynb", WRITES_FIGURE)
    make_notebook(paths.notebooks / "02-waste.ipynb", WRITES_FIGURE, themes=["waste"])
    make_notebook(paths.notebooks / "04-forest-water.ipynb", WRITES_FIGURE, themes=["forest_water"])
    (paths.raw / "a.xlsx").write_bytes(
        raw_rows(
            ("forest_cover_pct", 2024, 72.0),
            ("urban_waste_collected_pct", 2024, 90.0),
            ("urban_waste_collected_pct", 2025, 91.0),
        )
    )
    return paths, calls


def test_new_workbook_reruns_only_the_notebooks_that_read_it(themed, in_process, tmp_path):
    paths, _ = themed
    first, _ = run(paths)
    assert first.ok and len(first.executed) == 3
    # a workbook touching only forest indicators
    (paths.raw / "forest.xlsx").write_bytes(raw_rows(("forest_cover_pct", 2025, 73.5)))
    result, log = run(paths, explain=True)
    assert result.executed == ["00-overview", "04-forest-water"]
    assert result.skipped == ["02-waste"]
    assert "04-forest-water (vi): reran: new values for forest_cover_pct 2025" in log
    assert "02-waste (vi): skipped:" in log
    # a changed value in a series reruns the notebook that draws it (and the overview)
    (paths.raw / "a.xlsx").write_bytes(
        raw_rows(
            ("forest_cover_pct", 2024, 72.0),
            ("urban_waste_collected_pct", 2024, 90.5),
            ("urban_waste_collected_pct", 2025, 91.0),
        )
    )
    result, log = run(paths, explain=True)
    assert result.executed == ["00-overview", "02-waste"]
    assert "02-waste (vi): reran: changed values for urban_waste_collected_pct 2024" in log
    # a new latest year changes what every notebook assesses by default
    (paths.raw / "forest.xlsx").write_bytes(raw_rows(("forest_cover_pct", 2026, 74.0)))
    result, log = run(paths, explain=True)
    assert len(result.executed) == 3
    assert "02-waste (vi): reran: the latest year with data is now 2026 (was 2025)" in log
    incremental = snapshot(paths.reports / "vi")

    # the same as a full run from scratch
    full = project_paths(paths.root)
    full = Paths(**{**full.__dict__, "reports": tmp_path / "full-reports"})
    assert run(full)[0].ok
    assert snapshot(full.reports / "vi") == incremental


DRAWS_FIGURES = """import os, pathlib
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from bkanalysis.plotting import save_figure
obs = pd.read_parquet(pathlib.Path(os.environ["BKANALYSIS_PROCESSED"]) / "observations.parquet")
for indicator, rows in obs.groupby("indicator_id"):
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.plot(rows["year"], rows["value"], marker="o")
    ax.set_title(indicator)
    save_figure(fig, indicator, caption="c", sources=["s"], synthetic=True,
                data=rows[["year", "value"]], lang=lang)
    plt.close(fig)"""


def test_an_unchanged_figure_is_copied_and_the_report_equals_a_full_run(
    project, in_process, monkeypatch, tmp_path
):
    import matplotlib.figure

    paths, _ = project
    (paths.notebooks / "01-second.ipynb").unlink()
    make_notebook(paths.notebooks / "00-first.ipynb", DRAWS_FIGURES)
    (paths.raw / "a.xlsx").write_bytes(
        raw_rows(("forest_cover_pct", 2024, 72.0), ("urban_waste_collected_pct", 2024, 90.0))
    )
    drawn: list[str] = []
    savefig = matplotlib.figure.Figure.savefig

    def counted(fig, *args, **kwargs):
        drawn.append(fig.axes[0].get_title())
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", counted)
    assert run(paths)[0].ok
    assert sorted(drawn) == ["forest_cover_pct", "urban_waste_collected_pct"]
    cache = json.loads((paths.reports / rp.CACHE_NAME).read_text(encoding="utf-8"))
    prints = cache["langs"]["vi"]["notebooks"]["00-first"]["fingerprints"]
    assert sorted(prints) == [
        "figures/forest_cover_pct.png", "figures/urban_waste_collected_pct.png",
    ]  # fmt: skip
    # new forest data: the notebook reruns, the waste figure draws as before and is copied
    drawn.clear()
    (paths.raw / "b.xlsx").write_bytes(raw_rows(("forest_cover_pct", 2025, 73.5)))
    assert run(paths)[0].executed == ["00-first"]
    assert drawn == ["forest_cover_pct"]
    # a figure file changed outside the report is never copied: it is drawn again
    drawn.clear()
    (paths.figures_dir("vi") / "urban_waste_collected_pct.png").write_bytes(b"edited")
    result, _ = run(paths)
    assert result.executed == ["00-first"] and drawn == ["urban_waste_collected_pct"]
    incremental = snapshot(paths.reports / "vi")
    full = Paths(**{**paths.__dict__, "reports": tmp_path / "full-reports"})
    assert run(full)[0].ok
    assert snapshot(full.reports / "vi") == incremental


def test_notebook_reads_declared_themes_and_weights(tmp_path):
    nb = make_notebook(tmp_path / "04-forest-water.ipynb", "pass", themes=["forest_water"])
    reads = rp.notebook_reads(nb)
    assert not reads["all"] and "forest_cover_pct" in reads["indicators"]
    assert "urban_waste_collected_pct" not in reads["indicators"]
    assert rp.notebook_reads(make_notebook(tmp_path / "00-all.ipynb", "pass")) == {"all": True}
    make_notebook(tmp_path / "05-bad.ipynb", "pass", themes=["forests"])
    with pytest.raises(BkError, match="unknown theme"):
        rp.notebook_reads(tmp_path / "05-bad.ipynb")


KILL_SCRIPT = """
import os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import test_report as t
from bkanalysis import commands
from bkanalysis import report as rp
rp._build, rp._assessment_workbook = t.fake_build, t.fake_workbook
rp._assess_once = lambda paths, year, shared: (None, None)
rp._source_digest = lambda: "source-v1"
rp._execute_notebook, rp._default_jobs = t.fake_execute, lambda: 1
moves = int(os.environ.get("DIE_AFTER_MOVES", "-1"))
if os.environ.get("DIE_BEFORE_COMMIT"):  # killed once the first notebook ran, before its swap
    rp._commit = lambda *args: os._exit(9)
if moves >= 0:  # killed in the middle of a swap, after that many files were moved in
    real = Path.replace
    def replace(self, target):
        global moves
        if "/.staging/" in str(self) and "/.staging/" not in str(target):
            if moves == 0:
                os._exit(9)
            moves -= 1
        return real(self, target)
    Path.replace = replace
rp.report(paths=t.project_paths(Path({root!r})), progress=False)
"""


def _run_killable(paths: Paths, env: dict | None = None) -> int:
    script = KILL_SCRIPT.format(tests=str(Path(__file__).parent), root=str(paths.root))
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", script], env=env, timeout=300).returncode


@pytest.mark.slow
def test_a_report_killed_at_any_point_leaves_each_notebook_old_or_new(project):
    """Killed before a swap: the previous set. During a swap: finished by the next run."""
    paths, _ = project
    assert _run_killable(paths) == 0
    old = snapshot(paths.reports / "vi")
    journal = paths.reports / "vi" / ".journal"
    (paths.raw / "b.xlsx").write_bytes(raw_rows(("urban_waste_collected_pct", 2020, 80.0)))

    # killed after a notebook ran, before its swap: the previous set, exactly
    assert _run_killable(paths, {"DIE_BEFORE_COMMIT": "1"}) == 9
    assert snapshot(paths.reports / "vi") == old and not list(journal.glob("*.json"))
    # killed once the swap was decided (journal written), before any file moved
    assert _run_killable(paths, {"DIE_AFTER_MOVES": "0"}) == 9
    assert snapshot(paths.reports / "vi") == old and len(list(journal.glob("*.json"))) == 1
    # killed in the middle of the swap: one notebook is half moved, and its journal says so
    assert _run_killable(paths, {"DIE_AFTER_MOVES": "1"}) == 9
    state = snapshot(paths.reports / "vi")
    changed = {re.match(r"\w+/(\d\d-\w+?)[._]", rel)[1] for rel in old if state[rel] != old[rel]}
    assert len(changed) == 1 and [j.stem for j in journal.glob("*.json")] == sorted(changed)

    # the next run finishes the swap it finds, then does the rest
    assert _run_killable(paths) == 0
    new = snapshot(paths.reports / "vi")
    assert new["figures/00-first_vi.csv"] == new["figures/01-second_vi.csv"] == b"2,None"
    assert set(new) == set(old)
    assert not (paths.reports / ".staging").exists() and not list(journal.glob("*.json"))


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[1] / "notebooks").glob("0*.ipynb")), ids=lambda p: p.stem
)
def test_shipped_notebooks_declare_what_they_read(path):
    """A themed notebook's declaration covers every theme and indicator its code names."""
    import ast

    from bkanalysis.catalog import load_indicators

    nb = nbformat.read(path, as_version=4)
    reads = rp.notebook_reads(path)
    if path.stem == "00-overview":
        assert reads == {"all": True}  # it shows every target
        return
    assert not reads["all"], f"{path.stem}: a themed notebook declares its themes"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    catalog = load_indicators()
    texts = {
        node.value
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    named = {t for t in texts if t in set(catalog["id"])}
    themes = {m for t in texts for m in re.findall(r"theme == '(\w+)'", t)}
    declared = set(nb.metadata["bkanalysis"]["reads"]["themes"])
    assert themes and themes <= declared
    assert named <= set(reads["indicators"]), named - set(reads["indicators"])
    # prefixes of built names (f"ghg_emissions_{s}_tco2e") stay within the declaration
    for prefix in {t for t in texts if t.endswith("_") and t.count("_") >= 1}:
        ids = set(catalog.loc[catalog["id"].str.startswith(prefix), "id"])
        assert ids <= set(reads["indicators"]), prefix


def _small_figure(values):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([2019, 2020], values)
    ax.set_title("Tỷ lệ che phủ rừng")
    return fig


def test_command_line_takes_lang_all_and_explain(monkeypatch):
    from bkanalysis.cli import build_parser

    seen = {}

    def fake_report(**kwargs):
        seen.update(kwargs)
        return rp.ReportResult(built=False, progress_workbook=None, langs=("vi", "en"))

    monkeypatch.setattr(rp, "report", fake_report)
    args = build_parser().parse_args(["report", "--lang", "all", "--explain", "--quiet"])
    assert commands.report_command(args) == 0
    assert seen["lang"] == "all" and seen["explain"] is True


def test_two_reports_never_write_the_same_folders_at_once(project, in_process):
    paths, _ = project
    paths.reports.mkdir(parents=True)
    lock = paths.reports / ".report.lock"
    lock.write_text(str(os.getpid()))  # a report that is running (this process)
    with pytest.raises(BkError, match="another bkanalysis report"):
        run(paths)
    assert not (paths.reports / "vi").exists()
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock.write_text(done.stdout.strip())  # left by a report that was killed
    assert run(paths)[0].ok
    assert not lock.exists()


def test_a_removed_notebook_takes_its_figures_out_of_the_report(project, in_process):
    paths, _ = project
    assert run(paths)[0].ok
    (paths.notebooks / "01-second.ipynb").unlink()
    result, _ = run(paths)
    assert [r.name for r in result.notebooks] == ["00-first"]
    assert sorted(snapshot(paths.figures)) == [
        "00-first_series.csv", "00-first_vi.csv", "manifest.csv",
    ]  # fmt: skip
    assert manifest_rows(paths)["notebook"].tolist() == ["00-first"]
    stray = paths.scratch / "stray" / "vi"
    assert (stray / "figures" / "01-second_vi.csv").is_file()
    assert (stray / "notebooks" / "01-second.html").is_file()


# --------------------------------------------------------------------------- warm kernels
LEAVES_STATE = """import os, warnings
import matplotlib as mpl
import matplotlib.pyplot as plt
print("leftover" in globals(), mpl.rcParams["lines.linewidth"], len(plt.get_fignums()))
print(os.environ.get("BKANALYSIS_NOTEBOOK"), os.path.basename(os.getcwd()))
leftover = 1
mpl.rcParams["lines.linewidth"] = 9.0
fig, ax = plt.subplots()
warnings.warn("shown in every notebook")"""


@pytest.mark.slow
def test_notebook_in_a_warm_kernel_gives_what_a_fresh_kernel_gives(tmp_path, monkeypatch):
    """The second notebook in a kernel sees none of the first's state (real kernels)."""
    from bkanalysis import kernels

    nb = make_notebook(tmp_path / "00-state.ipynb", LEAVES_STATE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("BKANALYSIS_NOTEBOOK", "00-state")

    def outputs(run: int) -> list:
        out = tmp_path / f"run{run}"
        rp._execute_notebook(nb, out / "nb.ipynb", out / "nb.html", {"lang": "vi"}, tmp_path)
        executed = nbformat.read(out / "nb.ipynb", as_version=4)
        cells = [(c.execution_count, c.outputs) for c in executed.cells if c.cell_type == "code"]
        # a warning names the kernel's process in its file name (/tmp/ipykernel_<pid>/…)
        return json.loads(re.sub(r"ipykernel_\d+", "ipykernel_N", json.dumps(cells)))

    try:
        first, warm = outputs(1), outputs(2)  # one kernel, started for the first
        kernels.shutdown()
        fresh = outputs(3)  # a new kernel
    finally:
        kernels.shutdown()
    assert warm == first == fresh
    text = "".join(o.get("text", "") for _, outs in fresh for o in outs)
    assert f"False 1.5 0\n00-state {tmp_path.name}\n" in text
    assert "shown in every notebook" in text
    # the report's own variables do not stay behind when a notebook has none
    monkeypatch.delenv("BKANALYSIS_NOTEBOOK")
    try:
        assert "None " + tmp_path.name in "".join(
            o.get("text", "") for _, outs in outputs(4) for o in outs
        )
    finally:
        kernels.shutdown()


SEES_PRELOADED = """import sys
from bkanalysis import kernels
print(all(m in sys.modules for m in kernels.PRELOAD))
print(sorted(k for k in globals() if not k.startswith("_")))"""


@pytest.mark.slow
def test_a_report_kernel_has_imported_the_notebooks_modules_and_bound_no_name(tmp_path):
    """A new kernel imports kernels.PRELOAD before the first notebook, into no namespace."""
    from bkanalysis import kernels

    nb = make_notebook(tmp_path / "00-modules.ipynb", SEES_PRELOADED)
    out = tmp_path / "run"
    try:
        rp._execute_notebook(nb, out / "nb.ipynb", out / "nb.html", {"lang": "vi"}, tmp_path)
    finally:
        kernels.shutdown()
    executed = nbformat.read(out / "nb.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    names = ["In", "Out", "exit", "get_ipython", "kernels", "lang", "name", "open", "pd", "quit"]
    assert text.splitlines() == ["True", repr([*names, "sys", "themes", "year"])]


def test_a_worker_whose_kernel_cannot_start_early_leaves_it_to_the_notebook(monkeypatch):
    """Starting a worker early never fails the report: the first notebook reports why."""
    from bkanalysis import kernels

    monkeypatch.setattr(rp, "KERNEL_NAME", "no-such-kernel-for-bkanalysis")
    assert rp._worker_warm({"BKANALYSIS_NOTEBOOK": "x"}) is None
    assert not kernels.has_kernel("no-such-kernel-for-bkanalysis")
    assert "BKANALYSIS_NOTEBOOK" not in os.environ


@pytest.mark.parametrize(
    ("cpus", "jobs", "early"), [(2, None, 1), (4, None, 3), (8, 2, 2), (1, 3, 1)]
)
def test_a_build_starts_one_worker_per_core_it_leaves_free(project, monkeypatch, cpus, jobs, early):
    """While the data are built, one core builds and each other one warms a worker."""
    paths, _ = project
    submitted = []

    class Pool:
        def submit(self, fn, *args):
            submitted.append(fn)

    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    run_ = rp._Run(
        ("vi",), False, False, None, paths, jobs, steps=rp._Progress(False, 4),
        cache=rp._open_cache(paths), source="s",
    )  # fmt: skip
    workers = rp._Workers(run_, most=5)
    monkeypatch.setattr(workers, "_pool", lambda size: Pool())
    workers.warm()
    assert submitted == [rp._worker_warm] * early
    assert workers.count(1) == workers.size == min(jobs or cpus, 8, 5)


# NOTE: a notebook that exports a real figure with save_figure, in the formats the report
# asks for (BKANALYSIS_FORMATS in its environment)
DRAWS_FIGURE = """import matplotlib.pyplot as plt
from bkanalysis.plotting import save_figure
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([2019, 2020], [70.1, 71.0])
data = pd.DataFrame({"year": [2019, 2020], "value": [70.1, 71.0]})
save_figure(fig, f"{name}_chart", caption="chú thích", sources=["s"], synthetic=True,
            lang=lang, data=data)
plt.close(fig)"""


def test_figure_formats_are_an_input_and_dropped_formats_leave(project, in_process):
    paths, _ = project
    for nb in sorted(paths.notebooks.glob("0*.ipynb")):
        make_notebook(nb, DRAWS_FIGURE)
    figures = paths.figures_dir("vi")

    def suffixes() -> list[str]:
        return sorted(p.suffix for p in figures.glob("00-first_chart.*"))

    assert run(paths)[0].ok
    assert suffixes() == [".csv", ".png"]  # the report's default: PNG (and the data)
    rows = manifest_rows(paths).set_index("name")
    assert rows.loc["00-first_chart", "files"] == "00-first_chart.png;00-first_chart.csv"
    result, out = run(paths, formats="all", explain=True)
    assert result.executed == ["00-first", "01-second"]
    assert "00-first (vi): reran: other figure formats: png, svg, pdf (was png)" in out
    assert suffixes() == [".csv", ".pdf", ".png", ".svg"]
    assert run(paths, formats="all")[0].executed == []
    result, _ = run(paths, formats=("png",))
    assert result.executed == ["00-first", "01-second"]
    assert suffixes() == [".csv", ".png"]  # no stale vector file is left behind
    with pytest.raises(BkError, match="unknown figure format tiff"):
        run(paths, formats="png,tiff")


def test_a_first_report_starts_the_notebooks_expected_to_take_longest(project, started):
    paths, _calls = project
    second = paths.notebooks / "01-second.ipynb"
    nb = nbformat.read(second, as_version=4)
    nb.metadata["bkanalysis"] = {"expected_seconds": 12}
    nbformat.write(nb, second)
    assert run(paths)[0].ok
    assert started == ["01-second", "00-first"]


def test_command_line_takes_formats(monkeypatch):
    from bkanalysis.cli import build_parser

    seen = {}

    def fake_report(**kwargs):
        seen.update(kwargs)
        return rp.ReportResult(built=False, progress_workbook=None, langs=("vi",))

    monkeypatch.setattr(rp, "report", fake_report)
    args = build_parser().parse_args(["report", "--quiet"])
    assert commands.report_command(args) == 0 and seen["formats"] == rp.REPORT_FORMATS
    args = build_parser().parse_args(["report", "--formats", "all", "--quiet"])
    assert commands.report_command(args) == 0 and seen["formats"] == "all"


def test_save_figure_writes_the_formats_bkanalysis_formats_names(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from bkanalysis.plotting import save_figure

    data = pd.DataFrame({"year": [2019, 2020], "value": [71.0, 72.6]})
    kw = {"caption": "Che phủ", "sources": ["Niên giám"], "synthetic": True, "data": data}
    for var in ("BKANALYSIS_REUSE_DIR", "BKANALYSIS_EXPORT_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BKANALYSIS_FORMATS", "pdf")
    fig = _small_figure([71.0, 72.6])
    try:
        saved = save_figure(fig, "forest", out_dir=tmp_path, **kw)
        assert sorted(saved) == ["csv", "manifest", "pdf"]
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "forest.csv", "forest.pdf", "manifest.csv",
        ]  # fmt: skip
        # an explicit list wins over the environment
        png_only = save_figure(fig, "forest", out_dir=tmp_path, formats=("png",), **kw)
        assert sorted(png_only) == ["csv", "manifest", "png"]
        monkeypatch.setenv("BKANALYSIS_FORMATS", "tiff")
        with pytest.raises(BkError, match="BKANALYSIS_FORMATS: unknown figure format tiff"):
            save_figure(fig, "forest", out_dir=tmp_path, **kw)
    finally:
        plt.close(fig)


DEFERRED_FIGURES = """import os, pathlib
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from bkanalysis.plotting import deferred, save_figure
from bkanalysis.plotting.recipe import reads

@reads(lambda a: {a["indicator_id"]})
def plot_one(observations, indicator_id):
    with open(os.environ["DRAWN_LOG"], "a", encoding="utf-8") as log:
        log.write(indicator_id + "\\n")
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    rows = observations[observations["indicator_id"] == indicator_id]
    ax.plot(rows["year"], rows["value"], marker="o")
    ax.set_title(indicator_id)
    fig._bkanalysis_data = [rows.reset_index(drop=True)]
    return ax

obs = pd.read_parquet(pathlib.Path(os.environ["BKANALYSIS_PROCESSED"]) / "observations.parquet")
for indicator in sorted(obs["indicator_id"].unique()):
    figure = deferred(plot_one, obs, indicator)
    save_figure(figure, indicator, caption="c", sources=["s"], synthetic=True, lang=lang)"""


def test_a_deferred_figure_whose_inputs_are_unchanged_is_not_drawn(
    project, in_process, monkeypatch, tmp_path
):
    paths, _ = project
    (paths.notebooks / "01-second.ipynb").unlink()
    make_notebook(paths.notebooks / "00-first.ipynb", DEFERRED_FIGURES)
    log = tmp_path / "drawn.log"
    monkeypatch.setenv("DRAWN_LOG", str(log))

    def drawn() -> list[str]:
        lines = log.read_text(encoding="utf-8").split() if log.exists() else []
        log.unlink(missing_ok=True)
        return lines

    (paths.raw / "a.xlsx").write_bytes(
        raw_rows(("forest_cover_pct", 2024, 72.0), ("urban_waste_collected_pct", 2024, 90.0))
    )
    assert run(paths)[0].ok
    assert drawn() == ["forest_cover_pct", "urban_waste_collected_pct"]
    records = json.loads((paths.reports / rp.CACHE_NAME).read_text(encoding="utf-8"))
    recipes = records["langs"]["vi"]["notebooks"]["00-first"]["recipes"]
    assert sorted(recipes) == ["forest_cover_pct", "urban_waste_collected_pct"]
    assert (
        recipes["forest_cover_pct"]["row"]["files"] == "forest_cover_pct.png;forest_cover_pct.csv"
    )
    # new forest data, in a file read before the waste rows: only the forest chart is drawn
    (paths.raw / "0.xlsx").write_bytes(raw_rows(("forest_cover_pct", 2025, 73.5)))
    assert run(paths)[0].executed == ["00-first"]
    assert drawn() == ["forest_cover_pct"]
    # a figure file changed outside the report is drawn again, never copied
    (paths.figures_dir("vi") / "urban_waste_collected_pct.csv").write_text("edited")
    assert run(paths)[0].executed == ["00-first"]
    assert drawn() == ["urban_waste_collected_pct"]
    # another caption (the notebook changed) draws every figure again
    make_notebook(paths.notebooks / "00-first.ipynb", DEFERRED_FIGURES.replace('"c"', '"d"'))
    assert run(paths)[0].executed == ["00-first"]
    assert drawn() == ["forest_cover_pct", "urban_waste_collected_pct"]
    incremental = snapshot(paths.reports / "vi")
    full = Paths(**{**paths.__dict__, "reports": tmp_path / "full-reports"})
    assert run(full)[0].ok
    assert snapshot(full.reports / "vi") == incremental

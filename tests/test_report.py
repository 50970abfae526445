"""Tests of ``bkanalysis report``: caching, --force, failing notebooks, progress lines.

The build and the progress workbook are replaced by small fakes (the real ones are
exercised by tests/test_notebooks.py); the notebooks here are tiny but run in a real
kernel through papermill, so the execution, the HTML export and the cache are real.
"""

from __future__ import annotations

import io
import json
from argparse import Namespace
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bkanalysis import report as rp
from bkanalysis.config import Paths
from bkanalysis.errors import BkError

WRITES_FIGURE = """import os, pathlib
fig_dir = pathlib.Path(os.environ["BKANALYSIS_REPORTS"]) / "figures"
fig_dir.mkdir(parents=True, exist_ok=True)
n = len(pd.read_parquet(pathlib.Path(os.environ["BKANALYSIS_PROCESSED"]) / "observations.parquet"))
(fig_dir / f"{name}_{lang}.csv").write_text(f"{n},{year},{vintage}")"""


def make_notebook(path: Path, body: str) -> Path:
    params = new_code_cell('year = None\nlang = "vi"\nvintage = None')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[
            params,
            new_code_cell(f"import pandas as pd\nname = {path.stem!r}"),
            new_code_cell(body),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A tmp project: two notebooks, one raw file, fake build and progress workbook."""
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "a.xlsx").write_bytes(b"raw one")
    make_notebook(root / "notebooks" / "00-first.ipynb", WRITES_FIGURE)
    make_notebook(root / "notebooks" / "01-second.ipynb", WRITES_FIGURE)
    (root / "notebooks" / "scratch.ipynb").write_text("not a report notebook")
    paths = Paths(
        root=root,
        raw=root / "data" / "raw",
        processed=root / "data" / "processed",
        external=root / "data" / "external",
        boundaries=root / "data" / "external" / "boundaries",
        geo_mirror=root / "geo",
        reports=root / "reports",
    )
    calls = {"build": 0, "workbook": 0}

    def fake_build(p, progress):
        calls["build"] += 1
        n = len(list(p.raw.iterdir()))
        p.processed.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"value": range(n)}).to_parquet(p.processed / "observations.parquet")

    def fake_workbook(p, target, year):
        calls["workbook"] += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"xlsx")

    # NOTE: the package source is an input too; pin it so edits elsewhere do not interfere
    monkeypatch.setattr(rp, "_source_digest", lambda: "source-v1")
    monkeypatch.setattr(rp, "_build", fake_build)
    monkeypatch.setattr(rp, "_assessment_workbook", fake_workbook)
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
        assert (paths.reports / "notebooks" / f"{name}.ipynb").is_file()
        html = (paths.reports / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert "<html" in html
        # the parameters reached the kernel, and so did the folders
        assert (paths.figures / f"{name}_vi.csv").read_text() == "1,None,None"
    assert sorted(p.name for p in first.figures) == ["00-first_vi.csv", "01-second_vi.csv"]
    # one progress line per step, with a timing
    lines = log.strip().splitlines()
    assert any(line.startswith("[1/4] build") for line in lines)
    assert all(line.rstrip().endswith(" s)") for line in lines if line.startswith("["))

    second, log = run(paths)
    assert second.executed == [] and second.skipped == ["00-first", "01-second"]
    assert not second.built and calls == {"build": 1, "workbook": 1}
    assert "skipped" in log
    assert len(second.figures) == 2

    forced, _ = run(paths, force=True)
    assert forced.executed == ["00-first", "01-second"]
    assert calls == {"build": 2, "workbook": 2}


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
    (paths.raw / "b.xlsx").write_bytes(b"raw two")
    result, _ = run(paths)
    assert calls["build"] == 2 and result.executed == ["00-first", "01-second"]
    assert (paths.figures / "00-first_vi.csv").read_text().startswith("2,")
    # new package code rebuilds and reruns everything
    monkeypatch.setattr(rp, "_source_digest", lambda: "source-v2")
    result, _ = run(paths)
    assert calls["build"] == 3 and result.executed == ["00-first", "01-second"]
    # a deleted output is made again
    (paths.reports / "notebooks" / "00-first.html").unlink()
    result, _ = run(paths)
    assert result.executed == ["00-first"]
    # other parameters are other inputs
    result, _ = run(paths, lang="en", year=2020, vintage="2020")
    assert result.executed == ["00-first", "01-second"]
    assert (paths.figures / "00-first_en.csv").read_text() == "2,2020,2020"


def test_longest_notebook_is_started_first(project, monkeypatch):
    paths, _calls = project
    order: list[str] = []

    def timed_execute(source, output, html, params, cwd):
        order.append(Path(source).stem)
        fake_execute(source, output, html, params, cwd)

    monkeypatch.setattr(rp, "_execute_notebook", timed_execute)
    monkeypatch.setattr(rp, "_default_jobs", lambda: 1)
    assert run(paths)[0].ok
    assert order == ["00-first", "01-second"]  # nothing timed yet: notebook order
    cache_path = paths.reports / rp.CACHE_NAME
    cache = json.loads(cache_path.read_text(encoding="utf-8"))
    assert all("seconds" in entry for entry in cache["notebooks"].values())
    cache["notebooks"]["00-first"]["seconds"] = 1.0
    cache["notebooks"]["01-second"]["seconds"] = 30.0
    cache_path.write_text(json.dumps(cache), encoding="utf-8")
    order.clear()
    (paths.raw / "b.xlsx").write_bytes(b"raw two")  # new data: both notebooks rerun
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
    # the failed notebook is kept for inspection, and is not cached as done
    assert (paths.reports / "notebooks" / "00-first.ipynb").is_file()
    cache = json.loads((paths.reports / rp.CACHE_NAME).read_text(encoding="utf-8"))
    assert set(cache["notebooks"]) == {"01-second"}
    again, _ = run(paths)
    assert [r.name for r in again.failed] == ["00-first"] and again.skipped == ["01-second"]

    # the command: one line per failure on stderr, exit status 1
    monkeypatch.setattr(rp, "get_paths", lambda: paths)
    status = rp.report_command(Namespace(lang="vi", force=False, quiet=True))
    err = capsys.readouterr().err
    assert status == 1
    assert err.strip() == (
        "bkanalysis report: notebook 00-first failed: cell In[4]: ValueError: no such indicator: xyz"
    )


def test_bad_arguments_are_rejected(project):
    paths, _ = project
    with pytest.raises(BkError, match="'fr'"):
        rp.report(lang="fr", paths=paths)
    with pytest.raises(BkError, match="'2021'"):
        rp.report(vintage="2021", paths=paths)
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

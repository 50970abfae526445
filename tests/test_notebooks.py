"""The themed notebooks: committed clean and thin, and they run on the example data."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest

from bkanalysis import report as rp
from bkanalysis.config import get_paths

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00-overview",
    "01-emissions",
    "02-waste",
    "03-rural-development",
    "04-forest-water",
]
GEO = Path(os.environ.get("BKANALYSIS_GEO_MIRROR", ROOT.parent / "shared" / "geo"))


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def parse(source: str) -> ast.Module:
    # IPython magics and shell escapes are not Python
    lines = ["" if re.match(r"\s*[%!]", line) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def test_the_five_notebooks_exist_in_report_order():
    assert [p.stem for p in rp.list_notebooks(ROOT / "notebooks")] == EXPECTED
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [], f"{path.name} cell {i} holds outputs (run nbstripout)"
        assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_def_or_class_and_thin_cells(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(code_cells(nb)):
        tree = parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef), (
                f"{path.name} cell {i}: define functions and classes in bkanalysis, "
                f"not in a notebook ({node.name})"
            )
        statements = len(tree.body)
        assert statements <= 8, f"{path.name} cell {i}: {statements} statements, keep cells thin"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_papermill_parameters(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in code_cells(nb) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters' expected"
    assigned = {
        t.id
        for node in parse(tagged[0].source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert assigned == {"year", "lang"}
    # the parameters come before any code that uses them
    assert code_cells(nb).index(tagged[0]) <= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_only_processed_data_and_exports_figures(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in code_cells(nb))
    # the shared set-up loads data/processed (bkanalysis.notebook.setup)
    assert "obs, year = notebook.setup(year, lang" in code
    for forbidden in ("read_excel", "openpyxl", "read_workbook", "read_parquet", "read_csv"):
        assert forbidden not in code, f"{path.name} reads data other than data/processed"
    assert not re.search(r"\.raw\b", code), f"{path.name} looks into data/raw"
    assert "save_figure(" in code
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Câu hỏi" in markdown or "Questions" in markdown


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.stem)
def test_theme_notebook_shows_every_target_of_its_theme(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in code_cells(nb))
    assert "plot_target_series" in code
    if path.stem != "01-emissions":  # emissions are provincial: no commune data exists
        assert "plot_commune_map" in code


@pytest.mark.slow
def test_every_notebook_runs_on_the_example_data(tmp_path, monkeypatch):
    """Build the example data into tmp and execute every notebook with ``report``."""
    paths = get_paths()
    if not any(paths.raw.rglob("*.xls*")):
        pytest.skip(f"no example workbooks in {paths.raw}")
    monkeypatch.setenv("BKANALYSIS_PROCESSED", str(tmp_path / "processed"))
    monkeypatch.setenv("BKANALYSIS_REPORTS", str(tmp_path / "reports"))
    if (GEO / "bac_kan_communes_2020.geojson").is_file():
        monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(GEO))
    else:
        # NOTE: the notebooks must still run without boundaries (maps are skipped)
        monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(tmp_path / "no-boundaries"))
        monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(tmp_path / "no-boundaries"))
    paths = get_paths()
    result = rp.report(lang="en", progress=False, paths=paths)
    assert result.ok, "; ".join(f"{r.name}: {r.error}" for r in result.failed)
    assert result.executed == EXPECTED
    out = tmp_path / "reports" / "en"  # the English report, beside the Vietnamese one
    for name in EXPECTED:
        executed = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        images = [
            o
            for c in code_cells(executed)
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]
        assert images, f"{name}: no chart in the executed notebook"
        assert (out / "notebooks" / f"{name}.html").stat().st_size > 10_000
    assert (tmp_path / "reports" / "progress.xlsx").is_file()
    pngs = {p.stem for p in (out / "figures").glob("*.png")}
    # the report's default formats: PNG and the data (SVG, PDF only with --formats)
    assert {p.suffix for p in (out / "figures").iterdir()} == {".png", ".csv"}
    assert any(n.startswith("target_dashboard_") for n in pngs)
    assert {"forest_cover_2020_as_of", "ntm_communes_2020_as_of"} <= {
        re.sub(r"_\d{4}$", "", n) for n in pngs
    }
    if (
        "BKANALYSIS_GEO_MIRROR" not in os.environ
        or (GEO / "bac_kan_communes_2020.geojson").is_file()
    ):
        assert any("_by_commune_" in n for n in pngs), "no commune map was exported"
    manifest = (out / "figures" / "manifest.csv").read_text(encoding="utf-8-sig")
    assert "caption_vi" in manifest and "caption_en" in manifest
    # the repository's own reports/ was not touched by this test
    assert not (ROOT / "reports" / "notebooks" / "00-overview.ipynb").is_symlink()


# --------------------------------------------------------------------------- bkanalysis.notebook
def test_shared_assessment_is_used_only_for_the_same_observations_and_year(tmp_path, monkeypatch):
    import pickle

    import pandas as pd

    from bkanalysis import notebook

    obs = pd.DataFrame({"indicator_id": ["a", "b"], "year": [2020, 2021], "value": [1.0, 2.0]})
    made = pd.DataFrame({"target_id": ["t"], "status": ["on_track"]})
    shared = tmp_path / "assessment.pickle"
    shared.write_bytes(pickle.dumps({"key": rp._assessment_key(obs, 2021), "assessment": made}))
    monkeypatch.delenv("BKANALYSIS_ASSESSMENT", raising=False)
    assert rp.shared_assessment(obs, 2021) is None  # not inside a report
    monkeypatch.setenv("BKANALYSIS_ASSESSMENT", str(shared))
    assert rp.shared_assessment(obs, 2021).equals(made)
    assert notebook.assessment(obs, 2021).equals(made)
    assert rp.shared_assessment(obs, 2020) is None  # another year
    changed = obs.assign(value=[1.0, 2.5])
    assert rp.shared_assessment(changed, 2021) is None  # other observations


def test_show_scales_the_saved_png_down_and_falls_back_outside_a_kernel(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from bkanalysis import notebook

    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([1, 2], [3, 4])
    png = tmp_path / "f.png"
    fig.savefig(png, dpi=300)
    with Image.open(io.BytesIO(notebook._screen_png(png, fig.dpi))) as small:
        assert small.size == (400, 300)  # the figure's size on screen
    notebook.show(fig, {"png": png})  # no kernel here: plt.show(), nothing raised
    plt.close(fig)


def _without_timings(path: Path) -> dict:
    """An executed notebook without papermill's and Jupyter's timings (they differ run to run)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


@pytest.mark.slow
def test_a_report_after_one_more_workbook_equals_a_full_run_on_the_example_data(
    tmp_path, monkeypatch
):
    """The shipped notebooks: those skipped after a forest workbook show what a full run shows."""
    import shutil

    source = get_paths().raw
    if not any(source.rglob("*.xls*")):
        pytest.skip(f"no example workbooks in {source}")
    raw = tmp_path / "raw"
    shutil.copytree(source, raw)
    monkeypatch.setenv("BKANALYSIS_RAW", str(raw))
    # no commune maps: the tables and charts are what this compares, and it is faster
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(tmp_path / "no-boundaries"))
    monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(tmp_path / "no-boundaries"))

    def report(name: str):
        monkeypatch.setenv("BKANALYSIS_PROCESSED", str(tmp_path / name / "processed"))
        monkeypatch.setenv("BKANALYSIS_REPORTS", str(tmp_path / name / "reports"))
        result = rp.report(progress=False, paths=get_paths())
        assert result.ok, "; ".join(f"{r.name}: {r.error}" for r in result.failed)
        return result

    assert report("incremental").executed == EXPECTED
    # a revised copy of the forest workbook, listed in SOURCES.yml like the original
    original = "synthetic/hien_trang_rung_2015_2024.xlsx"
    # NOTE: named to sort before most workbooks: their rows move down in the table
    added = "synthetic/hien_trang_rung_2015_2024_ban_sua.xlsx"
    shutil.copy2(raw / original, raw / added)
    sources = (raw / "SOURCES.yml").read_text(encoding="utf-8")
    start = sources.index(f"  - path: {original}\n")
    end = sources.find("\n  - path: ", start + 1)
    entry = sources[start : len(sources) if end < 0 else end + 1].rstrip("\n") + "\n"
    (raw / "SOURCES.yml").write_text(
        sources.rstrip("\n") + "\n" + entry.replace(original, added), encoding="utf-8"
    )
    again = report("incremental")
    assert again.executed == ["00-overview", "04-forest-water"]
    assert again.skipped == ["01-emissions", "02-waste", "03-rural-development"]
    assert report("full").executed == EXPECTED

    incremental, full = (tmp_path / n / "reports" / "vi" for n in ("incremental", "full"))
    files = sorted(p.relative_to(full) for p in full.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(incremental) for p in incremental.rglob("*") if p.is_file()
    )
    for rel in files:
        if rel.suffix == ".ipynb":
            assert _without_timings(incremental / rel) == _without_timings(full / rel), rel
        else:
            assert (incremental / rel).read_bytes() == (full / rel).read_bytes(), rel

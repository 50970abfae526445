"""Where the time of ``bkanalysis report`` goes, and the incremental report figures (issue 18).

Used by ``benchmarks/run.py``; also runs alone on a report folder made by
``bkanalysis report``::

    .venv/bin/python benchmarks/report_profile.py reports

The profile is read from the executed notebooks (papermill records each cell's duration
in its metadata), grouped by what the cell does, and completed with what happens outside
the cells: the kernel's start (timed here with ``jupyter_client``), the HTML conversion
(timed here with nbconvert on the executed notebook) and the notebook's wall time recorded
by the report in ``reports/.report-cache.json``. Export formats are timed in this process
on one figure of each kind (a target's series, a commune map with labels).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

#: What a code cell does, by the first pattern its source matches (order matters).
CELL_KINDS: tuple[tuple[str, str], ...] = (
    ("imports", r"^import |^from .* import "),
    ("data loading", r"load_observations\(|notebook\.setup\("),
    ("assessment", r"\bassess\(|notebook\.assessment\(|emissions_vs_bau\(|project_emissions\("),
    ("commune maps (draw, labels, export)", r"plot_commune_map|plot_target_map|plot_commune_small"),
    ("other figures (draw, export)", r"save_figure\("),
)


def cell_kind(source: str) -> str:
    """Return the kind of a notebook code cell (see :data:`CELL_KINDS`)."""
    for kind, pattern in CELL_KINDS:
        if re.search(pattern, source, flags=re.MULTILINE):
            return kind
    return "tables and checks"


def notebook_profile(executed: Path) -> dict[str, float]:
    """Seconds per cell kind of an executed notebook (papermill's per-cell durations)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    out: dict[str, float] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        duration = (cell.get("metadata", {}).get("papermill") or {}).get("duration") or 0.0
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        tags = cell.get("metadata", {}).get("tags", [])
        kind = (
            "parameters" if {"parameters", "injected-parameters"} & set(tags) else cell_kind(source)
        )
        out[kind] = out.get(kind, 0.0) + float(duration)
    return out


def html_seconds(executed: Path) -> float:
    """Seconds nbconvert takes to turn the executed notebook into HTML."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    t = time.perf_counter()
    HTMLExporter().from_notebook_node(nb)
    return time.perf_counter() - t


def kernel_start_seconds(repeat: int = 3) -> float:
    """Median seconds to start a ``python3`` kernel until it answers, as papermill does."""
    from jupyter_client.manager import start_new_kernel

    from bkanalysis.kernels import KERNEL_ARGUMENTS

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        # the report's own kernel arguments (no TCP warning on stderr)
        km, kc = start_new_kernel(kernel_name="python3", extra_arguments=list(KERNEL_ARGUMENTS))
        times.append(time.perf_counter() - t)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(times)


def export_seconds(observations: Path) -> dict[str, float]:
    """Seconds per export format of ``save_figure`` on a series chart and a commune map."""
    import tempfile

    import matplotlib.pyplot as plt
    import pandas as pd

    import bkanalysis
    from bkanalysis import plotting
    from bkanalysis.io import write_csv_atomic
    from bkanalysis.plotting import export
    from bkanalysis.plotting._common import recorded_data

    obs = pd.read_parquet(observations)
    plotting.use_theme()
    out: dict[str, float] = {}
    year = int(obs.loc[obs["status"] != "plan", "year"].max())
    assessment = bkanalysis.assess(obs, as_of=year)
    figures = {}
    commune = obs[(obs["indicator_id"] == "forest_cover_pct") & (obs["area_level"] == "commune")]
    if len(commune) and plotting.boundaries_available("2020"):
        map_year = int(commune["year"].max())
        vintage = bkanalysis.vintage_for_year(map_year)
        plotting.plot_commune_map(obs, "forest_cover_pct", map_year, vintage=vintage)
        plt.close("all")  # the first call loads the boundaries: not timed
        times = {}
        for labels in ("none", "auto"):
            t = time.perf_counter()
            ax = plotting.plot_commune_map(obs, "forest_cover_pct", map_year, vintage=vintage,
                                           labels=labels)  # fmt: skip
            times[labels] = time.perf_counter() - t
            if labels == "none":
                plt.close(ax.figure)
        out["map: draw without labels"] = times["none"]
        out["map: label placement (with labels as the notebooks draw them, minus without)"] = (
            times["auto"] - times["none"]
        )
        figures["map"] = ax.figure
    # made after the plt.close above: a closed figure is saved by matplotlib's own writer
    figures["series"] = plotting.plot_target_series(
        obs, "forest_cover_2020", assessment=assessment
    ).figure
    with tempfile.TemporaryDirectory() as tmp:
        # the CSV and manifest row alone, as save_figure writes them with every format
        data = recorded_data(figures["series"])
        row = dict.fromkeys(export.MANIFEST_COLUMNS, "x") | {"name": "bench_csv"}
        t = time.perf_counter()
        write_csv_atomic(data.reset_index(drop=True), Path(tmp) / "bench_csv.csv")
        export._update_manifest(Path(tmp), row)
        out["series: CSV and manifest row alone"] = time.perf_counter() - t
        for label, fig in sorted(figures.items(), key=lambda item: item[0] != "series"):
            for fmt in export.FORMATS:
                t = time.perf_counter()
                plotting.save_figure(fig, f"bench_{label}", caption="x", sources=["bench"],
                                     synthetic=True, out_dir=tmp, formats=(fmt,))  # fmt: skip
                out[f"{label}: {fmt.upper()} (+ CSV, manifest row)"] = time.perf_counter() - t
            plt.close(fig)
    return out


def report_profile(reports: Path, lang: str = "vi") -> dict:
    """Profile of the notebooks of the report in *reports* (see the module docstring)."""
    cache = json.loads((reports / ".report-cache.json").read_text(encoding="utf-8"))
    records = cache["langs"][lang]["notebooks"]
    notebooks = {}
    for executed in sorted((reports / lang / "notebooks").glob("*.ipynb")):
        cells = notebook_profile(executed)
        wall = float(records.get(executed.stem, {}).get("seconds", 0.0))
        html = html_seconds(executed)
        notebooks[executed.stem] = {
            "cells": cells,
            "html_s": html,
            "wall_s": wall,
            "outside_cells_s": max(0.0, wall - sum(cells.values()) - html),
        }
    return {"notebooks": notebooks, "kernel_start_s": kernel_start_seconds()}


def print_profile(profile: dict, exports: dict[str, float] | None = None) -> None:
    kinds: list[str] = []
    for nb in profile["notebooks"].values():
        kinds += [k for k in nb["cells"] if k not in kinds]
    names = list(profile["notebooks"])
    width = max(len(k) for k in [*kinds, "kernel start + papermill (outside cells)"]) + 2
    print("  " + "seconds".ljust(width) + "".join(n[:14].rjust(15) for n in names) + "      total")
    rows = [(k, [profile["notebooks"][n]["cells"].get(k, 0.0) for n in names]) for k in kinds]
    rows.append(("HTML conversion", [profile["notebooks"][n]["html_s"] for n in names]))
    rows.append(("kernel start + papermill (outside cells)",
                 [profile["notebooks"][n]["outside_cells_s"] for n in names]))  # fmt: skip
    rows.append(("notebook wall (as the report timed it)",
                 [profile["notebooks"][n]["wall_s"] for n in names]))  # fmt: skip
    for label, values in rows:
        cells = "".join(f"{v:15.1f}" for v in values)
        print(f"  {label.ljust(width)}{cells}{sum(values):11.1f}")
    print(f"  a python3 kernel starts in {profile['kernel_start_s']:.1f} s (median of 3, alone)")
    for label, seconds in (exports or {}).items():
        print(f"  export {label}: {seconds:.2f} s")


def add_one_theme_workbook(root: Path) -> str:
    """Add a workbook that touches only forest indicators to ``<root>/data/raw``.

    A revised copy of the synthetic forest workbook, listed in ``SOURCES.yml`` like the
    original (its entry copied with the new path): only forest indicators get new rows.
    """
    raw = root / "data" / "raw"
    original = "synthetic/hien_trang_rung_2015_2024.xlsx"
    added = "synthetic/hien_trang_rung_2015_2024_ban_sua_doi.xlsx"
    shutil.copy2(raw / original, raw / added)
    sources = raw / "SOURCES.yml"
    text = sources.read_text(encoding="utf-8")
    start = text.index(f"  - path: {original}\n")
    end = text.find("\n  - path: ", start + 1)
    block = text[start : len(text) if end < 0 else end + 1]
    if not block.endswith("\n"):
        block += "\n"
    sources.write_text(text.rstrip("\n") + "\n" + block.replace(original, added), encoding="utf-8")
    return added


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "reports")
    print_profile(report_profile(folder))

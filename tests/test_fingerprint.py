"""The figure fingerprint: what lets the report copy a figure's files instead of drawing them.

The report copies last run's PNG/SVG/PDF of a figure whose fingerprint is unchanged, so
the fingerprint must change with anything drawn and must not change between processes.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from bkanalysis.plotting import save_figure
from bkanalysis.plotting.export import _tight_bbox
from bkanalysis.plotting.theme import theme_context

FORMATS = ("png", "svg", "pdf")


def _figure(values=(71.0, 72.6), *, colour="C0", title="Tỷ lệ che phủ rừng", label="2020"):
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.plot([2019, 2020], list(values), color=colour, marker="o")
    ax.set_title(title)
    ax.annotate(label, (2020, values[-1]))
    return fig


def _fingerprint(fig) -> str | None:
    with theme_context():
        return _tight_bbox(fig, 0.08, fingerprint=True)[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_same_drawing_gives_the_same_fingerprint():
    assert _fingerprint(_figure()) == _fingerprint(_figure())


@pytest.mark.parametrize(
    "change",
    [
        {"values": (71.0, 72.6000001)},  # a value far below a pixel
        {"colour": "C1"},
        {"title": "Tỷ lệ che phủ rừng (%)"},
        {"label": "2021"},
    ],
)
def test_anything_drawn_changes_the_fingerprint(change):
    assert _fingerprint(_figure(**change)) != _fingerprint(_figure())


def test_style_size_and_settings_change_the_fingerprint():
    base = _fingerprint(_figure())
    fig = _figure()
    fig.axes[0].lines[0].set_linestyle("--")
    assert _fingerprint(fig) != base
    fig = _figure()
    fig.set_size_inches(3, 2.5)
    assert _fingerprint(fig) != base
    with matplotlib.rc_context({"path.simplify_threshold": 0.5}):  # read when rendering
        assert _fingerprint(_figure()) != base


def test_an_image_or_a_filter_is_never_vouched_for():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.imshow(np.arange(12.0).reshape(3, 4))
    assert _fingerprint(fig) is None
    fig = _figure()
    fig.axes[0].lines[0].set_agg_filter(lambda image, dpi: (image, 0, 0))
    assert _fingerprint(fig) is None


def test_the_fingerprint_is_the_same_in_another_process():
    code = textwrap.dedent(
        """
        import matplotlib
        matplotlib.use("Agg")
        import test_fingerprint as t
        print(t._fingerprint(t._figure()))
        """
    )
    here = __import__("pathlib").Path(__file__).parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=here, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == _fingerprint(_figure())


def _save(fig, out, reuse, monkeypatch, **kw):
    monkeypatch.setenv("BKANALYSIS_EXPORT_DIR", str(out))
    if reuse is None:
        monkeypatch.delenv("BKANALYSIS_REUSE_DIR", raising=False)
    else:
        reuse.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv("BKANALYSIS_REUSE_DIR", str(reuse))
    data = pd.DataFrame({"year": [2019, 2020], "value": [71.0, 72.6]})
    kw = {"caption": "Che phủ", "sources": ["Niên giám"], "synthetic": True, **kw}
    return save_figure(fig, "forest", data=data, formats=FORMATS, **kw)


def test_the_fingerprint_does_not_depend_on_what_the_process_drew_before():
    # matplotlib's axhspan sets the interpolation steps of the unit rectangle that every
    # Rectangle (an Axes' background) shares; no renderer reads them
    before = _fingerprint(_figure())
    fig, ax = plt.subplots()
    ax.axhspan(0.0, 1.0)
    plt.close(fig)
    assert _fingerprint(_figure()) == before


def test_report_export_copies_the_files_of_an_unchanged_figure(tmp_path, monkeypatch):
    """Inside the report, a figure that draws as last time is copied, any other is drawn."""
    for var in ("BKANALYSIS_NOTEBOOK", "JPY_SESSION_NAME"):
        monkeypatch.delenv(var, raising=False)
    first, again, reuse = tmp_path / "first", tmp_path / "again", tmp_path / "reuse"
    _save(_figure(), first, tmp_path / "none", monkeypatch)
    digest = (first / ".fingerprints" / "forest").read_text(encoding="ascii")
    reuse.mkdir()
    for fmt in FORMATS:  # marked bytes: a copy, not a drawing
        (reuse / f"forest.{fmt}").write_bytes(f"previous {fmt}".encode())
        (reuse / f"forest.{fmt}.fingerprint").write_text(digest, encoding="ascii")
    (reuse / "forest.pdf.fingerprint").write_text("0" * 64, encoding="ascii")
    _save(_figure(), again, reuse, monkeypatch)
    assert (again / "forest.png").read_bytes() == b"previous png"
    assert (again / "forest.svg").read_bytes() == b"previous svg"
    # a file drawn from another figure is drawn again
    assert (again / "forest.pdf").read_bytes() == (first / "forest.pdf").read_bytes()
    assert (again / "manifest.csv").read_bytes() == (first / "manifest.csv").read_bytes()
    # the footer is part of the drawing: other sources, another fingerprint, drawn again
    _save(_figure(), again, reuse, monkeypatch, sources=["Niên giám 2024"])
    assert (again / "forest.png").read_bytes()[:4] == b"\x89PNG"
    assert (again / ".fingerprints" / "forest").read_text(encoding="ascii") != digest
    # a hand run draws everything, records no fingerprint, and gives the report's bytes
    _save(_figure(), tmp_path / "hand", None, monkeypatch)
    assert not (tmp_path / "hand" / ".fingerprints").exists()
    for fmt in FORMATS:
        assert (tmp_path / "hand" / f"forest.{fmt}").read_bytes() == (
            first / f"forest.{fmt}"
        ).read_bytes(), fmt


def test_a_figure_not_vouched_for_leaves_no_fingerprint(tmp_path, monkeypatch):
    out, reuse = tmp_path / "out", tmp_path / "reuse"
    _save(_figure(), out, reuse, monkeypatch)
    assert (out / ".fingerprints" / "forest").is_file()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.imshow(np.arange(12.0).reshape(3, 4))
    _save(fig, out, reuse, monkeypatch)
    assert not (out / ".fingerprints" / "forest").exists()
    assert (out / "forest.png").read_bytes()[:4] == b"\x89PNG"

"""``bkanalysis brief``: the Word policy brief, read back with python-docx."""

from __future__ import annotations

import shutil
import subprocess

import docx
import pandas as pd
import pytest
from PIL import Image

from bkanalysis import brief, catalog
from bkanalysis.brief import BriefInputs, brief_document, find_figures_dir, write_brief
from bkanalysis.cli import main
from bkanalysis.config import get_paths
from bkanalysis.plotting.export import MANIFEST_COLUMNS
from bkanalysis.progress import assess
from bkanalysis.schema import vintage_for_year
from bkanalysis.targets import load_targets

PUBLISHED = "published/a.xlsx"
SYNTHETIC = "synthetic/b.xlsx"


def _obs(indicator_id, points, *, source=SYNTHETIC, code="06", level="province"):
    return pd.DataFrame(
        [
            {
                "indicator_id": indicator_id,
                "area_code": code,
                "area_level": level,
                "admin_vintage": vintage_for_year(y),
                "area_name": "Bắc Kạn",
                "year": y,
                "value": float(v),
                "unit": catalog.indicator(indicator_id)["unit"],
                "status": "actual",
                "source_file": source,
                "source_sheet": "S",
                "source_cell": f"B{i + 2}",
                "source_label": "x",
            }
            for i, (y, v) in enumerate(points.items())
        ]
    )


def _observations(source=SYNTHETIC) -> pd.DataFrame:
    return pd.concat(
        [
            _obs("forest_cover_pct", {2017: 70.0, 2020: 72.8, 2023: 73.1}, source=source),
            _obs("ntm_communes_count", {2017: 10, 2020: 27, 2023: 35}, source=source),
            _obs("ghg_emissions_tco2e", {2017: 100.0, 2020: 96.0}, source=source),
            _obs("ghg_bau_tco2e", {2017: 100.0, 2020: 100.0}, source=source),
        ],
        ignore_index=True,
    )


def _sources() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "path": PUBLISHED,
                "title": "Niên giám thống kê",
                "publisher": "Cục Thống kê",
                "kind": "published",
                "received": "2026-11-20",
                "sha256": "0" * 64,
                "sources": ("https://example.org/nien-giam",),
                "generator": "",
                "note": "",
            },
            {
                "path": SYNTHETIC,
                "title": "Báo cáo mô phỏng",
                "publisher": "generator",
                "kind": "synthetic",
                "received": "2026-11-24",
                "sha256": "1" * 64,
                "sources": (),
                "generator": "scripts/make_example_data.py --seed 1635",
                "note": "",
            },
        ]
    )


def _png(path, width_px):
    Image.new("RGB", (width_px, width_px // 2), "white").save(path, dpi=(300, 300))


def _manifest(folder, year=2023) -> pd.DataFrame:
    """Figures of the brief's headline patterns: a full-width and a half-width one."""
    rows = []
    for name, width_px, extra in (
        (f"target_dashboard_{year}", 1890, {}),
        ("ghg_emissions_by_sector", 945, {}),
        (f"forest_cover_2030_as_of_{year}", 1890, {"width_cm": "8"}),
    ):
        _png(folder / f"{name}.png", width_px)
        rows.append(
            {
                "name": name,
                "title_vi": f"Tiêu đề {name}",
                "title_en": f"Title {name}",
                "caption_vi": f"Chú thích {name}",
                "caption_en": f"Caption {name}",
                "sources": f"Nguồn của {name}",
                "synthetic": "true",
                "files": f"{name}.png",
                **extra,
            }
        )
    df = pd.DataFrame(rows)
    for col in MANIFEST_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    return df


def _inputs(tmp_path, observations=None, *, figures=True, as_of=None) -> BriefInputs:
    observations = _observations() if observations is None else observations
    assessment = assess(observations, as_of=as_of)
    folder = tmp_path / "figures"
    folder.mkdir(exist_ok=True)
    manifest = _manifest(folder) if figures else None
    return BriefInputs(
        assessment=assessment,
        observations=observations,
        sources=_sources(),
        manifest=manifest,
        figures_dir=folder if figures else None,
    )


def _status_tables(document, lang="vi"):
    head = {"vi": "Mục tiêu", "en": "Target"}[lang]
    return [t for t in document.tables if t.rows[0].cells[0].text == head]


def _headings(document):
    return [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]


def _read(tmp_path, inputs, lang="vi", theme="all"):
    path, notes = write_brief(tmp_path / f"b_{lang}.docx", lang=lang, theme=theme, inputs=inputs)
    return docx.Document(str(path)), notes, path


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_heading_structure(tmp_path, lang):
    document, _, _ = _read(tmp_path, _inputs(tmp_path), lang)
    heads = _headings(document)
    assert heads[0][0] == "Title"
    level1 = [text for style, text in heads if style == "Heading 1"]
    level2 = [text for style, text in heads if style == "Heading 2"]
    if lang == "vi":
        assert level1 == [
            "Tóm tắt",
            "Tiến độ theo lĩnh vực",
            "Phụ lục: Phương pháp và nguồn số liệu",
        ]
        assert "Phát thải khí nhà kính" in level2 and "Rừng và nước" in level2
        assert {"Cách đánh giá tiến độ", "Nguồn số liệu", "Phần nào là minh hoạ"} <= set(level2)
    else:
        assert level1 == ["Summary", "Progress by theme", "Annex: method and data sources"]
        assert "Greenhouse-gas emissions" in level2 and "Forest and water" in level2
    # four themes, then the three annex sections
    assert len(level2) == 4 + 3


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_one_status_row_per_target(tmp_path, lang):
    document, _, _ = _read(tmp_path, _inputs(tmp_path), lang)
    tables = _status_tables(document, lang)
    assert len(tables) == 4
    n_rows = sum(len(t.rows) - 1 for t in tables)
    assert n_rows == len(load_targets())
    # the status cell is shaded with the status colour of statuses.csv
    labels = catalog.read_package_csv("statuses.csv").set_index(f"label_{lang}")["colour"]
    shaded = 0
    for table in tables:
        for row in table.rows[1:]:
            cell = row.cells[3]
            fill = cell._tc.tcPr.xpath("./w:shd/@w:fill")
            assert fill == [labels[cell.text].lstrip("#").upper()]
            shaded += 1
    assert shaded == n_rows


def test_theme_limits_the_table(tmp_path):
    document, _, _ = _read(tmp_path, _inputs(tmp_path), "vi", theme="forest_water")
    targets = load_targets()
    tables = _status_tables(document)
    assert len(tables) == 1
    assert len(tables[0].rows) - 1 == int((targets["theme"] == "forest_water").sum())


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_figure_has_caption_and_source(tmp_path, lang):
    document, notes, _ = _read(tmp_path, _inputs(tmp_path), lang)
    assert notes == []
    paragraphs = document.paragraphs
    word, source = {"vi": ("Hình", "Nguồn:"), "en": ("Figure", "Source:")}[lang]
    pictures = [i for i, p in enumerate(paragraphs) if p._p.xpath(".//pic:pic")]
    assert len(pictures) == len(document.inline_shapes) == 3
    for n, i in enumerate(pictures, start=1):
        caption, src = paragraphs[i + 1], paragraphs[i + 2]
        assert caption.style.name == "Caption"
        assert caption.text.startswith(f"{word} {n}. ")
        assert ("Chú thích" if lang == "vi" else "Caption") in caption.text
        assert "Illustrative data" in caption.text
        assert caption._p.xpath(".//w:instrText")[0].text.strip().startswith(f"SEQ {word}")
        assert src.text.startswith(source) and "Nguồn của" in src.text
    widths = sorted(round(s.width.cm, 1) for s in document.inline_shapes)
    assert widths == [8.0, 8.0, 16.0]  # a 945-px PNG, a width_cm of 8, a 1890-px PNG


def test_page_size_margins_fonts_and_page_number(tmp_path):
    document, _, _ = _read(tmp_path, _inputs(tmp_path))
    section = document.sections[0]

    def mm(length):
        return round(length.mm, 1)

    # stored in twips: 210 mm is 11906 twips, so compare to a tenth of a millimetre
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert mm(section.top_margin) == mm(section.bottom_margin) == 20
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14
    assert document.styles["Heading 1"].font.name == "Times New Roman"
    footer = section.footer.paragraphs[0]
    assert [t.text.strip() for t in footer._p.xpath(".//w:instrText")] == ["PAGE"]


def test_illustrative_notice_only_for_synthetic_inputs(tmp_path):
    document, _, _ = _read(tmp_path, _inputs(tmp_path))
    first = [p.text for p in document.paragraphs[:8]]
    assert "Dữ liệu minh hoạ / Illustrative data" in first
    published = _inputs(tmp_path, _observations(source=PUBLISHED), figures=False)
    document, _, _ = _read(tmp_path, published)
    texts = [p.text for p in document.paragraphs]
    assert "Dữ liệu minh hoạ / Illustrative data" not in texts
    assert any("đều là số liệu đã công bố" in t for t in texts)


def test_summary_sentences_come_from_the_assessment(tmp_path):
    inputs = _inputs(tmp_path)
    document, _, _ = _read(tmp_path, inputs)
    texts = [p.text for p in document.paragraphs]
    rows = inputs.assessment[inputs.assessment["area_level"] == "province"]
    assert f"trong {len(rows)} mục tiêu" in texts[texts.index("Tóm tắt") + 1]
    forest = rows[rows["theme"] == "forest_water"]
    line = next(t for t in texts if t.startswith("Rừng và nước:"))
    assert f"{len(forest)} mục tiêu" in line and "số liệu mới nhất năm 2023" in line


def test_new_data_appear_in_summary_and_table(tmp_path):
    before, _, _ = _read(tmp_path, _inputs(tmp_path))
    more = pd.concat(
        [_observations(), _obs("forest_cover_pct", {2024: 74.567}, source=SYNTHETIC)],
        ignore_index=True,
    )
    after, _, _ = _read(tmp_path, _inputs(tmp_path, more))

    def forest_row(document):
        table = _status_tables(document)[-1]
        return next(r for r in table.rows if r.cells[0].text.startswith("Tỷ lệ che phủ rừng: ≥"))

    assert "(2020)" in forest_row(before).cells[2].text  # the deadline year's value
    texts = [p.text for p in after.paragraphs]
    assert any("Năm đánh giá 2024" in t for t in texts)
    keep = next(
        r
        for r in _status_tables(after)[-1].rows
        if r.cells[0].text.startswith("– Tỷ lệ che phủ rừng: duy trì")
    )
    assert keep.cells[2].text == "74,6 % (2024)"


def test_units_and_numbers_in_the_language(tmp_path):
    observations = pd.concat(
        [
            _observations(),
            _obs("ntm_criteria_met_count", {2019: 8, 2020: 12}, code="01843", level="commune"),
        ],
        ignore_index=True,
    )
    vi, _, _ = _read(tmp_path, _inputs(tmp_path, observations), "vi")
    en, _, _ = _read(tmp_path, _inputs(tmp_path, observations), "en")
    vi_cells = [c.text for t in _status_tables(vi) for r in t.rows for c in r.cells]
    en_cells = [c.text for t in _status_tables(en, "en") for r in t.rows for c in r.cells]
    assert any("≥ 10 tiêu chí" in c for c in vi_cells)
    assert not any("criteria" in c for c in vi_cells)
    assert any("≥ 10 criteria" in c for c in en_cells)
    assert "72,8 % (2020)" in vi_cells and "72.8 % (2020)" in en_cells
    # the floor's note says who it binds
    assert any("phường và thị trấn" in p.text for p in vi.paragraphs)


def test_conditional_targets_and_2025_units_explained_where_they_apply(tmp_path):
    document, _, _ = _read(tmp_path, _inputs(tmp_path), "en")
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Conditional target") for t in texts)
    assert not any("From 1 July 2025" in t for t in texts)
    later = pd.concat(
        [
            _observations(),
            _obs("forest_cover_pct", {2025: 74.0}, code="01843", level="commune"),
        ],
        ignore_index=True,
    )
    document, _, _ = _read(tmp_path, _inputs(tmp_path, later), "en")
    texts = [p.text for p in document.paragraphs]
    assert sum("From 1 July 2025" in t for t in texts) == 1  # forest & water only


def test_figures_of_the_other_language_are_named(tmp_path):
    inputs = _inputs(tmp_path)
    inputs.manifest["lang"] = "vi"
    document, notes, _ = _read(tmp_path, inputs, "en")
    assert len(notes) == 1 and "bkanalysis report --lang en" in notes[0]
    assert any("drawn in Vietnamese" in p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 3  # still inserted
    inputs.notes.clear()
    document, notes, _ = _read(tmp_path, inputs, "vi")
    assert notes == []


def test_missing_figures_text_still_written(tmp_path):
    document, notes, _ = _read(tmp_path, _inputs(tmp_path, figures=False))
    assert len(notes) == 1 and "bkanalysis report" in notes[0]
    assert len(document.inline_shapes) == 0
    assert any("bkanalysis report" in p.text for p in document.paragraphs)
    assert _status_tables(document)


def test_deterministic_bytes(tmp_path):
    inputs = _inputs(tmp_path)
    a, _ = write_brief(tmp_path / "a.docx", inputs=inputs)
    inputs.notes.clear()
    b, _ = write_brief(tmp_path / "b.docx", inputs=inputs)
    assert a.read_bytes() == b.read_bytes()
    document = docx.Document(str(a))
    assert document.core_properties.created.year == 2000
    assert document.core_properties.modified.year == 2000


def test_find_figures_dir_prefers_the_language_folder(tmp_path):
    paths = get_paths(tmp_path)
    assert find_figures_dir(paths, "vi") is None
    # the old single folder (before reports/<lang>/) is not read any more
    (tmp_path / "reports" / "figures").mkdir(parents=True)
    (tmp_path / "reports" / "figures" / "manifest.csv").write_text("name\n")
    assert find_figures_dir(paths, "vi") is None
    (tmp_path / "reports" / "vi" / "figures").mkdir(parents=True)
    (tmp_path / "reports" / "vi" / "figures" / "manifest.csv").write_text("name\n")
    assert find_figures_dir(paths, "vi") == tmp_path / "reports" / "vi" / "figures"
    # only the Vietnamese figures exist: an English brief uses them (and says so)
    assert find_figures_dir(paths, "en") == tmp_path / "reports" / "vi" / "figures"
    (tmp_path / "reports" / "en" / "figures").mkdir(parents=True)
    (tmp_path / "reports" / "en" / "figures" / "manifest.csv").write_text("name\n")
    assert find_figures_dir(paths, "en") == tmp_path / "reports" / "en" / "figures"


def test_bad_arguments():
    with pytest.raises(Exception, match="theme must be one of"):
        brief_document(None, theme="trees")


def _project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "data" / "processed").mkdir(parents=True)
    (root / "data" / "raw").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    _observations().to_parquet(root / "data" / "processed" / "observations.parquet")
    monkeypatch.setenv("BKANALYSIS_ROOT", str(root))
    for var in ("RAW", "PROCESSED", "REPORTS", "EXTERNAL", "BOUNDARIES"):
        monkeypatch.delenv(f"BKANALYSIS_{var}", raising=False)
    return root


def test_cli_writes_the_default_path(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, monkeypatch)
    assert main(["brief", "--lang", "en"]) == 0
    out = root / "reports" / "brief_en_2023.docx"
    assert out.is_file()
    captured = capsys.readouterr()
    assert str(out) in captured.out
    assert "bkanalysis report" in captured.err  # one line: no figures yet
    assert main(["brief", "--year", "2020", "--out", str(tmp_path / "x.docx")]) == 0
    document = docx.Document(str(tmp_path / "x.docx"))
    assert any("Năm đánh giá 2020" in p.text for p in document.paragraphs)


def test_cli_without_build(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, monkeypatch)
    (root / "data" / "processed" / "observations.parquet").unlink()
    assert main(["brief"]) == 1
    assert "bkanalysis build" in capsys.readouterr().err


@pytest.mark.slow
def test_pdf_with_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        )
    _, _, path = _read(tmp_path, _inputs(tmp_path))
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = path.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("converted; poppler (pdfinfo) is not installed to check the pages")
    info = subprocess.run(
        [pdfinfo, str(pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 2
    assert "(A4)" in next(line for line in info.splitlines() if line.startswith("Page size:"))


def test_module_exports():
    assert set(brief.THEMES) == {"all", "emissions", "waste", "rural_development", "forest_water"}


# ---------------------------------------------------------------- brief-ready figures
def _figure_with_title(width="full"):
    import matplotlib.pyplot as plt

    from bkanalysis.plotting import figsize

    fig, ax = plt.subplots(figsize=figsize(width), layout="constrained")
    ax.plot([2019, 2020], [71.0, 72.6])
    ax.set_title("Tỷ lệ che phủ rừng")
    return fig


@pytest.mark.parametrize(("width", "cm"), [("full", "16.0"), ("half", "8.0")])
def test_manifest_records_the_drawn_width(tmp_path, width, cm):
    from bkanalysis.plotting import read_manifest, save_figure

    fig = _figure_with_title(width)
    save_figure(fig, "forest_cover_example", caption={"vi": "Che phủ", "en": "Cover"},
                sources="Niên giám", synthetic=True, out_dir=tmp_path, formats=("png",),
                data=pd.DataFrame({"year": [2019, 2020]}))  # fmt: skip
    row = read_manifest(tmp_path).set_index("name").loc["forest_cover_example"]
    assert row["width_cm"] == cm
    assert row["lang"] == "vi"  # the language drawn on the figure
    with Image.open(tmp_path / "forest_cover_example.png") as im:
        drawn_cm = im.size[0] / 300 * 2.54
    assert abs(drawn_cm - float(cm)) < 0.6  # the tight box: the drawn width, give or take


def test_an_older_manifest_without_width_still_reads(tmp_path):
    from bkanalysis.plotting import read_manifest

    cols = [c for c in MANIFEST_COLUMNS if c not in ("width_cm", "lang")]
    pd.DataFrame([dict.fromkeys(cols, "x")]).to_csv(tmp_path / "manifest.csv", index=False)
    back = read_manifest(tmp_path)
    assert back["width_cm"].tolist() == [""] and back["lang"].tolist() == [""]


def test_plain_figure_has_no_title_or_footer_but_keeps_the_stamp(tmp_path):
    from bkanalysis.plotting import read_manifest, save_figure

    fig = _figure_with_title()
    save_figure(fig, "plain_example", caption="Che phủ", sources="Niên giám", synthetic=True,
                out_dir=tmp_path, formats=("svg",), plain=True,
                data=pd.DataFrame({"year": [2019]}))  # fmt: skip
    svg = (tmp_path / "plain_example.svg").read_text(encoding="utf-8")
    assert "Dữ liệu minh hoạ / Illustrative data" in svg
    assert "Niên giám" not in svg and "Tỷ lệ che phủ rừng" not in svg
    assert fig.axes[0].title.get_visible()  # the figure itself is left as it was
    row = read_manifest(tmp_path).set_index("name").loc["plain_example"]
    assert row["title_vi"] == "Tỷ lệ che phủ rừng" and row["sources"] == "Niên giám"


def test_brief_without_any_observation(tmp_path):
    from bkanalysis.schema import empty_observations

    inputs = BriefInputs(
        assessment=assess(empty_observations()),
        observations=empty_observations(),
        sources=_sources(),
    )
    document, notes, _ = _read(tmp_path, inputs, "en")
    texts = [p.text for p in document.paragraphs]
    assert "None" not in " ".join(texts)
    assert "Dữ liệu minh hoạ / Illustrative data" in texts  # no provenance at all
    assert sum(len(t.rows) - 1 for t in _status_tables(document, "en")) == len(load_targets())
    assert notes  # no figures

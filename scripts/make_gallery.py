"""Copy a few exported figures, downscaled, into docs/gallery/ for the README.

Run after `make report`: ``python scripts/make_gallery.py [--width 640]``. The figures
are picked by name pattern (the newest year when several match), so the gallery
follows the report. After `make brief`, and where LibreOffice (``soffice``) and poppler
(``pdftoppm``) are installed, two pages of the Vietnamese brief (the first, and the
first status table) are rendered side by side into ``brief_pages.png``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from bkanalysis.config import get_paths
from bkanalysis.io import atomic_path

# gallery name -> glob of the exported figure in reports/figures
PICKS = {
    "target_dashboard": "target_dashboard_*.png",
    "ghg_emissions_vs_bau": "ghg_emissions_vs_bau_*.png",
    "ntm_floor_by_commune": "ntm_floor_by_commune_2020.png",
    "forest_cover": "forest_cover_2020_as_of_*.png",
}


#: Pages of the brief shown in the gallery (1-based): the first page, the first table.
BRIEF_PAGES = (1, 3)


def _save_small(img, width: int, target: Path) -> None:
    img = img.convert("RGB")
    height = round(img.height * width / img.width)
    small = img.resize((width, height), Image.LANCZOS)
    with atomic_path(target) as tmp:
        # NOTE: an adaptive 256-colour palette keeps the files small for git.
        small = small.convert("P", palette=Image.ADAPTIVE, colors=256)
        small.save(tmp, format="PNG", optimize=True)


def brief_pages(out: Path, width: int) -> str | None:
    """Render pages of the newest Vietnamese brief into *out*; return why not, or None."""
    briefs = sorted(get_paths().reports.glob("brief_vi_*.docx"))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not briefs:
        return "no reports/brief_vi_*.docx: run `make brief` first"
    if soffice is None or shutil.which("pdftoppm") is None:
        return "LibreOffice (soffice) or poppler (pdftoppm) is not installed"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp / 'profile'}", "--headless",
             "--convert-to", "pdf", "--outdir", str(tmp), str(briefs[-1])],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        pages = []
        for page in BRIEF_PAGES:
            stem = tmp / f"page{page}"
            subprocess.run(
                ["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                 str(tmp / f"{briefs[-1].stem}.pdf"), str(stem)],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            pages.append(Image.open(f"{stem}.png").convert("RGB"))
        gap = 12
        sheet = Image.new(
            "RGB",
            (
                sum(p.width for p in pages) + gap * (len(pages) + 1),
                max(p.height for p in pages) + 2 * gap,
            ),
            "#DDDDDD",
        )
        x = gap
        for p in pages:
            sheet.paste(p, (x, gap))
            x += p.width + gap
        _save_small(sheet, width, out / "brief_pages.png")
    print(f"{briefs[-1].name} pages {BRIEF_PAGES} -> {out / 'brief_pages.png'}")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640, help="width in pixels")
    parser.add_argument("--out", type=Path, default=get_paths().root / "docs" / "gallery")
    args = parser.parse_args(argv)
    figures = get_paths().figures
    missing = []
    for name, pattern in PICKS.items():
        found = sorted(figures.glob(pattern))
        if not found:
            missing.append(pattern)
            continue
        with Image.open(found[-1]) as img:
            _save_small(img, args.width, args.out / f"{name}.png")
        print(f"{found[-1].name} -> {args.out / name}.png")
    why = brief_pages(args.out, args.width)
    if why:
        print(f"make_gallery: brief pages not rendered: {why}", file=sys.stderr)
    if missing:
        print(
            f"make_gallery: no figure matches {', '.join(missing)}; run `make report` first",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

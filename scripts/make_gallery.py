"""Copy a few exported figures, downscaled, into docs/gallery/ for the README.

Run after `make report`: ``python scripts/make_gallery.py [--width 640]``. The figures
are picked by name pattern (the newest year when several match), so the gallery
follows the report.
"""

from __future__ import annotations

import argparse
import sys
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
            img = img.convert("RGB")
            height = round(img.height * args.width / img.width)
            small = img.resize((args.width, height), Image.LANCZOS)
            with atomic_path(args.out / f"{name}.png") as tmp:
                # NOTE: an adaptive 256-colour palette keeps the files small for git.
                small = small.convert("P", palette=Image.ADAPTIVE, colors=256)
                small.save(tmp, format="PNG", optimize=True)
        print(f"{found[-1].name} -> {args.out / name}.png")
    if missing:
        print(
            f"make_gallery: no figure matches {', '.join(missing)}; run `make report` first",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Commune boundaries: loading, the `boundaries` command and GADM name matching."""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bkanalysis.admin import gazetteer, load_boundaries
from bkanalysis.admin.boundaries import match_gadm_names
from bkanalysis.commands import boundaries_command
from bkanalysis.config import get_paths
from bkanalysis.errors import BkError

PROVINCE_KM2 = 4860  # Bắc Kạn's natural area, km² (GSO yearbook: 4,859.96 km²)


def _mirror() -> Path:
    env = os.environ.get("BKANALYSIS_GEO_MIRROR")
    mirror = Path(env) if env else get_paths().geo_mirror
    if not (mirror / "bac_kan_communes_2019.geojson").is_file():
        pytest.skip(f"boundary mirror {mirror} absent (set BKANALYSIS_GEO_MIRROR)")
    return mirror


@pytest.mark.parametrize("vintage", ["2019", "2020", "2025"])
def test_province_area_within_one_percent(vintage):
    b = load_boundaries(vintage, path=_mirror())
    assert b.crs.to_epsg() == 4326
    assert list(b.columns) == ["area_code", "area_name", "district_code", "area_km2", "geometry"]
    g = gazetteer(vintage)
    assert set(b["area_code"]) == set(g.loc[g["area_level"] == "commune", "area_code"])
    area = b.geometry.to_crs("EPSG:6933").union_all().area / 1e6
    assert area == pytest.approx(PROVINCE_KM2, rel=0.01)
    assert b["area_km2"].sum() == pytest.approx(area, rel=1e-6)


def test_missing_boundaries_say_how_to_obtain(tmp_path):
    with pytest.raises(BkError, match="bkanalysis boundaries --mirror") as info:
        load_boundaries("2020", path=tmp_path)
    assert "\n" not in str(info.value)


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(tmp_path))
    with pytest.raises(BkError, match=str(tmp_path)):
        load_boundaries("2019")


def test_wrong_codes_are_rejected(tmp_path):
    import geopandas as gpd

    b = load_boundaries("2025", path=_mirror())
    gpd.GeoDataFrame(b.iloc[1:][["area_code", "geometry"]]).to_file(
        tmp_path / "bac_kan_communes_2025.geojson", driver="GeoJSON"
    )
    with pytest.raises(BkError, match="missing: 01840"):
        load_boundaries("2025", path=tmp_path)


def test_boundaries_command_copies_and_skips_identical(tmp_path, monkeypatch, capsys):
    mirror = _mirror()
    target = tmp_path / "boundaries"
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(target))
    args = Namespace(mirror=str(mirror), download=False, quiet=False)
    assert boundaries_command(args) == 0
    assert "copied" in capsys.readouterr().out
    for v in ("2019", "2020", "2025"):
        assert (target / f"bac_kan_communes_{v}.geojson").read_bytes() == (
            mirror / f"bac_kan_communes_{v}.geojson"
        ).read_bytes()
    assert boundaries_command(args) == 0
    out = capsys.readouterr().out
    assert "copied" not in out and "unchanged" in out
    assert len(load_boundaries("2020")) == 108


def test_boundaries_command_without_mirror_explains(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(tmp_path / "b"))
    args = Namespace(mirror=str(tmp_path / "nowhere"), download=False, quiet=True)
    assert boundaries_command(args) == 1
    err = capsys.readouterr().err
    assert "--download" in err and "--mirror" in err
    assert not (tmp_path / "b").exists()


def _synthetic_gadm(vintage="2019"):
    """A GADM-like layer: names without spaces, one box per commune, one foreign feature."""
    import geopandas as gpd
    from shapely.geometry import box

    g = gazetteer(vintage)
    communes = g[g["area_level"] == "commune"]
    districts = g[g["area_level"] == "district"].set_index("area_code")["short_name"]
    rows = []
    for i, r in enumerate(communes.itertuples(index=False)):
        rows.append(
            {
                "NAME_1": "BắcKạn",
                "NAME_2": districts[r.district_code].replace(" ", ""),
                "NAME_3": r.short_name.replace(" ", ""),
                "TYPE_3": r.unit_type.capitalize(),
                "geometry": box(105 + i * 0.01, 22, 105.009 + i * 0.01, 22.01),
            }
        )
    rows.append(
        {
            "NAME_1": "CaoBằng",
            "NAME_2": "HàQuảng",
            "NAME_3": "ThanhLong",
            "TYPE_3": "Xã",
            "geometry": box(106, 23, 106.01, 23.01),
        }
    )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326"), communes


def test_gadm_names_are_matched_to_codes():
    gadm, communes = _synthetic_gadm("2019")
    out = match_gadm_names(gadm, "2019")
    assert sorted(out["commune_code"]) == sorted(communes["area_code"])
    first = out.set_index("commune_code").loc["01858"]
    assert first["commune_name"] == "Xã Bằng Thành"


def test_gadm_unmatched_name_is_an_error():
    gadm, _ = _synthetic_gadm("2019")
    gadm.loc[0, "NAME_3"] = "KhôngCó"
    with pytest.raises(BkError, match=r"KhôngCó|Không Có"):
        match_gadm_names(gadm, "2019")
    with pytest.raises(BkError, match="2025"):
        match_gadm_names(gadm, "2025")


def test_import_admin_stays_light():
    code = (
        "import sys, bkanalysis.admin; "
        "bad = [m for m in ('geopandas', 'matplotlib') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_outlines_dissolve_districts_and_outline_the_province():
    import geopandas as gpd
    from shapely.geometry import box

    from bkanalysis.admin.boundaries import boundary_outlines

    squares = gpd.GeoDataFrame(
        {"area_code": ["1", "2", "3"], "district_code": ["A", "A", "B"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:4326",
    )
    out = boundary_outlines(squares)
    assert list(out.districts.index) == ["A", "B"]
    assert out.districts.loc["A"].length == pytest.approx(6.0)  # the 2 x 1 block
    assert out.province.iloc[0].length == pytest.approx(8.0)  # the 3 x 1 block
    no_districts = boundary_outlines(squares.assign(district_code=None))
    assert no_districts.districts is None and no_districts.province.iloc[0].length == 8.0


def test_vintage_boundaries_and_outlines_read_once_per_change(monkeypatch, tmp_path):
    import shutil

    from bkanalysis.admin import boundaries

    folder = tmp_path / "b"
    folder.mkdir()
    shutil.copy(_mirror() / "bac_kan_communes_2020.geojson", folder)
    monkeypatch.setenv("BKANALYSIS_BOUNDARIES", str(folder))
    monkeypatch.setenv("BKANALYSIS_GEO_MIRROR", str(tmp_path / "none"))
    calls = []
    real = boundaries.boundary_outlines
    monkeypatch.setattr(boundaries, "boundary_outlines", lambda g: calls.append(1) or real(g))
    first, outlines = boundaries.vintage_boundaries("2020")
    first.loc[0, "area_name"] = "changed by a caller"
    again, same = boundaries.vintage_boundaries("2020")
    assert calls == [1] and same is outlines  # the union is computed once per vintage
    assert again.loc[0, "area_name"] != "changed by a caller"  # each caller gets a copy
    assert outlines.districts is not None and len(outlines.districts) == 8

"""Commune boundaries: load them keyed by code, and obtain them (``bkanalysis boundaries``).

Boundaries are reference data that are not committed (their sources' licences differ).
:func:`load_boundaries` reads ``bac_kan_communes_<vintage>.geojson`` (or ``.gpkg``) from
``data/external/boundaries/`` (``get_paths().boundaries``; the environment variable
``BKANALYSIS_BOUNDARIES`` overrides it) or from a folder given as ``path``.

``bkanalysis boundaries`` fills that folder from a local mirror (default ``../shared/geo``),
or with ``--download`` from GADM 4.1 level 3 (matching GADM's names to GSO codes with the
resolver). geopandas is imported inside the functions only.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..config import get_paths
from ..errors import BkError
from ..io import atomic_path, write_bytes_atomic
from ..schema import PROVINCE_CODE, check_vintage
from .gazetteer import gazetteer
from .resolve import AreaResolutionError, resolve_area

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BOUNDARY_FILES",
    "GADM_URL",
    "Outlines",
    "boundaries_available",
    "boundary_outlines",
    "load_boundaries",
    "match_gadm_names",
    "vintage_boundaries",
]

#: file name pattern of one vintage's commune boundaries
BOUNDARY_FILES = "bac_kan_communes_{vintage}.{ext}"
_EXTENSIONS = ("geojson", "gpkg")
_MIRROR_FILES = re.compile(
    r"^(bac_kan_commun(es_\d{4}\.(geojson|gpkg)|e_crosswalk\.csv)|README\.md)$"
)
GADM_URL = "https://geodata.ucdavis.edu/gadm/gadm4.1/json/gadm41_VNM_3.json.zip"
_CODE_COLUMNS = ("area_code", "commune_code", "code", "ma_xa")
_EQUAL_AREA = "EPSG:6933"

HOW_TO_OBTAIN = (
    "Commune boundaries are not shipped with bkanalysis. Obtain them with one of:\n"
    "  1. bkanalysis boundaries --mirror DIR   (DIR holds bac_kan_communes_2019/2020/2025.geojson;\n"
    "     the project keeps such a copy in ../shared/geo beside the checkout; `make boundaries`)\n"
    "  2. bkanalysis boundaries --download     (when online: GADM 4.1 level 3, matched to GSO codes;\n"
    "     GADM has one vintage only, and is free for non-commercial use)\n"
    "  3. copy your own files named bac_kan_communes_<vintage>.geojson (with a 5-digit\n"
    "     commune_code or area_code column) into {folder}, or set BKANALYSIS_BOUNDARIES."
)


def _folder(path) -> Path:
    if path is not None:
        return Path(path).expanduser()
    return get_paths().boundaries


def load_boundaries(vintage: str, *, path: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """Return the commune polygons of *vintage*, keyed by ``area_code``.

    Parameters
    ----------
    vintage : {'2019', '2020', '2025'}
    path : path-like, optional
        Folder holding ``bac_kan_communes_<vintage>.geojson`` (or ``.gpkg``). Default:
        ``get_paths().boundaries`` (``data/external/boundaries``, or
        ``$BKANALYSIS_BOUNDARIES``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_code, area_name, district_code, area_km2, geometry`` in EPSG:4326, one row
        per commune of the vintage, names from :func:`gazetteer`, ``area_km2`` computed in
        the equal-area EPSG:6933.

    Raises
    ------
    BkError
        If the file is absent (the message says how to obtain it) or its codes are not
        the vintage's communes.
    """
    import geopandas as gpd

    v = check_vintage(vintage)
    folder = _folder(path)
    files = [folder / BOUNDARY_FILES.format(vintage=v, ext=e) for e in _EXTENSIONS]
    found = next((f for f in files if f.is_file()), None)
    if found is None:
        raise BkError(
            f"no commune boundaries for vintage {v} in {folder}. "
            + HOW_TO_OBTAIN.format(folder=folder).replace("\n", " ")
        )
    raw = gpd.read_file(found)
    code_col = next((c for c in _CODE_COLUMNS if c in raw.columns), None)
    if code_col is None:
        raise BkError(f"{found}: no code column (one of {', '.join(_CODE_COLUMNS)})")
    if raw.crs is None:
        raise BkError(f"{found}: no coordinate reference system")
    codes = raw[code_col].astype(str).str.strip().str.zfill(5)
    g = gazetteer(v)
    g = g[g["area_level"] == "commune"].set_index("area_code")
    missing, extra = sorted(set(g.index) - set(codes)), sorted(set(codes) - set(g.index))
    if missing or extra or codes.duplicated().any():
        raise BkError(
            f"{found}: codes do not match the {v} communes (missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(extra) or '-'}; duplicated: "
            f"{', '.join(codes[codes.duplicated()]) or '-'})"
        )
    out = gpd.GeoDataFrame(
        {
            "area_code": codes.to_numpy(),
            "area_name": codes.map(g["area_name"]).to_numpy(),
            "district_code": codes.map(g["district_code"]).to_numpy(),
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    ).to_crs("EPSG:4326")
    out["area_km2"] = out.geometry.to_crs(_EQUAL_AREA).area / 1e6
    out = out[["area_code", "area_name", "district_code", "area_km2", "geometry"]]
    return out.sort_values("area_code").reset_index(drop=True)


def _map_files(vintage: str) -> list[Path]:
    """Return the files :func:`vintage_boundaries` may read, in the order they are tried."""
    paths = get_paths()
    return [
        folder / BOUNDARY_FILES.format(vintage=vintage, ext=ext)
        for folder in (paths.boundaries, paths.geo_mirror)
        for ext in _EXTENSIONS
    ]


def boundaries_available(vintage: str) -> bool:
    """Return True if commune boundaries of *vintage* can be found for the maps.

    Looks where :func:`vintage_boundaries` looks: ``data/external/boundaries``
    (``BKANALYSIS_BOUNDARIES``, filled by ``make boundaries``), then the geo mirror
    (``BKANALYSIS_GEO_MIRROR``). A notebook uses it to skip its maps, with a message,
    when there are none.

    Parameters
    ----------
    vintage : {'2019', '2020', '2025'}

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["BKANALYSIS_BOUNDARIES"] = os.environ["BKANALYSIS_GEO_MIRROR"] = tempfile.mkdtemp()
    >>> boundaries_available("2020")
    False
    >>> del os.environ["BKANALYSIS_BOUNDARIES"], os.environ["BKANALYSIS_GEO_MIRROR"]
    """
    return any(f.is_file() for f in _map_files(check_vintage(vintage)))


class Outlines(NamedTuple):
    """The lines drawn over a commune map: district borders (None without districts), province."""

    districts: gpd.GeoSeries | None
    province: gpd.GeoSeries


class _Loaded(NamedTuple):
    boundaries: gpd.GeoDataFrame
    outlines: Outlines


#: Boundaries read in this process, keyed by vintage and the files' (path, mtime, size).
_LOADED: dict[tuple, _Loaded] = {}


def _loaded(vintage: str) -> _Loaded:
    """Read the boundaries of *vintage* and their outlines once per process (until the files change)."""
    v = check_vintage(vintage)
    stamp = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in _map_files(v) if f.is_file()
    )
    key = (v, stamp)
    if key not in _LOADED:
        # NOTE: reading and checking a GeoJSON takes ~0.3 s and the district union
        # ~0.05 s; a notebook draws many maps of one vintage.
        gdf = _read_vintage(v)
        _LOADED[key] = _Loaded(gdf, boundary_outlines(gdf))
    return _LOADED[key]


def _read_vintage(vintage: str) -> gpd.GeoDataFrame:
    """Load with :func:`load_boundaries`; fall back to the geo mirror.

    NOTE: a fresh checkout has no ``data/external/boundaries`` until ``bkanalysis
    boundaries --mirror`` is run; the mirror beside the checkout then serves, read by
    the same loader (so its codes are still checked against the vintage's communes).
    """
    try:
        return load_boundaries(vintage)
    except BkError:
        mirror = get_paths().geo_mirror
        if not (mirror / BOUNDARY_FILES.format(vintage=vintage, ext="geojson")).is_file():
            raise
        return load_boundaries(vintage, path=mirror)


def vintage_boundaries(vintage: str) -> tuple[gpd.GeoDataFrame, Outlines]:
    """Return the commune polygons of *vintage* and their outlines, for a map.

    Read with :func:`load_boundaries` from ``data/external/boundaries``, else from the
    geo mirror (``BKANALYSIS_GEO_MIRROR``), once per process until the files change;
    the outlines (:func:`boundary_outlines`) are computed once with them.

    Returns
    -------
    tuple (geopandas.GeoDataFrame, Outlines)
        A copy of the polygons (the caller may change it) and the shared outlines.
    """
    loaded = _loaded(vintage)
    return loaded.boundaries.copy(), loaded.outlines


def boundary_outlines(gdf: gpd.GeoDataFrame) -> Outlines:
    """Return the district borders (the communes dissolved by ``district_code``) and the province's.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Commune polygons; ``district_code`` may be missing or empty (the 2025 vintage).
    """
    import geopandas as gpd

    districts = None
    if "district_code" in gdf.columns and gdf["district_code"].notna().any():
        districts = gdf[gdf["district_code"].notna()].dissolve(by="district_code").boundary
    province = gpd.GeoSeries([gdf.geometry.union_all()], crs=gdf.crs).boundary
    return Outlines(districts, province)


def _split_camel(text) -> str:
    # NOTE: GADM writes Vietnamese names without spaces ("BắcKạn", "ChợĐồn").
    if not isinstance(text, str):
        return ""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    out = [
        f" {c}" if i and c.isupper() and text[i - 1].islower() else c for i, c in enumerate(text)
    ]
    return "".join(out).strip()


def match_gadm_names(gadm: gpd.GeoDataFrame, vintage: str) -> gpd.GeoDataFrame:
    """Give GADM level-3 features of Bắc Kạn the GSO code of *vintage* by name.

    Each feature is resolved from ``TYPE_3 NAME_3`` (and ``VARNAME_3``) with its
    ``NAME_2`` as district hint, with :func:`~bkanalysis.admin.resolve_area`; a name that
    does not resolve to exactly one commune is an error — codes are never guessed.

    Parameters
    ----------
    gadm : geopandas.GeoDataFrame
        GADM features with ``NAME_1, NAME_2, NAME_3`` (``TYPE_3``, ``VARNAME_3``
        optional); features of other provinces are ignored.
    vintage : {'2019', '2020'}
        The vintage the names are matched against (GADM has districts).

    Returns
    -------
    geopandas.GeoDataFrame
        ``commune_code, commune_name, geometry`` covering every commune of the vintage.

    Raises
    ------
    BkError
        Listing the names that did not resolve and the communes left without a polygon.
    """
    import geopandas as gpd

    v = check_vintage(vintage)
    if v == "2025":
        raise BkError("GADM level 3 has districts and cannot hold the 2025 units")
    for col in ("NAME_1", "NAME_2", "NAME_3"):
        if col not in gadm.columns:
            raise BkError(f"GADM data lacks column {col!r}")
    province = gadm["NAME_1"].map(_split_camel)
    mine = gadm[province.map(lambda n: _is_code(n, PROVINCE_CODE, v))]
    codes, problems = [], []
    for row in mine.itertuples(index=False):
        district = _split_camel(row.NAME_2)
        kind = getattr(row, "TYPE_3", "") or ""
        labels = [f"{kind} {_split_camel(row.NAME_3)}".strip()]
        var = getattr(row, "VARNAME_3", None)
        if isinstance(var, str) and var.strip():
            labels.append(var.split("|")[0])
        code = None
        last_error = None
        for label in labels:
            try:
                code = resolve_area(label, vintage=v, level="commune", district=district).code
                break
            except AreaResolutionError as err:
                last_error = err
        if code is None:
            problems.append(str(last_error))
        codes.append(code)
    out = gpd.GeoDataFrame({"commune_code": codes}, geometry=mine.geometry.to_numpy(), crs=mine.crs)
    g = gazetteer(v)
    g = g[g["area_level"] == "commune"].set_index("area_code")
    out = out[out["commune_code"].notna()]
    out = out.dissolve(by="commune_code", as_index=False)  # GADM may split one commune
    missing = sorted(set(g.index) - set(out["commune_code"]))
    if problems or missing:
        raise BkError(
            f"GADM names do not match the {v} communes: "
            + "; ".join(problems[:5])
            + (f"; communes without polygon: {', '.join(missing)}" if missing else "")
        )
    out["commune_name"] = out["commune_code"].map(g["area_name"])
    return out[["commune_code", "commune_name", "geometry"]]


def _is_code(name: str, code: str, vintage: str) -> bool:

    try:
        return resolve_area(name, vintage=vintage, level="province").code == code
    except AreaResolutionError:
        return False


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_from_mirror(mirror: Path, target: Path) -> list[tuple[str, str]]:
    """Copy the boundary files of *mirror* into *target*; return (file, action) pairs."""
    files = sorted(p for p in mirror.iterdir() if p.is_file() and _MIRROR_FILES.match(p.name))
    if not any(p.name.startswith("bac_kan_communes_") for p in files):
        raise BkError(f"{mirror}: no bac_kan_communes_<vintage>.geojson files")
    target.mkdir(parents=True, exist_ok=True)
    done = []
    for src in files:
        dst = target / src.name
        if dst.is_file() and _sha(dst) == _sha(src):
            done.append((src.name, "unchanged"))
            continue
        write_bytes_atomic(dst, src.read_bytes())
        done.append((src.name, "copied"))
    return done


def download_gadm(target: Path, *, url: str = GADM_URL, timeout: float = 120) -> list[str]:
    """Download GADM 4.1 level 3, match Bắc Kạn's communes and write the vintage it fits.

    Returns the files written. Raises BkError when offline or when the names fit no
    vintage.
    """
    import io
    import urllib.request
    import zipfile

    import geopandas as gpd

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            payload = resp.read()
    except OSError as exc:
        raise BkError(f"cannot download {url}: {exc}") from None
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".json"))
        gadm = gpd.read_file(io.BytesIO(zf.read(name)))
    errors, written = [], []
    for v in ("2020", "2019"):
        try:
            matched = match_gadm_names(gadm, v)
        except BkError as err:
            errors.append(f"{v}: {err}")
            continue
        dst = target / BOUNDARY_FILES.format(vintage=v, ext="geojson")
        target.mkdir(parents=True, exist_ok=True)
        with atomic_path(dst) as tmp:
            matched.to_file(tmp, driver="GeoJSON")
        written.append(dst.name)
        break
    if not written:
        raise BkError("GADM names fit no vintage: " + " | ".join(errors))
    return written

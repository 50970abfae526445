import os
import subprocess
import sys

import pandas as pd
import pytest

import bkanalysis
from bkanalysis import cli
from bkanalysis.catalog import load_indicators
from bkanalysis.config import get_paths
from bkanalysis.errors import SchemaError
from bkanalysis.io import atomic_path, write_csv_atomic
from bkanalysis.schema import OBSERVATION_COLUMNS, validate_observations

DESIGN_IDS = """forest_cover_pct forest_area_ha natural_forest_area_ha planted_forest_area_ha
natural_area_ha clean_water_households_pct rural_hygienic_water_households_pct
urban_central_wastewater_pct ntm_communes_count ntm_criteria_met_count ntm_recognised_year
hygienic_latrine_urban_households_pct hygienic_latrine_rural_households_pct
institutions_clean_toilets_pct climate_awareness_pct public_green_space_m2_per_person
urban_waste_collected_pct rural_waste_collected_pct waste_recycled_pct medical_waste_treated_pct
hazardous_waste_treated_pct industrial_solid_waste_treated_pct industrial_solid_waste_recycled_pct
iz_hazardous_solid_waste_treated_pct urban_waste_socialised_pct household_waste_sorting_pct
supermarkets_plastic_policy_pct clean_tech_facilities_pct facilities_env_standard_pct
heavily_polluting_facilities_count env_investment_share_pct polluted_areas_improved_pct
ghg_emissions_tco2e ghg_bau_tco2e population_persons households_count""".split()


def good_row(**kw):
    row = {
        "indicator_id": "forest_cover_pct",
        "area_code": "06",
        "area_level": "province",
        "admin_vintage": "2020",
        "area_name": "Bắc Kạn",
        "year": 2020,
        "value": 73.4,
        "unit": "%",
        "status": "actual",
        "source_file": "a.xlsx",
        "source_sheet": "S1",
        "source_cell": "B5",
        "source_label": "Tỷ lệ che phủ rừng",
    }
    row.update(kw)
    return row


def test_import_is_light():
    code = "import bkanalysis, sys; bad=[m for m in ('geopandas','matplotlib','pandas') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_cli_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "bkanalysis", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for command in ("build", "status", "report", "targets", "boundaries"):
        assert command in out.stdout


def test_every_cli_command_is_wired():
    help_text = cli.build_parser().format_help()
    for command, run in cli.COMMANDS.items():
        assert command in help_text
        assert run.__module__ == "bkanalysis.commands", command
        assert run.__name__ == f"{command}_command"


def test_catalog_has_design_ids_and_units_in_names():
    cat = load_indicators()
    assert set(DESIGN_IDS) <= set(cat["id"])
    for sector in ("energy", "ippu", "agriculture", "lulucf", "waste"):
        assert f"ghg_emissions_{sector}_tco2e" in set(cat["id"])
        assert f"ghg_bau_{sector}_tco2e" in set(cat["id"])
    suffix = {"%": "_pct", "ha": "_ha", "tCO2e": "_tco2e"}
    for row in cat.itertuples():
        if row.unit in suffix:
            assert row.id.endswith(suffix[row.unit]), row.id
        assert row.aliases, row.id


def test_validator_accepts_good_rows_and_orders_columns():
    df = pd.DataFrame([good_row()])[list(reversed(OBSERVATION_COLUMNS))]
    out = validate_observations(df)
    assert list(out.columns) == list(OBSERVATION_COLUMNS)
    assert out["year"].dtype == "int64"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"area_level": "village"}, "area_level"),
        ({"area_code": "6"}, "area_code"),
        ({"admin_vintage": "2019"}, "admin_vintage"),
        ({"status": "guess"}, "status"),
        ({"indicator_id": "nope_pct"}, "indicator_id"),
        ({"unit": "ha"}, "unit"),
        ({"area_name": "Ba\u0301c Ka\u0323n"}, "NFC"),
        ({"value": None}, "value"),
    ],
)
def test_validator_names_the_offending_column(change, message):
    df = pd.DataFrame([good_row(), good_row(**change)])
    with pytest.raises(SchemaError, match=message) as exc:
        validate_observations(df)
    assert "row 1" in str(exc.value)


def test_paths_follow_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BKANALYSIS_RAW", str(tmp_path / "inbox"))
    assert get_paths().raw == tmp_path / "inbox"


def test_csv_has_bom_and_atomic_failure_keeps_old(tmp_path):
    target = tmp_path / "o.csv"
    write_csv_atomic(pd.DataFrame({"area_name": ["Chợ Đồn"]}), target)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    before = target.read_bytes()
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]


def test_lazy_exports_resolve():
    assert bkanalysis.vintage_for_year(2025) == "2025"
    with pytest.raises(AttributeError):
        bkanalysis.no_such_name  # noqa: B018
    assert os.environ.get("CI") in (None, "true", "1", "false")

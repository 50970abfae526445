"""The targets registry against the plan (Decision 1635/QĐ-UBND)."""

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from bkanalysis import catalog, targets
from bkanalysis.catalog import load_indicators
from bkanalysis.cli import main
from bkanalysis.errors import CatalogError
from bkanalysis.targets import TARGET_COLUMNS, load_targets

PLAN = Path(__file__).resolve().parents[1].parent / "shared" / "plan"
PLAN_EN = PLAN / "decision_1635_targets_en.md"
PLAN_VI = PLAN / "decision_1635_summary_vi.txt"

# The plan's list (decision_1635_targets_en.md) as (working id, deadline years), written
# out by hand so that the test also runs where ../shared is absent.
PLAN_ROWS = [
    ("ghg_reduction_2020", {2020}),
    ("ghg_reduction_2030", {2030}),
    *[
        (i, {2020})
        for i in (
            "hazardous_waste_treated clean_tech_facilities facilities_env_standard "
            "urban_central_wastewater industrial_solid_waste_treated "
            "iz_hazardous_solid_waste_treated urban_waste_socialised env_investment_share "
            "heavily_polluting_facilities"
        ).split()
    ],
    ("ntm_communes", {2020}),
    ("ntm_communes", {2030}),
    *[
        (i, {2020})
        for i in (
            "urban_waste_collected rural_waste_collected waste_recycled_share "
            "medical_waste_treated supermarkets_plastic_policy household_waste_sorting "
            "climate_awareness public_green_space"
        ).split()
    ],
    ("forest_cover", {2020, 2030}),
    ("clean_water_households", {2020, 2030}),
    *[
        (i, {2020})
        for i in (
            "rural_hygienic_water hygienic_latrines_urban hygienic_latrines_rural "
            "institutions_clean_toilets polluted_areas_improved"
        ).split()
    ],
]


def _parse_plan_list(text: str) -> list[tuple[str, set[int]]]:
    """Rows of the plan's markdown tables: (id, deadline years)."""
    rows = []
    section_default = {2020}
    for line in text.splitlines():
        m = re.match(r"\|\s*([a-z0-9_]+)\s*\|(.*)\|\s*$", line)
        if not m or m.group(1) == "id":
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        years = (
            {int(y) for y in re.findall(r"\b(20[23]0)\b", cells[0])} if len(cells) > 1 else set()
        )
        rows.append((m.group(1), years or section_default))
    return rows


def test_registry_covers_every_plan_row():
    t = load_targets()
    top = t[t["parent_id"] == ""]
    # one top-level row per row of the plan's list, due at that row's first deadline
    assert len(PLAN_ROWS) == 28
    assert sorted(zip(top["plan_ref"], top["deadline"], strict=True)) == sorted(
        (ref, min(years)) for ref, years in PLAN_ROWS
    )
    # every deadline of a plan row is carried by that row or its parts
    expected = {}
    for ref, years in PLAN_ROWS:
        expected.setdefault(ref, set()).update(years)
    assert t.groupby("plan_ref")["deadline"].agg(set).to_dict() == expected
    # parts share their parent's plan_ref
    parents = t.set_index("target_id")["plan_ref"]
    parts = t[t["parent_id"] != ""]
    assert (parts["plan_ref"] == parts["parent_id"].map(parents)).all()
    assert len(parts) == 12


@pytest.mark.skipif(not PLAN_EN.exists(), reason=f"plan list not found at {PLAN_EN}")
def test_registry_matches_the_plan_file():
    parsed = _parse_plan_list(PLAN_EN.read_text(encoding="utf-8"))
    assert sorted(parsed, key=str) == sorted(PLAN_ROWS, key=str)


@pytest.mark.skipif(not PLAN_VI.exists(), reason=f"plan text not found at {PLAN_VI}")
def test_clauses_are_exact_quotes_of_the_vietnamese_text():
    text = unicodedata.normalize("NFC", PLAN_VI.read_text(encoding="utf-8"))
    for row in load_targets().to_dict("records"):
        assert row["clause_vi"] in text, row["target_id"]


def test_registry_is_valid():
    t = load_targets()
    assert list(t.columns) == list(TARGET_COLUMNS)
    assert t["target_id"].is_unique
    assert set(t["indicator_id"]) <= set(load_indicators()["id"])
    assert set(t["parent_id"]) - {""} <= set(t["target_id"])
    text_cols = ["target_id", "parent_id", "section", "condition", "clause_vi", "clause_en", "note"]
    for col in text_cols:
        assert t[col].map(lambda v: unicodedata.normalize("NFC", v) == v).all(), col
    assert set(t["theme"]) == {"emissions", "waste", "rural_development", "forest_water"}


@pytest.mark.parametrize(
    ("parent", "parts"),
    [
        ("ghg_reduction_2020", [3, 2, 1]),
        ("ghg_reduction_2030", [7, 4, 3]),
    ],
)
def test_emission_targets_keep_their_tiers(parent, parts):
    t = load_targets().set_index("target_id")
    kids = t[t["parent_id"] == parent]
    assert kids["indicator_id"].tolist() == [
        "ghg_reduction_voluntary_pct",
        "ghg_reduction_national_pct",
        "ghg_reduction_international_pct",
    ]
    assert kids["value"].tolist() == parts
    assert sum(parts) == t.loc[parent, "value"]


def test_target_shapes():
    t = load_targets().set_index("target_id")
    assert t.loc["industrial_solid_waste_treated_recycled", "parent_id"] == (
        "industrial_solid_waste_treated"
    )
    assert t.loc["industrial_solid_waste_treated_recycled", "value"] == 75
    assert t.loc["hazardous_waste_treated_hospital", "indicator_id"] == (
        "hospital_wastewater_treated_pct"
    )
    floor = t.loc["ntm_communes_2020_floor"]
    assert (floor["area_scope"], floor["condition"], floor["comparator"], floor["value"]) == (
        "commune_floor",
        "non-NTM communes",
        ">=",
        10,
    )
    assert (t.loc["ntm_communes_2030", "comparator"], t.loc["ntm_communes_2030", "value"]) == (
        ">",
        60,
    )
    assert t.loc["forest_cover_2030", "comparator"] == "maintain"
    assert t.loc["forest_cover_2030", "parent_id"] == "forest_cover_2020"
    assert t.loc["forest_cover_2030", "baseline_year"] == 2020
    assert (t.loc["env_investment_share", "low"], t.loc["env_investment_share", "high"]) == (3, 4)
    assert "base" in t.loc["env_investment_share", "note"]
    assert t.loc["heavily_polluting_facilities", "value"] == 0
    assert t.loc["clean_water_households_2020", "comparator"] == ">"
    assert t.loc["clean_water_households_2030", "value"] == 100
    landfill = t.loc["waste_recycled_share_landfilled"]
    assert (landfill["comparator"], landfill["value"]) == ("<=", 40)


def _with_rows(monkeypatch, edit):
    raw = catalog.read_package_csv("targets.csv")
    bad = edit(raw.copy())
    real = catalog.read_package_csv

    def fake(name):
        return bad if name == "targets.csv" else real(name)

    monkeypatch.setattr(targets, "read_package_csv", fake)
    targets._load.cache_clear()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda df: pd.concat([df, df.iloc[:1]]), "duplicate target_id"),
        (
            lambda df: df.assign(indicator_id=["nope_pct", *df["indicator_id"].tolist()[1:]]),
            "nope_pct",
        ),
        (lambda df: df.assign(comparator=["<=", *df["comparator"].tolist()[1:]]), "contradicts"),
        (lambda df: df.assign(comparator=["~", *df["comparator"].tolist()[1:]]), "comparator '~'"),
        (lambda df: df.assign(parent_id=["ghost", *df["parent_id"].tolist()[1:]]), "ghost"),
        (lambda df: df.assign(deadline=["soon", *df["deadline"].tolist()[1:]]), "soon"),
        (lambda df: df.assign(value=["six", *df["value"].tolist()[1:]]), "six"),
    ],
)
def test_malformed_registry_is_rejected(monkeypatch, edit, message):
    _with_rows(monkeypatch, edit)
    try:
        with pytest.raises(CatalogError, match=message):
            load_targets()
    finally:
        monkeypatch.undo()
        targets._load.cache_clear()


def test_range_needs_ordered_bounds(monkeypatch):
    def edit(df):
        i = df.index[df["target_id"] == "public_green_space"][0]
        df.loc[i, ["low", "high"]] = ["15", "10"]
        return df

    _with_rows(monkeypatch, edit)
    try:
        with pytest.raises(CatalogError, match="low <= high"):
            load_targets()
    finally:
        monkeypatch.undo()
        targets._load.cache_clear()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_targets_command_prints_every_target(capsys, lang):
    assert main(["targets", "--lang", lang]) == 0
    out = capsys.readouterr().out
    for tid in load_targets()["target_id"]:
        assert tid in out
    assert ("Giảm phát thải" if lang == "vi" else "business-as-usual") in out

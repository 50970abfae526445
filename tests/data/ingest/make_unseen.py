"""Generate "unseen" province workbooks in varied wording, with the truth of every cell.

Run from the repository root:  ``python tests/data/ingest/make_unseen.py OUTDIR``
(``tests/test_label_matching.py`` calls :func:`generate` into a temporary folder).

The wording is written the way provincial officers word these indicators in reports
(several variants per indicator, abbreviations such as CTR/NTM/KNK/HVS, ``khu vực …``
qualifiers, sub-rows, emission tables with sector rows) — independently of the package's
alias lists, to measure how the reader generalises. The four layouts of DESIGN.md §4 are
used; all numbers are invented (seeded). ``generate`` returns, for every value cell, the
observation it must give — ``(indicator_id, area_code, year, status, value)`` — or None
where the reader must refuse (a part, a neighbouring indicator, a count for a rate …).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import openpyxl

DISTRICTS = [  # (2020 code, one-line bilingual label) — vintage 2020 (years 2020-2024)
    ("058", "Thành phố Bắc Kạn - Bac Kan city"),
    ("060", "Huyện Pác Nặm - Pac Nam district"),
    ("061", "Huyện Ba Bể - Ba Be district"),
    ("062", "Huyện Ngân Sơn - Ngan Son district"),
    ("063", "Huyện Bạch Thông - Bach Thong district"),
    ("064", "Huyện Chợ Đồn - Cho Don district"),
    ("065", "Huyện Chợ Mới - Cho Moi district"),
    ("066", "Huyện Na Rì - Na Ri district"),
]

# Title wordings of areas × years tables: indicator -> (titles, unit line, value range)
AREA_TITLES = {
    "forest_cover_pct": (
        [
            "TỶ LỆ CHE PHỦ RỪNG PHÂN THEO HUYỆN, THÀNH PHỐ",
            "Độ che phủ rừng phân theo đơn vị hành chính cấp huyện",
            "Tỉ lệ che phủ của rừng chia theo huyện/thành phố",
            "Tỷ lệ che phủ rừng hiện nay (tính đến 31/12) phân theo huyện",
        ],
        "ĐVT: %",
        (55, 90, 1),
    ),
    "forest_area_ha": (
        [
            "Diện tích đất có rừng phân theo huyện/thành phố",
            "DIỆN TÍCH RỪNG HIỆN CÓ PHÂN THEO ĐƠN VỊ HÀNH CHÍNH",
            "Tổng diện tích có rừng chia theo huyện",
            "Diện tích rừng hiện đang có của tỉnh phân theo huyện, thành phố",
        ],
        "Đơn vị tính: Ha",
        (8000, 60000, 1),
    ),
    "clean_water_households_pct": (
        [
            "Tỷ lệ hộ gia đình được sử dụng nước sạch phân theo huyện, thành phố",
            "TỶ LỆ HỘ DÂN DÙNG NƯỚC SẠCH CHIA THEO HUYỆN",
            "Tỷ lệ hộ gia đình đã có nước sạch để dùng phân theo huyện",
            "Tỷ lệ hộ dân hiện đang sử dụng nước sạch trên địa bàn tỉnh chia theo huyện",
        ],
        "Đơn vị tính - Unit: %",
        (40, 99, 1),
    ),
    "population_persons": (
        ["Dân số trung bình phân theo huyện/thành phố", "DÂN SỐ TRUNG BÌNH CHIA THEO HUYỆN"],
        "Đơn vị tính: Người",
        (20000, 80000, 0),
    ),
}

# Row wordings of indicator × period reports: indicator -> (variants, ĐVT, range)
ROWS = {
    "forest_cover_pct": (
        [
            "Tỷ lệ che phủ rừng",
            "Độ che phủ rừng",
            "Tỉ lệ che phủ rừng toàn tỉnh",
            "Tỷ lệ che phủ rừng của tỉnh (tính đến 31/12)",
            "Độ che phủ rừng hiện nay",
        ],
        "%",
        (60, 80, 1),
    ),
    "clean_water_households_pct": (
        [
            "Tỷ lệ hộ gia đình được sử dụng nước sạch",
            "Tỷ lệ hộ dân dùng nước sạch",
            "Tỷ lệ hộ gia đình có nước sạch",
            "Tỷ lệ hộ gia đình sử dụng nước sạch đạt quy chuẩn",
            "Tỷ lệ hộ dân hiện đang được dùng nước sạch",
            "Tỷ lệ hộ gia đình có nước sạch để sử dụng trên địa bàn tỉnh",
            "Tỷ lệ hộ đã có nước sạch sinh hoạt để dùng",
        ],
        "%",
        (40, 99, 1),
    ),
    "rural_hygienic_water_households_pct": (
        [
            "Tỷ lệ hộ nông thôn được sử dụng nước sinh hoạt hợp vệ sinh",
            "Tỷ lệ hộ gia đình nông thôn dùng nước hợp vệ sinh",
            "Tỷ lệ hộ dân khu vực nông thôn sử dụng nước HVS",
            "Tỷ lệ hộ nông thôn đã có nước hợp vệ sinh để dùng",
        ],
        "%",
        (80, 99, 1),
    ),
    "medical_waste_treated_pct": (
        [
            "Tỷ lệ chất thải y tế được xử lý đạt quy chuẩn",
            "Tỷ lệ chất thải rắn y tế được thu gom, xử lý",
            "Tỷ lệ CTR y tế được xử lý đúng quy định",
            "Tỷ lệ chất thải y tế đã được thu gom, xử lý đạt quy chuẩn trên địa bàn",
        ],
        "%",
        (80, 100, 1),
    ),
    "industrial_solid_waste_treated_pct": (
        [
            "Tỷ lệ chất thải rắn công nghiệp được thu gom, xử lý",
            "Tỷ lệ CTR công nghiệp được xử lý",
        ],
        "%",
        (60, 100, 1),
    ),
    "hazardous_waste_treated_pct": (
        [
            "Tỷ lệ chất thải nguy hại được xử lý đúng quy định",
            "Tỷ lệ chất thải nguy hại được thu gom, xử lý",
        ],
        "%",
        (60, 100, 1),
    ),
    "facilities_env_standard_pct": (
        [
            "Tỷ lệ cơ sở sản xuất, kinh doanh đạt quy chuẩn về môi trường",
            "Tỷ lệ cơ sở sản xuất kinh doanh đạt tiêu chuẩn môi trường",
        ],
        "%",
        (50, 95, 1),
    ),
    "ntm_communes_count": (
        [
            "Số xã đạt chuẩn nông thôn mới",
            "Số xã được công nhận đạt chuẩn NTM (lũy kế)",
            "Số xã đạt chuẩn NTM (cộng dồn)",
            "Số xã đã được công nhận đạt chuẩn nông thôn mới (lũy kế đến nay)",
            "Số xã đạt chuẩn NTM của tỉnh tính đến 31/12",
        ],
        "Xã",
        (10, 60, 0),
    ),
    "population_persons": (
        ["Dân số trung bình", "Tổng dân số", "Dân số trung bình toàn tỉnh"],
        "Người",
        (300000, 330000, 0),
    ),
    "households_count": (
        [
            "Tổng số hộ gia đình",
            "Số hộ dân",
            "Tổng số hộ",
            "Tổng số hộ gia đình hiện có trên địa bàn tỉnh",
        ],
        "Hộ",
        (70000, 90000, 0),
    ),
    "climate_awareness_pct": (
        [
            "Tỷ lệ người dân có kiến thức cơ bản về ứng phó với biến đổi khí hậu",
            "Tỷ lệ dân cư hiểu biết về BĐKH",
        ],
        "%",
        (40, 90, 1),
    ),
}

# Parent rows split into part sub-rows: (parent variants, {part label: indicator})
SPLIT = [
    (
        [
            "Tỷ lệ chất thải rắn sinh hoạt được thu gom, xử lý",
            "Tỷ lệ CTR sinh hoạt được thu gom",
            "Tỷ lệ rác thải sinh hoạt được thu gom và xử lý",
        ],
        [
            ("- Đô thị", "urban_waste_collected_pct"),
            ("- Nông thôn", "rural_waste_collected_pct"),
        ],
    ),
    (
        ["Tỷ lệ hộ gia đình có nhà tiêu hợp vệ sinh", "Tỷ lệ hộ sử dụng hố xí hợp vệ sinh"],
        [
            ("+ Khu vực thành thị", "hygienic_latrine_urban_households_pct"),
            ("+ Khu vực nông thôn", "hygienic_latrine_rural_households_pct"),
        ],
    ),
]

# Rows the reader must refuse (a part, a neighbouring indicator, a count for a rate …)
REFUSE = [
    ("Tỷ lệ tăng dân số tự nhiên", "%"),
    ("Mật độ dân số", "Người/km2"),
    ("Số hộ sử dụng nước sạch", "Hộ"),
    ("Tỷ lệ dân số được sử dụng nước sạch", "%"),
    ("Diện tích rừng trồng mới", "Ha"),
    ("Dân số nam", "Người"),
    ("Tỷ lệ hộ nghèo", "%"),
    ("Tỷ lệ hộ chưa có nước sạch để dùng", "%"),
    ("Tỷ lệ hộ nghèo đang có nước sạch", "%"),
    ("Tỷ lệ hộ đăng ký sử dụng nước sạch", "%"),
    ("Tốc độ tăng dân số bình quân", "%"),
    ("Dân số nữ trên địa bàn tỉnh", "Người"),
    ("Số xã đạt chuẩn nông thôn mới kế hoạch giao", "Xã"),
    ("Diện tích rừng trồng mới hiện có (tính đến 31/12)", "Ha"),
    ("Tỷ lệ che phủ rừng tính đến 31/12/2019", "%"),
]

EMISSION_TOTALS = [
    (
        ["Tổng lượng phát thải khí nhà kính", "Tổng phát thải KNK thực tế"],
        "ghg_emissions_tco2e",
        "ghg_emissions_{}_tco2e",
    ),
    (
        [
            "Phát thải KNK theo kịch bản phát triển thông thường (BAU)",
            "Tổng phát thải theo kịch bản BAU",
            "Lượng phát thải khí nhà kính theo phương án phát triển bình thường",
        ],
        "ghg_bau_tco2e",
        "ghg_bau_{}_tco2e",
    ),
]
SECTORS = [
    (["Năng lượng", "Lĩnh vực năng lượng"], "energy"),
    (["Nông nghiệp", "Lĩnh vực nông nghiệp"], "agriculture"),
    (["Chất thải", "Lĩnh vực chất thải"], "waste"),
    (["Sử dụng đất, thay đổi sử dụng đất và lâm nghiệp", "Lâm nghiệp và sử dụng đất"], "lulucf"),
]
REDUCTION = [
    "Mức giảm so với BAU",
    "Mức giảm phát thải KNK so với BAU",
    "Tỷ lệ giảm phát thải so với BAU",
]


def _value(rng, lo_hi):
    lo, hi, nd = lo_hi
    v = rng.uniform(lo, hi)
    return round(v, nd) if nd else int(v)


def _agency_block(rng, ws):
    """The issuing agency and the national motto above a report's title (or nothing)."""
    if rng.random() < 0.5:
        return
    ws.append(["UBND TỈNH BẮC KẠN", None, None, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    agency = rng.choice(["SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"])
    ws.append([agency, None, None, "Độc lập - Tự do - Hạnh phúc"])
    ws.append([])


def _reference(rng, ws):
    """A line citing the report the table is attached to (its date is no year of the table)."""
    if rng.random() < 0.5:
        n = rng.randint(10, 300)
        ws.append([f"(Kèm theo Báo cáo số {n}/BC-UBND ngày 05/02/2025 của UBND tỉnh)"])


def _areas_x_years(rng, ws, truth):
    ind, (titles, unit, rng_v) = rng.choice(sorted(AREA_TITLES.items()))
    _agency_block(rng, ws)
    ws.append([rng.choice(titles)])
    _reference(rng, ws)
    ws.append([unit])
    years = [2020, 2021, 2022, 2023]
    # the last year is preliminary: said in its header, or by a footnote mark (*)
    marked = rng.random() < 0.5
    ws.append(["", *years, "2024(*)" if marked else "Sơ bộ 2024"])
    rows = [("06", "TỔNG SỐ - TOTAL"), *DISTRICTS]
    form = rng.choice(["one line", "bare", "two rows, values first", "two rows, values second"])
    for code, label in rows:
        vals = [_value(rng, rng_v) for _ in range(5)]
        vi, _, en = label.partition(" - ")
        if form == "bare" and code != "06":
            # the name without its type word: "Bắc Kạn - Bac Kan city" (the English half
            # tells the city from the province), "Chợ Mới - Cho Moi district"
            vi = vi.split(" ", 1)[1] if vi.startswith("Huyện ") else vi.replace("Thành phố ", "")
            label = f"{vi} - {en}"
        if form.startswith("two rows") and code != "06":
            if form.endswith("first"):
                ws.append([vi, *vals])
                r = ws.max_row
                ws.append([en])
            else:
                ws.append([vi])
                ws.append([en, *vals])
                r = ws.max_row
        else:
            ws.append([label, *vals])
            r = ws.max_row
        for j, v in enumerate(vals):
            year = 2024 if j == 4 else years[j]
            status = "preliminary" if j == 4 else "actual"
            truth[(ws.title, f"{'BCDEF'[j]}{r}")] = (ind, code, year, status, float(v))
    if marked:
        ws.append([])
        ws.append([rng.choice(["(*) Số liệu sơ bộ", "Ghi chú: (*) số liệu sơ bộ năm 2024"])])


def _years_x_measures(rng, ws, truth):
    ws.append([rng.choice(["Hiện trạng rừng tỉnh Bắc Kạn", "HIỆN TRẠNG RỪNG QUA CÁC NĂM"])])
    cols = [
        (
            rng.choice(["Diện tích có rừng (ha)", "Tổng diện tích rừng hiện có (ha)"]),
            "forest_area_ha",
            (300000, 400000, 1),
        ),
        (
            rng.choice(["Rừng tự nhiên (ha)", "Diện tích rừng tự nhiên hiện có (ha)"]),
            "natural_forest_area_ha",
            (250000, 300000, 1),
        ),
        (
            rng.choice(["Rừng trồng (ha)", "Diện tích rừng trồng (ha)"]),
            "planted_forest_area_ha",
            (50000, 90000, 1),
        ),
        (rng.choice(["Độ che phủ rừng (%)", "Tỉ lệ che phủ (%)"]), "forest_cover_pct", (70, 75, 1)),
    ]
    ws.append(["Năm", *[c[0] for c in cols]])
    for y in (2019, 2020, 2021, 2022, 2023):
        label = "Sơ bộ 2023" if y == 2023 else y
        status = "preliminary" if y == 2023 else "actual"
        r = ws.max_row + 1
        vals = [_value(rng, c[2]) for c in cols]
        ws.append([label, *vals])
        for j, (v, c) in enumerate(zip(vals, cols, strict=True)):
            truth[(ws.title, f"{'BCDE'[j]}{r}")] = (c[1], "06", y, status, float(v))


_PERIODS = [
    ("TH 2022", 2022, "actual"),
    ("TH 2023", 2023, "actual"),
    ("KH 2024", 2024, "plan"),
    ("Ước TH 2024", 2024, "estimate"),
]


_TWO_PERIODS = [
    ("TH 2023", 2023, "actual"),
    ("Ước thực hiện", 2024, "estimate"),
    ("Kế hoạch", 2025, "plan"),
]


def _indicator_rows(rng, ws, truth, items):
    _agency_block(rng, ws)
    periods = _PERIODS
    if rng.random() < 0.5:
        ws.append(["BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU TĂNG TRƯỞNG XANH"])
    else:  # the title names the periods that the columns carry without their years
        ws.append(["ƯỚC THỰC HIỆN NĂM 2024 VÀ KẾ HOẠCH NĂM 2025 CÁC CHỈ TIÊU MÔI TRƯỜNG"])
        periods = _TWO_PERIODS
    _reference(rng, ws)
    ws.append(["STT", "Chỉ tiêu", "ĐVT", *[p[0] for p in periods]])
    for n, (label, unit, ind, rng_v) in enumerate(items, 1):
        r = ws.max_row + 1
        if ind == "header":
            ws.append([n, label, unit])
            continue
        vals = [_value(rng, rng_v) for _ in periods]
        ws.append([n, label, unit, *vals])
        for j, (v, (_t, y, st)) in enumerate(zip(vals, periods, strict=True)):
            truth[(ws.title, f"{'DEFG'[j]}{r}")] = (ind, "06", y, st, float(v)) if ind else None


def _report(rng, ws, truth):
    items = []
    for ind, (variants, unit, rng_v) in sorted(ROWS.items()):
        items.append((rng.choice(variants), unit, ind, rng_v))
    for parents, parts in SPLIT:
        items.append((rng.choice(parents), "%", "header", None))
        for part, ind in parts:
            items.append((part, "%", ind, (40, 99, 1)))
    for label, unit in REFUSE:
        items.append((label, unit, None, (1, 90, 1)))
    rng.shuffle(items[: len(ROWS)])
    _indicator_rows(rng, ws, truth, items)


def _emissions(rng, ws, truth):
    items = []
    for totals, total_id, sector_id in EMISSION_TOTALS:
        items.append((rng.choice(totals), "Tấn CO2tđ", total_id, (1e6, 3e6, 0)))
        for variants, sector in SECTORS:
            items.append(
                (rng.choice(variants), "Tấn CO2tđ", sector_id.format(sector), (1e4, 9e5, 0))
            )
    items.append((rng.choice(REDUCTION), "%", "ghg_reduction_below_bau_pct", (5, 30, 1)))
    ws.append(["KẾT QUẢ KIỂM KÊ KHÍ NHÀ KÍNH TỈNH BẮC KẠN"])
    ws.append(["STT", "Nội dung", "Đơn vị tính", *[p[0] for p in _PERIODS]])
    for n, (label, unit, ind, rng_v) in enumerate(items, 1):
        r = ws.max_row + 1
        vals = [_value(rng, rng_v) for _ in _PERIODS]
        ws.append([n, label, unit, *vals])
        for j, (v, (_t, y, st)) in enumerate(zip(vals, _PERIODS, strict=True)):
            truth[(ws.title, f"{'DEFG'[j]}{r}")] = (ind, "06", y, st, float(v))


def _communes(rng, ws, truth):
    """Communes × measures, 2019 (vintage 2019), under district headers with sub-totals.

    Some household-share columns name neither nông thôn nor đô thị: a xã row gives the
    rural indicator, a thị trấn row the urban one (or nothing where the catalogue has no
    urban indicator).
    """
    from bkanalysis.catalog import read_package_csv

    units = read_package_csv("admin_units_2019.csv")
    _agency_block(rng, ws)
    ws.append(
        [
            rng.choice(
                [
                    "KẾT QUẢ XÂY DỰNG NÔNG THÔN MỚI CẤP XÃ NĂM 2019",
                    "Kết quả thực hiện tiêu chí NTM các xã năm 2019",
                ]
            )
        ]
    )
    _reference(rng, ws)
    # (header, indicator of a xã row, of a thị trấn row, value range)
    water = "rural_hygienic_water_households_pct"
    latrine_r = "hygienic_latrine_rural_households_pct"
    latrine_u = "hygienic_latrine_urban_households_pct"
    cols = [
        (
            rng.choice(
                ["Số tiêu chí đạt", "Số tiêu chí đã đạt được", "Tổng số tiêu chí đạt chuẩn"]
            ),
            "ntm_criteria_met_count",
            "ntm_criteria_met_count",
            (5, 19, 0),
        ),
        rng.choice(
            [
                ("Tỷ lệ hộ nông thôn sử dụng nước HVS (%)", water, water, (70, 99, 1)),
                ("Tỷ lệ hộ dùng nước hợp vệ sinh (%)", water, None, (70, 99, 1)),
                ("Tỷ lệ hộ gia đình có nước sinh hoạt HVS (%)", water, None, (70, 99, 1)),
                ("Tỷ lệ hộ đang sử dụng nước hợp vệ sinh (%)", water, None, (70, 99, 1)),
            ]
        ),
        (
            rng.choice(["Năm được công nhận đạt chuẩn NTM", "Năm công nhận", "Năm đạt chuẩn"]),
            "ntm_recognised_year",
            "ntm_recognised_year",
            (2012, 2019, 0),
        ),
        rng.choice(
            [
                ("Tỷ lệ hộ nông thôn có nhà tiêu HVS (%)", latrine_r, latrine_r, (50, 99, 1)),
                ("Tỷ lệ hộ có nhà tiêu hợp vệ sinh (%)", latrine_r, latrine_u, (50, 99, 1)),
                ("Tỷ lệ hộ gia đình có hố xí HVS (%)", latrine_r, latrine_u, (50, 99, 1)),
                ("Tỷ lệ hộ đã có nhà vệ sinh hợp vệ sinh (%)", latrine_r, latrine_u, (50, 99, 1)),
            ]
        ),
    ]
    ws.append(["Tên xã", *[c[0] for c in cols]])
    for dcode, dname in (("060", "Huyện Pác Nặm"), ("064", "Huyện Chợ Đồn")):
        ws.append([dname])
        own = units[units.district_code == dcode]
        rows = [
            *own[own.unit_type == "thị trấn"].head(1).itertuples(index=False),
            *own[own.unit_type == "xã"].head(6).itertuples(index=False),
        ]
        for row in rows:
            r = ws.max_row + 1
            vals = [_value(rng, c[3]) for c in cols]
            urban = row.unit_type != "xã"
            if urban:
                name = rng.choice(["Thị trấn ", "TT "]) + row.short_name
            else:
                name = rng.choice(["Xã ", "", "X. "]) + row.short_name
            ws.append([name, *vals])
            for j, (v, c) in enumerate(zip(vals, cols, strict=True)):
                ind = c[2] if urban else c[1]
                truth[(ws.title, f"{'BCDE'[j]}{r}")] = (
                    (ind, row.area_code, 2019, "actual", float(v)) if ind else None
                )
        r = ws.max_row + 1
        ws.append(["Cộng", 0, 0, 0, 0])
        for col in "BCDE":
            truth[(ws.title, f"{col}{r}")] = None


LAYOUTS = [
    ("areas", _areas_x_years),
    ("years", _years_x_measures),
    ("report", _report),
    ("ghg", _emissions),
    ("communes", _communes),
]


def generate(out: Path, n_variants: int = 3, seed: int = 2026) -> dict:
    """Write the workbooks into *out*; return ``{(file, sheet, cell): truth or None}``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    truth_all = {}
    for k in range(n_variants):
        for name, fn in LAYOUTS:
            rng = random.Random(f"{seed}-{name}-{k}")
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = f"{name} {k}"
            truth: dict = {}
            fn(rng, ws, truth)
            fname = f"unseen_{name}_{k}.xlsx"
            wb.save(out / fname)
            truth_all.update({(fname, s, c): v for (s, c), v in truth.items()})
    return truth_all


if __name__ == "__main__":  # pragma: no cover
    t = generate(Path(sys.argv[1] if len(sys.argv) > 1 else "unseen"))
    print(f"{len(t)} cells")

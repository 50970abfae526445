"""Generate an archive of workbooks in Bắc Kạn's layouts (DESIGN.md §4), for benchmarks and tests.

    .venv/bin/python benchmarks/make_archive.py DEST -n 100

Four layouts, mixed deterministically (seeded) across the files, with the quirks of real
provincial workbooks: bilingual titles and district names (one or two lines, sometimes
numbered), unit lines, ``Sơ bộ - Prel.`` year headers split over merged rows, merged
``Chia ra - Of which`` headers, Vietnamese number text (``4.346,0``) mixed with numbers,
``-`` for missing, percent-formatted fractions, ``Cộng`` sub-totals, ``So sánh (%)``
derived columns, and notes and signatures under the tables:

1. areas × years (yearbook): districts × years for one indicator;
2. years × measures (yearbook): years × forest measures under merged headers;
3. indicators × periods (department report): ``KH``/``TH``/``ƯTH`` columns;
4. communes × measures (new-rural programme table): communes under district headers.

The numbers are synthetic (seeded random walks), never province data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# The 108 units of 2020-02-01 to 2025-06-30 by district (GSO change record, via the
# commune crosswalk of /work/shared/geo).
COMMUNES_2020: dict[str, list[str]] = {
    "Thành phố Bắc Kạn": [
        "Phường Nguyễn Thị Minh Khai",
        "Phường Sông Cầu",
        "Phường Đức Xuân",
        "Phường Phùng Chí Kiên",
        "Phường Huyền Tụng",
        "Xã Dương Quang",
        "Xã Nông Thượng",
        "Phường Xuất Hóa",
    ],
    "Huyện Pác Nặm": [
        "Xã Bằng Thành",
        "Xã Nhạn Môn",
        "Xã Bộc Bố",
        "Xã Công Bằng",
        "Xã Giáo Hiệu",
        "Xã Xuân La",
        "Xã An Thắng",
        "Xã Cổ Linh",
        "Xã Nghiên Loan",
        "Xã Cao Tân",
    ],
    "Huyện Ba Bể": [
        "Thị trấn Chợ Rã",
        "Xã Bành Trạch",
        "Xã Phúc Lộc",
        "Xã Hà Hiệu",
        "Xã Cao Thượng",
        "Xã Thượng Giáo",
        "Xã Khang Ninh",
        "Xã Nam Mẫu",
        "Xã Địa Linh",
        "Xã Yến Dương",
        "Xã Chu Hương",
        "Xã Quảng Khê",
        "Xã Mỹ Phương",
        "Xã Hoàng Trĩ",
        "Xã Đồng Phúc",
    ],
    "Huyện Ngân Sơn": [
        "Thị trấn Nà Phặc",
        "Xã Thượng Ân",
        "Xã Bằng Vân",
        "Xã Cốc Đán",
        "Xã Trung Hoà",
        "Xã Đức Vân",
        "Thị trấn Vân Tùng",
        "Xã Thượng Quan",
        "Xã Hiệp Lực",
        "Xã Thuần Mang",
    ],
    "Huyện Bạch Thông": [
        "Thị trấn Phủ Thông",
        "Xã Vi Hương",
        "Xã Sĩ Bình",
        "Xã Vũ Muộn",
        "Xã Đôn Phong",
        "Xã Tân Tú",
        "Xã Lục Bình",
        "Xã Quân Hà",
        "Xã Nguyên Phúc",
        "Xã Cao Sơn",
        "Xã Cẩm Giàng",
        "Xã Mỹ Thanh",
        "Xã Dương Phong",
        "Xã Quang Thuận",
    ],
    "Huyện Chợ Đồn": [
        "Thị trấn Bằng Lũng",
        "Xã Xuân Lạc",
        "Xã Nam Cường",
        "Xã Đồng Lạc",
        "Xã Tân Lập",
        "Xã Bản Thi",
        "Xã Quảng Bạch",
        "Xã Bằng Phúc",
        "Xã Yên Thịnh",
        "Xã Yên Thượng",
        "Xã Phương Viên",
        "Xã Ngọc Phái",
        "Xã Đồng Thắng",
        "Xã Lương Bằng",
        "Xã Bằng Lãng",
        "Xã Đại Sảo",
        "Xã Nghĩa Tá",
        "Xã Yên Phong",
        "Xã Yên Mỹ",
        "Xã Bình Trung",
    ],
    "Huyện Chợ Mới": [
        "Thị trấn Đồng Tâm",
        "Xã Tân Sơn",
        "Xã Thanh Vận",
        "Xã Mai Lạp",
        "Xã Hoà Mục",
        "Xã Thanh Mai",
        "Xã Cao Kỳ",
        "Xã Nông Hạ",
        "Xã Yên Cư",
        "Xã Thanh Thịnh",
        "Xã Yên Hân",
        "Xã Như Cố",
        "Xã Bình Văn",
        "Xã Quảng Chu",
    ],
    "Huyện Na Rì": [
        "Thị trấn Yến Lạc",
        "Xã Văn Vũ",
        "Xã Văn Lang",
        "Xã Lương Thượng",
        "Xã Kim Hỷ",
        "Xã Cường Lợi",
        "Xã Kim Lư",
        "Xã Sơn Thành",
        "Xã Văn Minh",
        "Xã Côn Minh",
        "Xã Cư Lễ",
        "Xã Trần Phú",
        "Xã Quang Phong",
        "Xã Dương Sơn",
        "Xã Xuân Dương",
        "Xã Đổng Xá",
        "Xã Liêm Thuỷ",
    ],
}

DISTRICTS_BILINGUAL = [
    ("Thành phố Bắc Kạn", "Bac Kan city"),
    ("Huyện Pác Nặm", "Pac Nam district"),
    ("Huyện Ba Bể", "Ba Be district"),
    ("Huyện Ngân Sơn", "Ngan Son district"),
    ("Huyện Bạch Thông", "Bach Thong district"),
    ("Huyện Chợ Đồn", "Cho Don district"),
    ("Huyện Chợ Mới", "Cho Moi district"),
    ("Huyện Na Rì", "Na Ri district"),
]

# (Vietnamese title, English title, unit line, base value per district, is percentage)
AREA_INDICATORS = [
    ("Diện tích rừng", "Forest area", "Đơn vị tính - Unit: Ha", 45000.0, False),
    ("Diện tích rừng trồng", "Planted forest area", "Đơn vị tính - Unit: Ha", 12000.0, False),
    ("Diện tích rừng tự nhiên", "Natural forest area", "Đơn vị tính - Unit: Ha", 33000.0, False),
    ("Tỷ lệ che phủ rừng", "Forest cover rate", "Đơn vị tính - Unit: %", 72.0, True),
    ("Tỷ lệ hộ dân được sử dụng nước sạch", "Households using clean water", "ĐVT: %", 80.0, True),
]


def vn_number(x: float, decimals: int = 1) -> str:
    """Vietnamese number text: ``4346.0`` -> ``'4.346,0'``."""
    s = f"{abs(x):,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("-" if x < 0 else "") + s


def _value(rng: random.Random, x: float, *, text_share: float, decimals: int = 1):
    """A cell value: a number, Vietnamese number text or (rarely) ``-``."""
    u = rng.random()
    if u < 0.02:
        return "-"
    if u < 0.02 + text_share:
        return vn_number(x, decimals)
    return round(x, decimals)


def _title_block(ws, rng, vi: str, en: str, *, unit: str, ncols: int, number: int) -> int:
    from openpyxl.styles import Alignment, Font

    row = 1
    if rng.random() < 0.5:
        ws.cell(row, 1, str(number))
        row += 1
    ws.cell(row, 1, vi).font = Font(bold=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    row += 1
    ws.cell(row, 1, en).font = Font(italic=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    row += 1
    ws.cell(row, ncols, unit).alignment = Alignment(horizontal="right")
    return row + 2


def areas_by_years(wb, rng: random.Random, number: int) -> None:
    """Layout 1: districts × years for one indicator."""
    vi, en, unit, base, pct = rng.choice(AREA_INDICATORS)
    last = rng.choice([2021, 2022, 2023])
    years = list(range(last - 4, last))
    ws = wb.create_sheet(f"Biểu {number:02d}")
    suffix = rng.choice([" phân theo huyện", " phân theo đơn vị hành chính cấp huyện"])
    row = _title_block(
        ws, rng, vi + suffix, en + " by district", unit=unit, ncols=len(years) + 2, number=number
    )
    split = rng.random() < 0.6
    for j, y in enumerate(years, 2):
        ws.cell(row, j, y)
        if split:
            ws.merge_cells(start_row=row, start_column=j, end_row=row + 2, end_column=j)
    c = len(years) + 2
    if split:
        ws.cell(row, c, "Sơ bộ")
        ws.cell(row + 1, c, "Prel.")
        ws.cell(row + 2, c, last)
        row += 3
    else:
        ws.cell(row, c, f"Sơ bộ - Prel. {last}")
        row += 1
    values = {d: [base * rng.uniform(0.6, 1.4)] for d, _ in DISTRICTS_BILINGUAL}
    for d in values:
        for _ in range(len(years)):
            step = rng.uniform(-0.3, 1.2) if pct else rng.uniform(-0.01, 0.03) * values[d][-1]
            values[d].append(values[d][-1] + step)
    text_share = rng.choice([0.0, 0.0, 0.5, 1.0])
    two_lines = rng.random() < 0.4
    numbered = rng.random() < 0.3
    total = [
        (sum(v[k] for v in values.values()) / (len(values) if pct else 1))
        for k in range(len(years) + 1)
    ]
    ws.cell(row, 1, "TỔNG SỐ - TOTAL")
    for k, x in enumerate(total):
        ws.cell(row, k + 2, _value(rng, x, text_share=text_share))
    row += 1
    for i, (d, d_en) in enumerate(DISTRICTS_BILINGUAL, 1):
        label = f"{i}. {d}" if numbered else d
        if two_lines:
            ws.cell(row, 1, label)
            ws.cell(row + 1, 1, d_en)
        else:
            ws.cell(row, 1, f"{label} - {d_en}")
        for k, x in enumerate(values[d]):
            ws.cell(row, k + 2, _value(rng, x, text_share=text_share))
        row += 2 if two_lines else 1
    row += 1
    ws.cell(row, 1, "Nguồn: Niên giám thống kê tỉnh Bắc Kạn")
    ws.column_dimensions["A"].width = 38


def years_by_measures(wb, rng: random.Random, number: int) -> None:
    """Layout 2: years × forest measures under merged headers."""
    ws = wb.create_sheet(f"Biểu {number:02d}")
    row = _title_block(
        ws, rng, "Diện tích rừng hiện có", "Area of forest",
        unit="Đơn vị tính - Unit: Ha", ncols=5, number=number,
    )  # fmt: skip
    ws.cell(row, 1, "")
    ws.cell(row, 2, "Diện tích có rừng - Forest area")
    ws.merge_cells(start_row=row, start_column=2, end_row=row + 1, end_column=2)
    ws.cell(row, 3, "Chia ra - Of which")
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
    ws.cell(row + 1, 3, "Rừng tự nhiên - Natural forest")
    ws.cell(row + 1, 4, "Rừng trồng - Planted forest")
    ws.cell(row, 5, "Tỷ lệ che phủ rừng (%) - Forest cover rate (%)")
    ws.merge_cells(start_row=row, start_column=5, end_row=row + 1, end_column=5)
    row += 2
    last = rng.choice([2021, 2022, 2023])
    first = last - rng.choice([5, 8, 12])
    nat, pla = rng.uniform(280000, 300000), rng.uniform(60000, 80000)
    text_share = rng.choice([0.0, 0.5])
    pct_as_fraction = rng.random() < 0.5
    for y in range(first, last + 1):
        label = f"Sơ bộ - Prel. {y}" if y == last else y
        ws.cell(row, 1, label)
        ws.cell(row, 2, _value(rng, nat + pla, text_share=text_share))
        ws.cell(row, 3, _value(rng, nat, text_share=text_share))
        ws.cell(row, 4, _value(rng, pla, text_share=text_share))
        cover = (nat + pla) / 485_941 * 100
        if pct_as_fraction:
            cell = ws.cell(row, 5, round(cover / 100, 4))
            cell.number_format = "0.0%"
        else:
            ws.cell(row, 5, _value(rng, cover, text_share=text_share))
        nat += rng.uniform(-200, 600)
        pla += rng.uniform(0, 1500)
        row += 1


REPORT_ROWS = [
    ("I", "Lâm nghiệp", None, None),
    ("1", "Tỷ lệ che phủ rừng", "%", 72.0),
    ("2", "Diện tích rừng trồng mới", "ha", 5000.0),
    ("II", "Môi trường", None, None),
    ("1", "Tỷ lệ hộ dân được sử dụng nước sạch", "%", 85.0),
    ("2", "Tỷ lệ rác thải đô thị được thu gom xử lý", "%", 88.0),
    ("3", "Tỷ lệ chất thải y tế được thu gom xử lý đạt quy chuẩn", "%", 95.0),
    ("III", "Nông thôn mới", None, None),
    ("1", "Số xã đạt chuẩn nông thôn mới", "xã", 20.0),
    ("a)", "Tỷ lệ hộ nông thôn có hố xí hợp vệ sinh", "%", 70.0),
]


def indicators_by_periods(wb, rng: random.Random, number: int) -> None:
    """Layout 3: a department report, indicators × KH/TH/ƯTH periods."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(rng.choice(["Phụ lục", "PL01", f"Biểu {number:02d}"]))
    y = rng.choice([2020, 2021, 2022, 2023])
    ws.cell(1, 1, "ỦY BAN NHÂN DÂN TỈNH BẮC KẠN").font = Font(bold=True)
    ws.cell(2, 1, f"KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU TĂNG TRƯỞNG XANH NĂM {y}")
    ws.merge_cells("A2:H2")
    ws.cell(3, 1, "(Kèm theo Báo cáo số 123/BC-UBND)")
    head = ["STT", "Chỉ tiêu", "ĐVT", f"KH {y}", f"TH {y - 2}", f"TH {y - 1}", f"ƯTH {y}"]
    head.append("So sánh (%)")
    for j, h in enumerate(head, 1):
        ws.cell(5, j, h).font = Font(bold=True)
    row = 6
    for stt, name, unit, base in REPORT_ROWS:
        ws.cell(row, 1, stt)
        ws.cell(row, 2, name)
        if unit is not None:
            ws.cell(row, 3, unit)
            vals = [base * rng.uniform(1.0, 1.1), base * rng.uniform(0.85, 0.95)]
            vals += [vals[-1] * rng.uniform(1.0, 1.05), vals[0] * rng.uniform(0.95, 1.02)]
            for j, v in enumerate(vals, 4):
                ws.cell(row, j, _value(rng, v, text_share=0.3, decimals=1 if unit != "xã" else 0))
            ws.cell(row, 8, round(vals[3] / vals[0] * 100, 1))
        row += 1
    ws.cell(row + 2, 6, "TM. ỦY BAN NHÂN DÂN")
    ws.cell(row + 3, 6, "CHỦ TỊCH")


def communes_by_measures(wb, rng: random.Random, number: int) -> None:
    """Layout 4: communes under district header rows, sub-totals, year in the title."""
    ws = wb.create_sheet(rng.choice(["NTM", "Danh sách xã", f"Biểu {number:02d}"]))
    y = rng.choice([2019, 2021, 2022, 2023])
    ws.cell(1, 1, f"KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM {y}")
    ws.merge_cells("A1:E1")
    head = ["STT", "Tên xã", "Số tiêu chí đạt", "Đạt chuẩn NTM (x)", "Năm đạt chuẩn"]
    for j, h in enumerate(head, 1):
        ws.cell(3, j, h)
    row, n = 4, 0
    roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    for k, (district, communes) in enumerate(COMMUNES_2020.items()):
        ws.cell(row, 1, roman[k])
        ws.cell(row, 2, district)
        row += 1
        first = row
        for name in communes:
            if name.startswith(("Phường", "Thị trấn")):
                continue
            n += 1
            ws.cell(row, 1, n)
            ws.cell(row, 2, name if rng.random() < 0.8 else name.replace("Xã ", "X. "))
            criteria = min(19, max(5, int(rng.gauss(14, 3))))
            ws.cell(row, 3, criteria)
            if criteria == 19:
                ws.cell(row, 4, "x")
                ws.cell(row, 5, rng.randint(2014, y))
            row += 1
        ws.cell(row, 2, "Cộng")
        ws.cell(row, 3, f"=SUM(C{first}:C{row - 1})")
        row += 1
    ws.cell(row + 1, 2, "Ghi chú: (x) xã đã được công nhận đạt chuẩn nông thôn mới.")


LAYOUTS = [areas_by_years, years_by_measures, indicators_by_periods, communes_by_measures]
FOLDERS = ["nien_giam", "so_nn_ptnt", "so_tnmt", "van_phong_ntm"]


def make_workbook(path: Path, seed: int) -> Path:
    """Write one workbook (1–3 sheets in the province's layouts) to *path*."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook()
    wb.remove(wb.active)
    first = seed % len(LAYOUTS)
    n_sheets = rng.choice([1, 1, 2, 3])
    for k in range(n_sheets):
        layout = LAYOUTS[(first + k) % len(LAYOUTS)] if k == 0 else rng.choice(LAYOUTS)
        layout(wb, rng, k + 1)
        names = [ws.title for ws in wb.worksheets]
        if len(set(names)) != len(names):  # duplicate sheet title: rename the last one
            wb.worksheets[-1].title = f"Sheet{k + 1}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _one(args: tuple[str, int]) -> str:
    path, seed = args
    return str(make_workbook(Path(path), seed))


def make_archive(
    dest: str | os.PathLike, n: int, *, seed: int = 0, jobs: int | None = None
) -> list[Path]:
    """Write *n* workbooks under *dest* (in four sub-folders) and return their paths.

    Deterministic in content for a given (*n*, *seed*) except for openpyxl's timestamps.
    """
    dest = Path(dest)
    tasks = []
    for i in range(n):
        folder = FOLDERS[i % len(FOLDERS)]
        tasks.append((str(dest / folder / f"bieu_{i + 1:05d}.xlsx"), seed * 1_000_003 + i))
    jobs = jobs or min(os.cpu_count() or 1, 4)
    if jobs > 1 and n >= 20:
        with ProcessPoolExecutor(jobs) as pool:
            out = list(pool.map(_one, tasks, chunksize=16))
    else:
        out = [_one(t) for t in tasks]
    return [Path(p) for p in out]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("-n", type=int, default=100, help="number of workbooks (default 100)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    paths = make_archive(args.dest, args.n, seed=args.seed)
    print(f"wrote {len(paths)} workbooks to {args.dest} in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of importing a unit's Excel book (issue 4, "Performance").

    uv run python bench/import.py                  # 100,000 rows, then the 68-row sample
    uv run python bench/import.py --rows 20000     # another size
    uv run python bench/import.py --per-row        # the row-by-row path (create_case per row), to compare
    uv run python bench/import.py --book FILE      # a book kept by an earlier run (--keep) instead of a new one

1. A book of --rows rows is written with xlsxwriter in a temp dir: the sample's layout (title,
   "Tính đến ngày", two header rows, the "Ngày lễ" sheet), realistic values — about one date in
   six written as text ("20/12/2023", "3/1/24", "ngày 4 tháng 1 năm 2024"), cases at every stage,
   a few rows the importer must skip or warn about.
2. A NEW process on a fresh SQLite data dir times `import_workbook` end to end (reading the book,
   the one transaction, the report) and prints the seconds, the CPU time of each part (a big book is
   read and prepared by a second process, imports.worker) and the peak memory (ru_maxrss) of both.
3. The 68-row sample end to end: `python -m kiemsat --data-dir TMP import-excel FILE` in a new
   process, wall time (interpreter start and migrating the fresh data dir included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "so-theo-doi-xlhc-2024.xlsx"

GROUPS = ["STT", "Họ và tên", "Năm sinh", "Nơi cư trú", "Biện pháp đề nghị", "Cơ quan đề nghị", "Hồ sơ đề nghị", None,
          None, None, None, "Tòa án thụ lý", None, None, "Thông báo thụ lý", None, "Phiên họp", None, None,
          "Quyết định của Tòa án", None, None, None, None, "Ngày QĐ có hiệu lực", "Thi hành", None,
          "Đề xuất của Viện kiểm sát", "KSV, KTV được phân công", "Ngày nộp lưu HSKS", "Ghi chú"]
LEAVES = [None, None, None, None, None, None, "Ngày phát hiện", "Ngày lập hồ sơ", "Ngày Phòng LĐTBXH nhận",
          "Ngày Phòng LĐTBXH chuyển Tòa", "Ngày Tòa án nhận hồ sơ", "Số thụ lý", "Ngày thụ lý", "Vụ việc phức tạp",
          "Ngày Thông báo", "Ngày VKS nhận", "Ngày QĐ mở phiên họp", "Ngày mở phiên họp", "KSV tham gia", "Số QĐ",
          "Ngày QĐ", "Kết quả", "Thời hạn (tháng)", "Ngày VKS nhận QĐ", None, "Ngày Công an nhận QĐ",
          "Ngày đưa vào cơ sở", None, None, None, None]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Ngọc", "Quang", "Thu", "Hữu", "Đình", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Thành", "Toàn",
         "Tuấn", "Việt", "Yến", "Hà", "Khải", "Long"]
COMMUNES = ["xã Tân Lập", "xã Thủy Đường", "xã An Phú", "thị trấn An Lạc", "xã Hòa Bình", "xã Quang Trung"]
STAFF = ["Lê Đức Anh", "Phạm Thu Hà", "Trần Văn Khải", "Nguyễn Thị Hồng"]
MEASURES = [("Đưa vào cơ sở cai nghiện bắt buộc", "Phòng LĐTBXH huyện An Lạc"),
            ("Đưa vào cơ sở giáo dục bắt buộc", "Công an huyện An Lạc"),
            ("Đưa vào trường giáo dưỡng", "Công an huyện An Lạc")]
PROPOSALS = ["", "Đề nghị áp dụng 24 tháng", "Đồng ý với đề nghị", "Đề nghị không áp dụng do chưa đủ căn cứ"]


def _as_text(d: dt.date, rng: random.Random) -> str:
    return rng.choice([f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}/{d.year % 100:02d}",
                       f"ngày {d.day} tháng {d.month} năm {d.year}", f"{d.day:02d}-{d.month:02d}-{d.year}"])


def make_rows(n: int, seed: int = 4, start: dt.date = dt.date(2019, 1, 2), text_dates: float = 0.16,
              odd: bool = True) -> list[list]:
    """n rows of a book in the sample's layout (GROUPS / LEAVES). Cases run from `start` over
    about six years, numbered in each year's sequence; most reach a decision. With odd=True,
    about one row in 200 is one the importer skips or warns about (a repeated số thụ lý, a row
    without a name, an impossible birth year, a term over 36 months, an outcome off the list)."""
    rng = random.Random(seed)
    seq: dict[int, int] = {}
    span = 6 * 365
    rows = []
    D = dt.timedelta
    for i in range(1, n + 1):
        detected = start + D(days=int(span * i / n) + rng.randint(0, 20))
        measure, proposer = MEASURES[0] if rng.random() < 0.85 else rng.choice(MEASURES[1:])
        ldtb = measure == MEASURES[0][0]
        prepared = detected + D(days=rng.randint(1, 5))
        ldtb_rec = prepared + D(days=rng.randint(1, 10)) if ldtb else None
        ldtb_tr = ldtb_rec + D(days=rng.randint(0, 4)) if ldtb else None
        court_rec = (ldtb_tr or prepared) + D(days=rng.randint(0, 6))
        stage = rng.random()
        acc = court_rec + D(days=rng.randint(1, 4)) if stage > 0.05 else None
        year = acc.year if acc else None
        stl = ""
        if acc:
            seq[year] = seq.get(year, 0) + 1
            stl = f"{seq[year]:02d}/{year}/TLHS-XLHC"
        notice = acc + D(days=rng.randint(0, 3)) if acc else None
        notice_vks = notice + D(days=rng.randint(0, 4)) if notice else None
        order = acc + D(days=rng.randint(3, 9)) if acc and stage > 0.12 else None
        session = order + D(days=rng.randint(1, 7)) if order else None
        decided = session is not None and stage > 0.18
        dec = session if decided else None
        outcome = (rng.choice(["Áp dụng"] * 8 + ["Không áp dụng", "Đình chỉ"])) if decided else ""
        term = rng.choice([12, 18, 24]) if outcome == "Áp dụng" else None
        dec_no = f"{seq[year]:02d}/{year}/QĐ-XLHC" if decided else ""
        dec_vks = dec + D(days=rng.randint(0, 4)) if dec else None
        effective = dec + D(days=rng.randint(7, 12)) if dec and stage > 0.25 else None
        police = effective + D(days=rng.randint(1, 5)) if effective and outcome == "Áp dụng" else None
        delivered = police + D(days=rng.randint(1, 10)) if police and stage > 0.35 else None
        archived = (effective + D(days=rng.randint(20, 60))) if effective and stage > 0.5 else None
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        birth = rng.randint(1970, 2006) if "giáo dưỡng" not in measure else rng.randint(2006, 2011)
        note = rng.choice(["", "", "", "", "đối tượng bỏ trốn", "đã gọi điện cho gia đình"])
        if odd and i % 200 == 7:  # something the importer has to say something about
            kind = (i // 200) % 5
            if kind == 0 and rows and rows[-1][11]:
                stl = rows[-1][11]  # a số thụ lý repeated (another person): skipped
            elif kind == 1:
                name = ""  # no name: skipped
            elif kind == 2:
                birth = 1850  # kept in the notes, with a warning
            elif kind == 3 and term:
                term = 48  # over 36 months: kept in the notes
            elif kind == 4 and outcome:
                outcome = "Tạm hoãn"  # not an outcome of the list: kept in the notes

        def d(x):
            if x is None:
                return None
            return _as_text(x, rng) if rng.random() < text_dates else x

        rows.append([
            i, name, birth, f"{rng.choice(COMMUNES)}, huyện An Lạc", measure, proposer, d(detected), d(prepared),
            d(ldtb_rec), d(ldtb_tr), d(court_rec), stl, d(acc), "x" if rng.random() < 0.05 else None, d(notice),
            d(notice_vks), d(order), d(session), ("Có" if rng.random() < 0.9 else "Không") if session else None,
            dec_no, d(dec), outcome, term, d(dec_vks), d(effective), d(police), d(delivered),
            rng.choice(PROPOSALS), rng.choice(STAFF), d(archived), note,
        ])
    return rows


def write_book(path: Path, rows: list[list], as_of: dt.date = dt.date(2025, 12, 31)) -> Path:
    """The rows as a book in the sample's layout, written with xlsxwriter (constant memory)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("Theo dõi XLHC")
    ws.write(0, 0, "VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC")
    ws.write(1, 0, "SỔ THEO DÕI VIỆC ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH TẠI TÒA ÁN")
    ws.write(2, 0, "Tính đến ngày:")
    ws.write_datetime(2, 2, dt.datetime.combine(as_of, dt.time()), date_fmt)
    for c, v in enumerate(GROUPS):
        if v is not None:
            ws.write(3, c, v)
    for c, v in enumerate(LEAVES):
        if v is not None:
            ws.write(4, c, v)
    for r, row in enumerate(rows, 5):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(r, c, v)
    hol = wb.add_worksheet("Ngày lễ")
    for r, d in enumerate([dt.date(2024, 1, 1), dt.date(2024, 4, 30), dt.date(2024, 5, 1), dt.date(2024, 9, 2)]):
        hol.write_datetime(r, 0, dt.datetime.combine(d, dt.time()), date_fmt)
    wb.close()
    return path


# ---------------------------------------------------------------------------- child process
def child(args) -> dict:
    os.environ["KIEMSAT_DATA_DIR"] = args.data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemsat.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from kiemsat.__main__ import ensure_migrated

    ensure_migrated()
    from kiemsat.cases.models import Case, CaseDigest, Event
    from kiemsat.imports.services import import_workbook

    from kiemsat.imports import worker

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = time.process_time()
    tcpu0 = time.thread_time()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    report = import_workbook(args.book, actor=None, bulk=not args.per_row)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    tcpu = time.thread_time() - tcpu0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reading process (ended, waited for)
    return {"seconds": elapsed, "cpu": cpu, "thread_cpu": tcpu, "load": os.getloadavg()[0],
            "reader_cpu": kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime,
            "reader_peak_mb": kids.ru_maxrss / 1024, "second_process": worker.use_process(Path(args.book)),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss0 / 1024, "counts": report.counts, "cases": Case.objects.count(),
            "events": Event.objects.count(), "digests": CaseDigest.objects.count(),
            "history": Case.history.count() + Event.history.count()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--per-row", action="store_true", help="force the row-by-row path")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--book", help="import this book (e.g. one kept by --keep) instead of writing one")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="kiemsat-bench-import-"))
    try:
        import sqlite3

        print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"load average {os.getloadavg()[0]:.2f}")
        t = time.perf_counter()
        if args.book:  # a book written by an earlier run (--keep)
            book = Path(args.book)
            print(f"book: {book} ({book.stat().st_size / 1048576:.1f} MB)")
        else:
            book = write_book(tmp / f"book-{args.rows}.xlsx", make_rows(args.rows))
            print(f"book: {args.rows:,} rows, {book.stat().st_size / 1048576:.1f} MB "
                  f"(written in {time.perf_counter() - t:.1f} s)")
        cmd = [sys.executable, __file__, "--child", "--data-dir", str(tmp / "data"), "--book", str(book)]
        if args.per_row:
            cmd.append("--per-row")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        c = r["counts"]
        print(f"import_workbook ({'per row' if args.per_row else 'bulk'}), {c['total']:,} rows: {r['seconds']:.1f} s, "
              f"peak memory {r['peak_mb']:.0f} MB (ru_maxrss; {r['rss_before_mb']:.0f} MB before the import)"
              + (f", reading process {r['reader_peak_mb']:.0f} MB" if r["second_process"] else ""))
        where = (f"{r['reader_cpu']:.1f} s in the reading process (reading, checking), "
                 f"{r['thread_cpu']:.1f} s in the importing thread (matching, numbering), " if r["second_process"] else
                 f"{r['thread_cpu']:.1f} s in the importing thread (reading, checking), ")
        print(f"  CPU time of the import {r['cpu'] + r['reader_cpu']:.1f} s: {where}"
              f"{r['cpu'] - r['thread_cpu']:.1f} s in the writer thread (mostly inside the database, "
              f"alongside); load average at the end {r['load']:.2f}")
        print(f"  {c['imported']:,} imported, {c['skipped']} skipped, {c['with_warnings']} with warnings; "
              f"{r['cases']:,} cases, {r['events']:,} events, {r['digests']:,} digests, {r['history']:,} history rows")

        if SAMPLE.exists():
            kiemsat = [sys.executable, "-m", "kiemsat", "--data-dir"]
            t = time.perf_counter()
            subprocess.run([*kiemsat, str(tmp / "sample"), "import-excel", str(SAMPLE)], check=True,
                           capture_output=True, cwd=ROOT)
            fresh = time.perf_counter() - t
            subprocess.run([*kiemsat, str(tmp / "sample2"), "migrate"], check=True, capture_output=True, cwd=ROOT)
            t = time.perf_counter()
            out = subprocess.run([*kiemsat, str(tmp / "sample2"), "import-excel", str(SAMPLE)], check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            ready = time.perf_counter() - t
            print(f"sample {SAMPLE.name} end to end (python -m kiemsat --data-dir TMP import-excel FILE): "
                  f"{fresh:.2f} s on a fresh data dir (migrations included), {ready:.2f} s on a migrated empty one")
            print("  " + out.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")


if __name__ == "__main__":
    main()

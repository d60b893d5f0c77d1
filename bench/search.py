"""Benchmark of the search box (issue 8, "Performance"): 1,000,000 people and 100,000 document texts.

    uv run python bench/search.py                          # 1,000,000 cases + 100,000 documents
    uv run python bench/search.py --cases 100000 --docs 10000
    uv run python bench/search.py --data-dir DIR           # reuse (or fill) an instance
    uv run python bench/search.py --database-url postgres://…/bench1m --data-dir DIR --cases 0
                                    # PostgreSQL (issue 10): an instance already loaded, documents added

1. The instance: a SQLite data dir holding `kiemsat demo-data --cases N` (the demo's raw INSERTs: the
   FTS5 index is kept by the database's triggers, no Python hook) and N documents whose text is
   generated Vietnamese dossier prose (names, places, numbers), inserted as rows (the files
   themselves do not matter to search); made when empty, reused otherwise.
   On PostgreSQL (--database-url) the cases must already be there (`kiemsat demo-data --units 10`);
   only the documents are added, and the pg_trgm indexes of migration search.0001 serve the search.
2. In a new process, for each user of --users (default: `lanhdao`, or on the 10-unit demo the
   leader of unit 1 and the provincial leader): --queries searches drawn from the cases that user sees — a full name with accents, the same without accents, NFD input, the other tone placement,
   family + given name, a số thụ lý, a decision number, a phrase of document text, a common word —
   each timed end to end through `search.services.search` (database, grouping, snippets). One
   warm-up pass, then the timed pass; p50 / p95 / max overall and per kind.
"""

from __future__ import annotations

import argparse
import os
import json
import random
import statistics
import time
import unicodedata
from pathlib import Path

from _common import machine, pct, run_child, setup_django  # noqa: E402


PHRASES = [
    "Biên bản vi phạm hành chính lập hồi {h} giờ ngày {d} tại {place}",
    "Người vi phạm {name}, sinh năm {y}, nơi cư trú {place}",
    "Kết quả xác định tình trạng nghiện: dương tính với chất ma túy nhóm {drug}",
    "Căn cứ Luật Xử lý vi phạm hành chính năm 2012, sửa đổi, bổ sung năm 2020",
    "Quyết định số {n}/{yy}/QĐ-XLHC áp dụng biện pháp đưa vào cơ sở cai nghiện bắt buộc",
    "Bản tóm tắt lý lịch của người bị đề nghị, gia đình gồm cha {f}, mẹ {m}",
    "Thông báo về việc lập hồ sơ đề nghị, đọc hồ sơ ngày {d}",
    "Ủy ban nhân dân {place} xác nhận người vi phạm không có nơi cư trú ổn định",
    "Công an {place} đề nghị Tòa án nhân dân xem xét áp dụng biện pháp",
    "Bản tường trình: tôi là {name}, thừa nhận đã sử dụng trái phép chất ma túy",
]
DRUGS = ["Heroin", "Methamphetamine", "MDMA", "Ketamine", "Cần sa"]
PLACES = ["thôn Đông Đoài", "xã Thủy Đường", "xã Hòa Bình", "phường Quán Toan", "xã Kiền Bái", "thị trấn Núi Đèo",
          "xã Lưu Kiếm", "xã Hoa Động", "xã Tân Lập", "thôn Bắc Sơn", "xã Quảng Thanh", "phường Đồng Hòa"]


def setup(args) -> None:
    setup_django(args.data_dir, args.database_url)


# ---------------------------------------------------------------------------- fill
def child_fill(args) -> dict:
    setup(args)
    from django.db import connection, transaction
    from django.utils import timezone

    from kiemsat.__main__ import ensure_migrated
    from kiemsat.cases.demo import _person, make_demo_data
    from kiemsat.cases.models import Case
    from kiemsat.documents.models import Document
    from kiemsat.documents.services import search_text

    if not args.database_url:
        ensure_migrated()
    out = {}
    have = Case.objects.count()
    if have < args.cases and not args.database_url:
        t = time.perf_counter()
        make_demo_data(n_cases=args.cases - have, seed=2024 + have)
        out["demo_seconds"] = time.perf_counter() - t
    have_docs = Document.objects.count()
    if have_docs < args.docs:
        rng = random.Random(8)
        ids = list(Case.objects.values_list("id", flat=True))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cols = ("case_id", "sha256", "size", "kind", "name", "number", "checklist_item", "pages", "text", "text_status",
                "text_source", "text_note", "search_folded", "source", "source_path", "uploaded_at")
        qn = connection.ops.quote_name
        sql = (f"INSERT INTO {qn(Document._meta.db_table)} ({', '.join(qn(c) for c in cols)}) "
               f"VALUES ({', '.join(['%s'] * len(cols))})")
        t = time.perf_counter()
        n = args.docs - have_docs
        for start in range(0, n, 5000):
            rows = []
            for i in range(start, min(n, start + 5000)):
                name, _sex = _person(rng)
                text = "\n".join(
                    rng.choice(PHRASES).format(h=rng.randint(7, 17), d=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024",
                                               place=rng.choice(PLACES), name=name, y=rng.randint(1970, 2005),
                                               drug=rng.choice(DRUGS), n=rng.randint(1, 999), yy=rng.choice([2023, 2024, 2025]),
                                               f=_person(rng)[0], m=_person(rng)[0])
                    for _ in range(rng.randint(8, 30)))
                num = f"{rng.randint(1, 999)}/{rng.choice(['BB-VPHC', 'QĐ-UBND', 'TB-CA'])}"
                fname = f"ho-so-{have_docs + i:06d}.pdf"
                rows.append((rng.choice(ids), f"{rng.getrandbits(256):064x}", len(text) * 3, "pdf", fname, num, "", 1,
                             text, "done", "ocr", "", search_text(fname, num, text), "upload", "", now))
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, rows)
        out["docs_seconds"] = time.perf_counter() - t
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            out["db_mb"] = round((Path(args.data_dir) / "kiemsat.sqlite3").stat().st_size / 1e6)
        else:
            cur.execute("ANALYZE documents_document")
            cur.execute("SELECT pg_database_size(current_database())")
            out["db_mb"] = round(cur.fetchone()[0] / 1e6)
    out["cases"] = Case.objects.count()
    out["documents"] = Document.objects.count()
    return out


# ---------------------------------------------------------------------------- queries
def _other_placement(word: str) -> str:
    from kiemsat.search.text import tone_variants

    vs = [v for v in tone_variants(word) if v != word.lower()]
    return vs[0] if vs else word


def child_search(args) -> dict:
    setup(args)
    from kiemsat.cases.models import Event
    from kiemsat.cases.selectors import visible_cases
    from kiemsat.documents.models import Document
    from kiemsat.domain.vntext import fold
    from kiemsat.org.models import User
    from kiemsat.search.services import search

    user = User.objects.get(username=args.user)
    visible = visible_cases(user)
    rng = random.Random(args.seed)
    top = visible.order_by("-id").values_list("id", flat=True).first()
    picks = []
    while len(picks) < args.queries:
        c = visible.filter(id__gte=rng.randint(1, top)).order_by("id").only("person_name", "so_thu_ly").first()
        if c is not None:
            picks.append(c)
    nums = list(Event.objects.filter(code="decision", case__in=visible.filter(id__gte=rng.randint(1, top)).order_by("id")
                                     .values("id")[:20000]).exclude(number="").values_list("number", flat=True)[:5000])
    queries = []
    kinds = ["name", "folded", "nfd", "tone", "family_given", "so_thu_ly", "number", "text", "common"]
    for i, c in enumerate(picks):
        kind = kinds[i % len(kinds)]
        words = c.person_name.split()
        if kind == "name":
            q = c.person_name
        elif kind == "folded":
            q = fold(c.person_name)
        elif kind == "nfd":
            q = unicodedata.normalize("NFD", c.person_name)
        elif kind == "tone":
            q = " ".join(_other_placement(w) for w in words)
        elif kind == "family_given":
            q = f"{words[0]} {words[-1]}"
        elif kind == "so_thu_ly":
            q = c.so_thu_ly or c.person_name
        elif kind == "number":
            q = rng.choice(nums) if nums else c.person_name
        elif kind == "text":
            q = rng.choice(["thôn Đông Đoài", "dương tính Heroin", "xa thuy duong", "cơ sở cai nghiện", "Núi Đèo",
                            "phuong dong hoa", "không có nơi cư trú"])
        else:
            q = rng.choice(["nguyen", "Nguyễn Văn", "tran", "ma túy", "xã"])
        queries.append((kind, q))
    for _kind, q in queries[: min(30, len(queries))]:  # warm-up
        search(user, q)
    times: dict[str, list[float]] = {}
    cpu: list[float] = []
    found = 0
    for kind, q in queries:
        c = time.process_time()
        t = time.perf_counter()
        r = search(user, q)
        dt_ms = (time.perf_counter() - t) * 1000
        cpu.append((time.process_time() - c) * 1000)
        times.setdefault(kind, []).append(dt_ms)
        found += bool(r.groups)
    every = [x for xs in times.values() for x in xs]
    return {"queries": len(every), "with_results": found,
            "cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": pct(cpu, 0.95),
            "p50_ms": statistics.median(every), "p95_ms": pct(every, 0.95), "max_ms": max(every),
            "by_kind": {k: {"n": len(v), "p50_ms": statistics.median(v), "p95_ms": pct(v, 0.95), "max_ms": max(v)}
                        for k, v in times.items()},
            "documents": Document.objects.count(), "visible": visible.count()}


def child_users(args) -> dict:
    setup(args)
    from kiemsat.org.models import User

    names = set(User.objects.filter(username__in=["lanhdao", "kv1.lanhdao", "tinh.lanhdao"])
                .values_list("username", flat=True))
    return {"users": ["lanhdao"] if "lanhdao" in names else [u for u in ("kv1.lanhdao", "tinh.lanhdao") if u in names]}


def _child(mode: str, args, user: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    extra = ["--database-url", args.database_url] if args.database_url else []
    return run_child(__file__, mode, ["--data-dir", args.data_dir, "--cases", str(args.cases), "--docs", str(args.docs),
                                      "--queries", str(args.queries), "--seed", str(args.seed), "--user", user,
                                      *extra], env=env)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=450)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--database-url", default="", help="postgres://… an instance already loaded (cases are not made)")
    ap.add_argument("--users", default="", help="comma-separated accounts (default: see above)")
    ap.add_argument("--user", default="", help=argparse.SUPPRESS)
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    args.data_dir = args.data_dir or f"/tmp/kiemsat-bench-search-{args.cases}-{args.docs}"
    if args.child:
        res = {"fill": child_fill, "search": child_search, "users": child_users}[args.child](args)
        print(json.dumps(res, default=float))
        return
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    print(f"# {machine()}")
    fill = _child("fill", args)
    print(f"instance: {fill['cases']:,} cases, {fill['documents']:,} documents, {fill['db_mb']:,} MB"
          + (f"; demo data {fill['demo_seconds']:.0f} s" if "demo_seconds" in fill else "")
          + (f"; documents {fill['docs_seconds']:.0f} s" if "docs_seconds" in fill else ""))
    users = args.users.split(",") if args.users else _child("users", args)["users"]
    target = 100 if args.database_url else 50  # issue 10 (PostgreSQL, 1M) / issue 8
    for user in users:
        res = _child("search", args, user)
        print(f"{user} ({res['visible']:,} visible cases) — search ({res['queries']} queries, {res['with_results']} "
              f"with results): p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms, max {res['max_ms']:.1f} ms  "
              f"(target p95 ≤ {target} ms); CPU time p50 {res['cpu_p50_ms']:.1f} ms, p95 {res['cpu_p95_ms']:.1f} ms")
        for k, v in res["by_kind"].items():
            print(f"  {k:13s} n={v['n']:3d}  p50 {v['p50_ms']:6.1f} ms  p95 {v['p95_ms']:6.1f} ms  max {v['max_ms']:6.1f} ms")


if __name__ == "__main__":
    main()

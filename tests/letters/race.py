"""Issue letters from several threads at once (the numbering test).

`setup_letters(n)` makes a unit, a leader and n approved letters; `issue_at_once(ids)` issues them
from one thread each, started together; returns (numbers, errors). On PostgreSQL the test calls
these in-process (each thread has its own connection to the test database). On SQLite the test
database is in memory with a shared cache, whose table locks are not what a unit's PC runs, so the
test runs this file as a script on a fresh file database (WAL, IMMEDIATE transactions — the
product's settings):

    KIEMSAT_DATA_DIR=DIR python tests/letters/race.py N   → prints {"numbers": […], "errors": […]}
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading

ISSUED_ON = dt.date(2025, 1, 6)


def setup_letters(n: int, same: int = 0) -> list[int]:
    from kiemsat.legal.services import active_calendar, active_ruleset
    from kiemsat.letters.models import Kind, Letter, LetterFinding, State
    from kiemsat.org.models import Role, Unit, User

    unit = Unit.objects.create(name="Viện kiểm sát nhân dân huyện Đua", parent_name="VIỆN KIỂM SÁT NHÂN DÂN TỈNH THỬ",
                               symbol="VKS-Đ", place="Đua")
    leader = User.objects.create(username="race-leader", full_name="Lãnh Đạo Đua", role=Role.LEADER, unit=unit,
                                 title="Viện trưởng")
    rs, cal = active_ruleset()[0], active_calendar()[0]
    ids = []
    for i in range(n):
        letter = Letter.objects.create(unit=unit, kind=Kind.COURT, state=State.APPROVED, as_of=dt.date(2024, 12, 31),
                                       recipient="Chánh án Tòa án nhân dân huyện Đua", recipient_org="Tòa án",
                                       summary="Khắc phục vi phạm", requests="Rút kinh nghiệm.", signer=leader,
                                       created_by=leader, ruleset_version_id=rs, calendar_version_id=cal)
        LetterFinding.objects.create(letter=letter, person=f"Người {i}", so_thu_ly=f"{i:02d}/2024/TLHS-XLHC",
                                     rule="court.notify_acceptance", rule_label="Thông báo thụ lý", status="violation",
                                     responsible="court", start=dt.date(2024, 2, 7), start_label="Thụ lý",
                                     act_label="Thông báo thụ lý", due=dt.date(2024, 2, 16), actual=dt.date(2024, 2, 19),
                                     late=1, unit_code="WD", citation="Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1",
                                     verified=True, as_of=dt.date(2024, 12, 31), ruleset_version_id=rs,
                                     calendar_version_id=cal)
        ids.append(letter.pk)
    return ids + ids[:same]  # `same` letters twice: two people issue the same letter at once


def issue_at_once(ids: list[int]) -> tuple[list[int], list[str]]:
    from django.db import connections

    from kiemsat.letters import services
    from kiemsat.letters.models import Letter
    from kiemsat.org.models import User

    leader = User.objects.get(username="race-leader")
    barrier = threading.Barrier(len(ids))
    numbers, errors = [], []
    lock = threading.Lock()

    def work(pk):
        try:
            letter = Letter.objects.get(pk=pk)
            barrier.wait(timeout=30)
            done = services.issue(actor=leader, letter=letter, issued_on=ISSUED_ON)
            with lock:
                numbers.append(done.number)
        except Exception as exc:  # noqa: BLE001 — reported to the test
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return numbers, errors


def main(n: int, same: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemsat.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    ids = setup_letters(n, same)
    numbers, errors = issue_at_once(ids)
    from kiemsat.letters.models import Letter, LetterCounter

    print(json.dumps({"numbers": numbers, "errors": errors,
                      "stored": sorted(Letter.objects.exclude(number=None).values_list("number", flat=True)),
                      "counter": list(LetterCounter.objects.values_list("last", flat=True))}))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)

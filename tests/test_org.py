"""Units and courts have history: a case keeps the unit of its time; letters print the name in force."""

import datetime as dt

from kiemsat.org.models import Court, Unit


def test_name_on_follows_the_successor(db):
    new = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 3 – Hải Phòng", valid_from=dt.date(2025, 7, 1))
    old = Unit.objects.create(name="Viện kiểm sát nhân dân huyện An Lạc", valid_to=dt.date(2025, 6, 30), successor=new)
    assert old.name_on(dt.date(2025, 6, 30)) == "Viện kiểm sát nhân dân huyện An Lạc"
    assert old.name_on(dt.date(2025, 7, 1)) == "Viện kiểm sát nhân dân khu vực 3 – Hải Phòng"
    assert old.is_valid_on(dt.date(2024, 1, 1)) and not old.is_valid_on(dt.date(2025, 7, 1))


def test_a_chain_of_successors_and_a_loop_do_not_hang(db):
    c3 = Court.objects.create(name="C3")
    c2 = Court.objects.create(name="C2", valid_to=dt.date(2020, 1, 1), successor=c3)
    c1 = Court.objects.create(name="C1", valid_to=dt.date(2010, 1, 1), successor=c2)
    assert c1.name_on(dt.date(2030, 1, 1)) == "C3"
    c3.valid_to, c3.successor = dt.date(2025, 1, 1), c1
    c3.save()
    assert Court.objects.get(pk=c1.pk).name_on(dt.date(2030, 1, 1)) in {"C1", "C2", "C3"}

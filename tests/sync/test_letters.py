"""Issued letters go up with their findings and replies; drafts stay at the unit."""

import datetime as dt

from kiemsat.sync import keys, services
from tests.letters.conftest import draft, issue_all_the_way, leader, letter_unit, sample  # noqa: F401 (fixtures)

from .conftest import forget_unit_data


def test_issued_letters_round_trip(sample, users, leader, usb, province, letter_unit):  # noqa: F811
    from kiemsat.letters.models import Letter, LetterReply
    from kiemsat.letters.services import record_reply

    issued = issue_all_the_way(draft(users["prosecutor"], "kien-nghi-toa-an", sample["as_of"]), users["prosecutor"],
                               leader)
    record_reply(actor=leader, letter=issued, date=dt.date(2025, 2, 3), number="15/TA", result="partly",
                 content="Tiếp thu một phần")
    draft(users["prosecutor"], "kien-nghi-toa-an", sample["as_of"])  # a draft: not sent
    want = (issued.number_text, issued.issued_on, issued.summary, issued.findings.count(), bytes(issued.docx))
    n_replies = issued.replies.count()
    services.set_identity(actor=None, unit=letter_unit, code="KV-AL", recipient=keys.province_recipient())
    province("KV-AL")
    path, log = services.export_bundle(actor=None, to_dir=usb)
    assert log.counts["letters"] == 1
    Letter.objects.all().delete()
    forget_unit_data(letter_unit)
    bi = services.import_bundle(actor=None, data=path.read_bytes())
    assert bi.counts["letters"]["created"] == 1
    got = Letter.objects.get()
    assert (got.number_text, got.issued_on, got.summary, got.findings.count(), bytes(got.docx)) == want
    assert got.state == "issued" and got.unit == letter_unit
    assert all(f.case is not None and f.case.unit_id == letter_unit.pk for f in got.findings.all())
    assert n_replies == 1 and LetterReply.objects.get().number == "15/TA"
    again = services.import_bundle(actor=None, data=path.read_bytes())
    assert again.counts["letters"]["unchanged"] == 1 and Letter.objects.count() == 1

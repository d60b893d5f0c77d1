"""`kiemsat letter KIND --from --to --out FILE.docx`: the draft from the findings in the period."""

import pytest
from django.core.management import CommandError, call_command

from kiemsat.letters.models import FindingConfirmation, Letter

from .conftest import paragraphs


def run(*args):
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("letter", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_cli_writes_the_draft_of_the_period(sample, tmp_path):
    out_file = tmp_path / "kn.docx"
    out, err = run("kien-nghi-toa-an", "--from", "01/01/2024", "--to", "30/06/2024", "--as-of", "2024-12-31",
                   "--out", str(out_file))
    assert "Đã ghi" in out and "chưa xác minh không được đưa vào" in err
    text = paragraphs(out_file.read_bytes())
    items = [t for t in text if t.startswith("- ") and "(số thụ lý " in t]
    verified = [f for f in sample["findings"] if f["responsible"] == "court" and f["status"] == "violation"
                and "2024-01-01" <= f["actual"] <= "2024-06-30"]
    assert items and len(items) < len(verified)  # only the verified ones without a leader's confirmation
    assert "Kính gửi: Chánh án Tòa án nhân dân huyện An Lạc" in text
    assert not Letter.objects.exists()  # nothing kept in the register


def test_the_cli_includes_findings_a_leader_confirmed(sample, tmp_path, users, leader):
    from .conftest import draft

    from kiemsat.letters import services
    from kiemsat.letters.models import Kind

    services.confirm_finding(actor=leader, letter=draft(users["prosecutor"], Kind.URGE, sample["as_of"]))
    assert FindingConfirmation.objects.exists()
    out, err = run("don-doc", "--from", "01/01/2024", "--to", "31/12/2024", "--as-of", "31/12/2024",
                   "--out", str(tmp_path / "dd.docx"))
    assert "9 phát hiện" in out and err == ""


def test_the_cli_says_why_it_wrote_nothing(sample, tmp_path):
    f = tmp_path / "x.docx"
    with pytest.raises(CommandError, match="Không có phát hiện nào"):
        run("kien-nghi-phong-ngua", "--from", "01/01/2023", "--to", "31/12/2023", "--as-of", "2024-12-31",
            "--out", str(f))
    with pytest.raises(CommandError, match="Từ ngày không hợp lệ"):
        run("don-doc", "--from", "32/13/2024", "--to", "31/12/2024", "--out", str(f))
    with pytest.raises(CommandError, match="đuôi .docx"):
        run("don-doc", "--from", "01/01/2024", "--to", "31/12/2024", "--out", str(tmp_path / "x.pdf"))
    assert not f.exists()

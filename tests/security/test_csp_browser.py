"""Under the real Content-Security-Policy, in Chromium: pages run with no CSP violation and no
script error, and the script-driven bits still work (show/hide fields, add a formset row, htmx
search, backup progress)."""

import re

import pytest

from ..conftest import PASSWORD
from ..test_browser import browser, page  # noqa: F401  (fixtures: Debian's Chromium via Playwright)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_policy(page, live_server, users, make_case):  # noqa: F811
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    case = make_case("Đặng Văn Dũng", assigned=users["prosecutor"])

    def login(username):
        page.context.clear_cookies()
        page.goto(live_server.url + "/dang-nhap/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(live_server.url + "/")

    # calendar (administrators): "Thêm dòng" appends an empty formset row (data-formset-add)
    login("quantri")
    page.goto(live_server.url + "/lich-lam-viec/2026/sua/")
    before = page.locator("#calendar-rows tr").count()
    page.click("button[data-formset-add]")
    assert page.locator("#calendar-rows tr").count() == before + 1

    login("lanhdao")

    # event form: the fields follow the chosen event type (data-map-field, app.js)
    page.goto(f"{live_server.url}/vu-viec/{case.pk}/su-kien/them/")
    page.select_option("#id_code", "accepted")
    assert page.is_visible("#id_number") and not page.is_visible("#id_outcome")
    page.select_option("#id_code", "decision")
    assert page.is_visible("#id_outcome")

    # register: htmx search as you type
    page.goto(live_server.url + "/so-thu-ly/")
    page.fill("#q", "dang van dung")
    page.locator(".register-table tbody a", has_text="Đặng Văn Dũng").wait_for()

    # dashboard chart script and the audit page's htmx check
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/nhat-ky/")
    page.click("button:has-text('Kiểm tra tính toàn vẹn')")
    page.locator("#audit-verify.alert-success").wait_for()

    csp = [p for p in problems if re.search("Content Security Policy|unsafe-eval|unsafe-inline", p)]
    assert csp == [] and problems == [], problems

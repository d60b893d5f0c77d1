"""A user in a real browser (Debian's Chromium driven by Playwright): log in, create a case
with three events, find it by typing the name without diacritics."""

import os
import shutil

import pytest

from kiemsat.cases.models import Case

from .conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop in this thread
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    pg = ctx.new_page()
    external = []
    pg.on("request", lambda r: external.append(r.url) if not r.url.startswith(("http://localhost", "http://127.0.0.1", "data:")) else None)
    yield pg
    ctx.close()
    assert external == [], f"the page tried to load from outside: {external}"


def test_log_in_create_a_case_with_three_events_and_find_it(page, live_server, users, make_case):
    make_case("Đặng Văn Dũng")  # must not match the search below
    page.goto(live_server.url + "/so-thu-ly/")
    assert "/dang-nhap/" in page.url
    page.fill("#id_username", "ksv1")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(live_server.url + "/so-thu-ly/")

    page.click("a.btn:has-text('Thêm vụ việc')")
    page.fill("#id_person_name", "Đặng Thị Ngọc Ánh")
    page.fill("#id_birth_year", "1999")
    page.select_option("#id_measure", "CSCNBB")
    page.click("button:has-text('Lưu')")
    page.wait_for_selector("h1:has-text('Đặng Thị Ngọc Ánh')")

    for code, date, extra in [
        ("court_received", "1/2/24", {}),
        ("accepted", "02/02/2024", {"#id_number": "07/2024/TLHS-XLHC"}),
        ("acceptance_notice", "7.2.2024", {"#id_received": "08/02/2024"}),
    ]:
        page.click("a.btn:has-text('Ghi sự kiện')")
        page.select_option("#id_code", code)
        page.fill("#id_date", date)
        for sel, val in extra.items():
            page.fill(sel, val)
        page.click("button[name=save]")
        page.wait_for_selector(".alert-success")

    rows = page.locator("table.timeline tbody tr")
    assert rows.count() == 3
    assert "07/02/2024" in page.content()
    case = Case.objects.get(person_name="Đặng Thị Ngọc Ánh")
    assert case.so_thu_ly == "07/2024/TLHS-XLHC" and case.events.count() == 3

    page.goto(live_server.url + "/so-thu-ly/")
    page.fill("#q", "dang thi ngoc anh")
    from playwright.sync_api import expect

    expect(page.locator(".register-table tbody a")).to_have_count(1)
    assert page.locator(".register-table tbody a").inner_text() == "Đặng Thị Ngọc Ánh"
    page.wait_for_url("**q=dang*")  # the search is in the address, so Back and bookmarks work

"""The report page in a real browser under a strict Content-Security-Policy (no inline script):
the period form shows the fields of the chosen kind of period and the four charts are drawn from
the json_script data by stats/report.js."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                              "--disable-background-networking"])
        pg = b.new_page(viewport={"width": 1366, "height": 900})

        def with_csp(route):  # the policy the product is heading for; 'unsafe-eval' only for Alpine elsewhere
            resp = route.fetch()
            route.fulfill(response=resp, headers={**resp.headers, "content-security-policy": CSP})

        pg.route(f"{live_server.url}/thong-ke/**", with_csp)
        pg.add_init_script("""window.__csp = [];
            document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.blockedURI + ' ' + e.violatedDirective));""")
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg, errors
        b.close()


def test_report_page_scripts_run_under_csp(page, live_server, client, users, register, letters):
    from urllib.parse import urlparse

    pg, errors = page
    client.force_login(users["leader"])
    host = urlparse(live_server.url).hostname
    pg.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host,
                             "path": "/"}])
    pg.goto(live_server.url + "/thong-ke/?ky=thang&nam=2025&thang=3")
    pg.wait_for_function("window.Chart && Chart.getChart(document.getElementById('ch-trend'))")
    drawn = pg.evaluate("""['ch-trend', 'ch-measure', 'ch-outcome', 'ch-body'].map(
        id => !!(document.getElementById(id) && Chart.getChart(document.getElementById(id))))""")
    assert drawn == [True, True, True, True]
    labels = pg.evaluate("Chart.getChart(document.getElementById('ch-trend')).data.labels")
    assert labels == ["03/2025"]

    def shown(name):
        return pg.locator(f"[name={name}]").is_visible()

    assert shown("thang") and shown("nam") and not shown("quy") and not shown("tu")
    pg.select_option("select[name=ky]", "tuy-chon")
    assert shown("tu") and shown("den") and not shown("nam") and not shown("thang")
    pg.select_option("select[name=ky]", "quy")
    assert shown("quy") and shown("nam") and not shown("tu")
    pg.fill("[name=nam]", "2025")
    pg.select_option("select[name=quy]", "2")
    with pg.expect_navigation():
        pg.click("button:has-text('Xem báo cáo')")
    assert "ky=quy" in pg.url and "thang=" not in pg.url and "tu=" not in pg.url  # hidden fields are not sent
    pg.wait_for_function("Chart.getChart(document.getElementById('ch-trend'))")
    assert pg.evaluate("Chart.getChart(document.getElementById('ch-trend')).data.labels") == \
        ["03/2025", "04/2025", "05/2025"]
    inline = [v for v in pg.evaluate("window.__csp") if v.startswith("inline")]
    assert inline == [] and errors == []

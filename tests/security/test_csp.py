"""Content-Security-Policy: the header forbids inline script and eval, and no page needs them —
crawled as a logged-in leader (every app's main pages, following links) and as an administrator."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

SKIP = ("dang-xuat", "xuat", ".xlsx", ".docx", ".pdf", "/raw", "tai-ve", "tai-xuong", "download", "/static/")


class Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems, self.links, self._in_script = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, _ in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
        for name, value in attrs:
            if name in ("href", "src", "action") and value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            kind = (a.get("type") or "").lower()
            if not a.get("src") and kind not in ("application/json", "application/ld+json"):
                self._in_script = True
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script>: " + data.strip()[:60])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def crawl(client, start: list[str], limit: int = 100) -> tuple[dict, list]:
    seen, queue, problems = set(), list(start), {}
    visited = []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else "")
        key = urlsplit(url).path
        if key in seen or any(s in url for s in SKIP):
            continue
        seen.add(key)
        r = client.get(path)
        if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
            continue
        visited.append(key)
        s = Scan()
        s.feed(r.content.decode("utf-8", "replace"))
        if s.problems:
            problems[key] = sorted(set(s.problems))[:5]
        for href in s.links:
            full = urljoin(path, href)
            parts = urlsplit(full)
            if parts.scheme in ("", "http") and parts.netloc in ("", "testserver") and not parts.fragment:
                queue.append(parts.path)
    return problems, visited


def test_the_policy_forbids_inline_script_and_eval(client, users):
    r = client.get(reverse("login"))
    csp = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["default-src"]
    assert directives["object-src"] == "'none'"
    assert r["X-Content-Type-Options"] == "nosniff"
    client.force_login(users["leader"])
    r = client.get("/")
    assert "Content-Security-Policy" in r and "no-store" in r["Cache-Control"]


def test_htmx_runs_without_eval_and_alpine_is_the_csp_build(client, users):
    client.force_login(users["leader"])
    html = client.get("/").content.decode()
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
    assert "vendor/alpinejs-csp/" in html and "vendor/alpinejs/cdn" not in html


@pytest.fixture
def world(users, make_case):
    case = make_case("Nguyễn Văn Đức", assigned=users["prosecutor"])
    return case


def test_no_page_has_inline_script_or_event_handlers(client, users, world):
    client.force_login(users["leader"])
    start = ["/", reverse("register"), reverse("case_detail", args=[world.pk]), reverse("case_edit", args=[world.pk]),
             reverse("event_add", args=[world.pk]), reverse("case_history", args=[world.pk]), reverse("violations"),
             reverse("rules"), reverse("calendar"), reverse("letters"), reverse("letter_new"), reverse("stats_report"),
             reverse("execution_register"), reverse("workload"), reverse("documents"), reverse("search") + "?q=Đức",
             reverse("import_upload"), reverse("backup_index"), reverse("audit_log"), reverse("audit_daily"), reverse("sync_index")]
    problems, visited = crawl(client, start)
    assert len(visited) >= 15, visited
    client.force_login(users["admin"])
    p2, v2 = crawl(client, ["/quan-tri/", "/quan-tri/org/user/", f"/quan-tri/org/user/{users['prosecutor'].pk}/change/"], 30)
    problems.update(p2)
    assert len(v2) >= 3
    client.logout()
    p3, _ = crawl(client, [reverse("login")], 2)
    problems.update(p3)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in sorted(problems.items()))

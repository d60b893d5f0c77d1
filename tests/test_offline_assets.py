"""The app must work with no network: vendored assets intact, no CDN references.

No database is needed; these are plain file checks.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "kiemsat"
VENDOR = PKG / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"

# --------------------------------------------------------------------------
# external-reference checker
# --------------------------------------------------------------------------

# An absolute (scheme://) or protocol-relative (//) URL whose host is not loopback.
_LOOPBACK = r"(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?![\w.@-])"
_EXTERNAL = rf"((?:(?:https?|wss?|ftp):)?//(?!{_LOOPBACK})[\w\[][^\s'\"`()<>]*)"
_Q = r"""\s*['"`]?\s*"""

# Only *loading* constructs are matched, so prose in license banners
# ("Licensed under MIT (https://...)"), xmlns="http://www.w3.org/2000/svg",
# data: URIs containing such namespaces, and sourceMappingURL comments
# never match.
_REF_PATTERNS = [
    # HTML attributes (also `el.src = "..."` in JS); \b lets data-src/xlink:href through.
    rf"\b(?:src|href|srcset|poster)\s*=\s*['\"]?\s*{_EXTERNAL}",
    # CSS url(...) -- not JS `new URL(...)`, which does not load anything.
    rf"(?<![\w$.])(?<!new\s)url\({_Q}{_EXTERNAL}",
    # @import "x" / @import url(x)
    rf"@import\s*(?:url\()?{_Q}{_EXTERNAL}",
    # fetch("..."), dynamic import("..."), workers, sockets, beacons
    rf"\b(?:fetch|import|importScripts|Worker|SharedWorker|EventSource|WebSocket|sendBeacon)"
    rf"\s*\({_Q}{_EXTERNAL}",
    # static ES module imports: import x from "..."; import "..."; export * from "..."
    rf"\bfrom\s*['\"]\s*{_EXTERNAL}",
    rf"\bimport\s*['\"]\s*{_EXTERNAL}",
]
EXTERNAL_REF_RE = re.compile("|".join(f"(?:{p})" for p in _REF_PATTERNS), re.IGNORECASE)


def find_external_refs(text: str) -> list[str]:
    """Return the offending snippets of `text` that would load an external URL."""
    return [m.group(0) for m in EXTERNAL_REF_RE.finditer(text)]


BAD = [
    '<script src="https://cdn.jsdelivr.net/npm/alpinejs@3/dist/cdn.min.js" defer></script>',
    "<link rel='stylesheet' href='//fonts.googleapis.com/css?family=Roboto'>",
    "<LINK HREF=https://unpkg.com/x.css REL=stylesheet>",
    '<img srcset="https://img.example/a.png 2x">',
    "@font-face{src:url(https://fonts.gstatic.com/s/x.woff2) format('woff2')}",
    '.x{background:url( "http://example.com/bg.png" )}',
    '@import url("https://cdn.example.com/a.css");',
    "@import 'https://cdn.example.com/a.css';",
    'fetch("https://api.example.com/data")',
    "fetch(`https://api.example.com/${id}`)",
    'import("https://esm.sh/chart.js")',
    'import Alpine from "https://esm.sh/alpinejs"',
    'import "https://esm.sh/htmx.org"',
    'el.src="https://evil.example/x.js"',
    '<script src="http://localhost.evil.com/x.js"></script>',
    '<script src="http://127.0.0.1.nip.io/x.js"></script>',
]

GOOD = [
    "/*! Bootstrap v5.3.8 (https://getbootstrap.com/)\n * Licensed under MIT "
    "(https://github.com/twbs/bootstrap/blob/main/LICENSE) */",
    "/*# sourceMappingURL=bootstrap.min.css.map */",
    "//# sourceMappingURL=https://cdn.example.com/chart.umd.min.js.map",
    """.form-select{background-image:url("data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e%3c/svg%3e")}""",
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#i"/></svg>',
    "<script src=\"{% static 'vendor/alpinejs/cdn.min.js' %}\" defer></script>",
    '<link rel="stylesheet" href="{% static \'vendor/bootstrap/css/bootstrap.min.css\' %}">',
    '<a href="{% url \'cases:list\' %}">Danh sách</a>',
    '<a href="http://127.0.0.1:8000/">local</a>',
    '<a href="http://localhost:8000/admin/">local</a>',
    "fetch('http://[::1]:8000/api')",
    "@font-face{src:url(\"fonts/bootstrap-icons.woff2\") format(\"woff2\")}",
    'fetch("/api/cases/")',
    'var u=new URL("https://example.com/base");',
    'throw new Error("see https://www.chartjs.org/docs/latest/ for details")',
]


@pytest.mark.parametrize("text", BAD)
def test_checker_flags_external_reference(text):
    assert find_external_refs(text), f"checker missed an external reference: {text!r}"


@pytest.mark.parametrize("text", GOOD)
def test_checker_allows_local_and_prose(text):
    assert find_external_refs(text) == []


def test_checker_one_bad_one_good():
    bad = '<head><script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/js/bootstrap.bundle.min.js"></script></head>'
    good = '<head><script src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js"></script></head>'
    assert find_external_refs(bad) == [
        'src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/js/bootstrap.bundle.min.js'
    ]
    assert find_external_refs(good) == []


# --------------------------------------------------------------------------
# vendored files vs. MANIFEST.json
# --------------------------------------------------------------------------


def _manifest_files() -> dict[str, str]:
    data = json.loads(MANIFEST.read_text("utf-8"))
    out = {}
    for pkg in data["packages"]:
        assert pkg["version"] and pkg["integrity"] and pkg["license"], pkg["name"]
        for f in pkg["files"]:
            assert f["path"] not in out, f"duplicate manifest entry {f['path']}"
            out[f["path"]] = f["sha256"]
    return out


def test_manifest_lists_expected_packages():
    data = json.loads(MANIFEST.read_text("utf-8"))
    names = {p["name"] for p in data["packages"]}
    assert {"bootstrap", "bootstrap-icons", "alpinejs", "chart.js"} <= names


def test_vendored_files_match_manifest():
    listed = _manifest_files()
    assert listed, "MANIFEST.json lists no files"
    bad = []
    for rel, sha in sorted(listed.items()):
        p = VENDOR / rel
        if not p.is_file():
            bad.append(f"missing: {rel}")
        elif hashlib.sha256(p.read_bytes()).hexdigest() != sha:
            bad.append(f"sha256 mismatch: {rel}")
    on_disk = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p != MANIFEST
    }
    bad += [f"not in manifest: {rel}" for rel in sorted(on_disk - listed.keys())]
    assert not bad, "\n".join(bad)


def test_vendored_css_local_refs_resolve():
    """Relative url(...) and sourceMappingURL targets in vendored files exist."""
    url_re = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
    map_re = re.compile(r"sourceMappingURL=\s*([^\s*]+)")
    missing = []
    for p in sorted(VENDOR.rglob("*")):
        if not p.is_file() or p.suffix not in (".css", ".js"):
            continue
        text = p.read_text("utf-8")
        refs = [m.group(2) for m in url_re.finditer(text)] if p.suffix == ".css" else []
        refs += map_re.findall(text)
        for ref in refs:
            ref = ref.strip()
            if ref.startswith(("data:", "#")) or re.match(r"^[a-z][\w+.-]*:|^//", ref, re.I):
                continue  # data URIs; external ones are caught by the scan below
            target = p.parent / ref.split("?", 1)[0].split("#", 1)[0]
            if not target.is_file():
                missing.append(f"{p.relative_to(VENDOR)} -> {ref}")
    assert not missing, "\n".join(missing)


# --------------------------------------------------------------------------
# no external references in templates or static files
# --------------------------------------------------------------------------


def _scanned_files() -> list[Path]:
    templates = (p for p in PKG.glob("**/templates/**/*.html") if p.is_file())
    statics = (
        p
        for p in PKG.glob("**/static/**/*")
        if p.is_file() and p.suffix in (".css", ".js", ".mjs", ".html")  # .map excluded
    )
    return sorted(set(templates) | set(statics))


def test_scan_covers_vendor_files():
    scanned = {p.relative_to(PKG).as_posix() for p in _scanned_files()}
    assert "static/vendor/bootstrap/css/bootstrap.min.css" in scanned
    assert "static/vendor/chart.js/chart.umd.min.js" in scanned


def test_no_external_references():
    offenders = []
    for p in _scanned_files():
        text = p.read_text("utf-8", errors="replace")
        for m in EXTERNAL_REF_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            offenders.append(f"{p.relative_to(ROOT)}:{line}: {m.group(0)[:120]}")
    assert not offenders, "external URL references (app must work offline):\n" + "\n".join(offenders)

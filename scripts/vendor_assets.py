#!/usr/bin/env python3
"""Vendor the front-end assets so the app works with no network access.

Fetches PINNED npm package versions with ``npm pack <name>@<version>`` (in a
temporary directory), copies only the few runtime files the app needs into
``kiemsat/static/vendor/<package>/...`` and writes
``kiemsat/static/vendor/MANIFEST.json`` (package, version, npm tarball
integrity, license, sha256 of every vendored file).

    python scripts/vendor_assets.py           # (re)vendor: needs npm + registry
    python scripts/vendor_assets.py --check   # offline: re-hash files on disk

``--check`` exits non-zero if a file is missing, extra, or differs from the
manifest, or if the manifest's versions differ from the pins below.

htmx is deliberately NOT vendored here: django-htmx ships it.

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "kiemsat" / "static" / "vendor"
MANIFEST_NAME = "MANIFEST.json"

# Source maps are only vendored when they are this small; otherwise the
# ``sourceMappingURL`` comment is stripped so browsers don't request a 404.
MAX_MAP_BYTES = 64 * 1024


@dataclass(frozen=True)
class Package:
    name: str
    version: str  # exact pin
    # (source path or glob inside the tarball's "package/" dir, dest dir or
    # file relative to vendor/<name>/).  A tuple of alternatives picks the
    # first that exists.  Destination ending in "/" keeps the basename.
    files: tuple[tuple[str | tuple[str, ...], str], ...]
    transforms: dict[str, str] = field(default_factory=dict)  # dest -> transform name
    dir: str | None = None  # folder under vendor/ (default: the package name)


PACKAGES: tuple[Package, ...] = (
    Package(
        "bootstrap",
        "5.3.8",
        (
            ("dist/css/bootstrap.min.css", "css/"),
            ("dist/js/bootstrap.bundle.min.js", "js/"),
        ),
    ),
    Package(
        "bootstrap-icons",
        "1.13.2",
        (
            ("font/bootstrap-icons.min.css", "./"),
            ("font/fonts/*.woff2", "fonts/"),
        ),
        {"bootstrap-icons.min.css": "woff2_only"},
    ),
    Package("alpinejs", "3.17.5", (("dist/cdn.min.js", "./"),)),
    # Alpine's CSP build: evaluates x-data / x-show … expressions without eval/new Function,
    # so the Content-Security-Policy needs no 'unsafe-eval'. The pages load this one.
    Package("@alpinejs/csp", "3.17.4", (("dist/cdn.min.js", "./"),), dir="alpinejs-csp"),
    Package(
        "chart.js",
        "4.6.1",
        ((("dist/chart.umd.min.js", "dist/chart.umd.js"), "./"),),
    ),
)

LICENSE_GLOBS = ("LICENSE", "LICENSE.*", "LICENCE", "LICENCE.*", "COPYING", "COPYING.*")

_CSS_MAP_RE = re.compile(r"\n?/\*[#@]\s*sourceMappingURL=\s*(?P<url>[^\s*]+)\s*\*/[ \t]*\n?")
_JS_MAP_RE = re.compile(r"\n?^//[#@]\s*sourceMappingURL=(?P<url>\S+)[ \t]*$\n?", re.M)
_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)""")
# one entry of an @font-face ``src:`` list: url(...) [format(...)] [tech(...)]
_SRC_ENTRY_RE = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]+)(?P=q)\s*\)(?P<rest>(?:\s*(?:format|tech)\([^)]*\))*)"""
)
_SRC_DECL_RE = re.compile(r"(?P<head>@font-face\s*\{[^}]*?\bsrc\s*:)(?P<list>[^;}]*)")


class VendorError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# transforms
# --------------------------------------------------------------------------


def woff2_only(text: str) -> str:
    """Keep only the woff2 source in every @font-face and drop its ?hash query,
    so the CSS points exactly at the vendored ``fonts/*.woff2`` file."""

    def fix_list(m: re.Match[str]) -> str:
        entries = []
        for e in _SRC_ENTRY_RE.finditer(m.group("list")):
            url = e.group("url").split("?", 1)[0].split("#", 1)[0]
            if url.endswith(".woff2"):
                entries.append(f'url("{url}"){e.group("rest")}')
        if not entries:
            raise VendorError("no woff2 source found in @font-face")
        return m.group("head") + ",".join(entries)

    new, n = _SRC_DECL_RE.subn(fix_list, text)
    if n == 0:
        raise VendorError("no @font-face src declaration found")
    return new


TRANSFORMS = {"woff2_only": woff2_only}


# --------------------------------------------------------------------------
# npm
# --------------------------------------------------------------------------


def npm_pack(name: str, version: str, workdir: Path) -> tuple[Path, dict]:
    npm = shutil.which("npm")
    if not npm:
        raise VendorError("npm not found on PATH")
    spec = f"{name}@{version}"
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise VendorError(f"npm pack {spec} failed:\n{proc.stderr.strip()}")
    try:
        info = json.loads(proc.stdout)[0]
    except (ValueError, IndexError) as exc:
        raise VendorError(f"unexpected npm pack output for {spec}: {proc.stdout[:500]!r}") from exc
    if info.get("name") != name or info.get("version") != version:
        raise VendorError(f"npm pack returned {info.get('name')}@{info.get('version')}, wanted {spec}")
    tgz = workdir / info["filename"]
    # Cross-check the tarball against the integrity npm reported.
    integrity = info.get("integrity", "")
    algo, _, b64 = integrity.partition("-")
    if algo not in ("sha512", "sha384", "sha256") or not b64:
        raise VendorError(f"{spec}: unusable integrity {integrity!r}")
    digest = base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode()
    if digest != b64:
        raise VendorError(f"{spec}: tarball does not match integrity {integrity}")
    return tgz, info


def _tar_members(tf: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for m in tf.getmembers():
        if not m.isfile():
            continue
        p = PurePosixPath(m.name)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            continue
        # npm tarballs nest everything under one top dir (normally "package/")
        members[PurePosixPath(*p.parts[1:]).as_posix()] = m
    return members


# --------------------------------------------------------------------------
# vendoring
# --------------------------------------------------------------------------


def _resolve(members: dict, src: str | tuple[str, ...], pkg: str) -> list[str]:
    alternatives = (src,) if isinstance(src, str) else src
    for alt in alternatives:
        hits = sorted(k for k in members if fnmatch.fnmatchcase(k, alt))
        if hits:
            return hits
    raise VendorError(f"{pkg}: none of {alternatives} found in tarball")


def _dest_for(src_path: str, dest: str) -> str:
    if dest.endswith("/"):
        return str(PurePosixPath(dest) / PurePosixPath(src_path).name)
    return dest


def vendor_package(pkg: Package, tgz: Path, info: dict, out: Path) -> dict:
    folder = pkg.dir or pkg.name
    pkg_dir = out / folder
    files: list[dict] = []
    with tarfile.open(tgz, "r:gz") as tf:
        members = _tar_members(tf)

        def read(path: str) -> bytes:
            fh = tf.extractfile(members[path])
            assert fh is not None
            return fh.read()

        meta = json.loads(read("package.json"))
        wanted: list[tuple[str, str]] = []
        for src, dest in pkg.files:
            for hit in _resolve(members, src, pkg.name):
                wanted.append((hit, _dest_for(hit, dest)))

        for src_path, dest in wanted:
            data = read(src_path)
            notes = []
            if dest in pkg.transforms:
                tname = pkg.transforms[dest]
                data = TRANSFORMS[tname](data.decode("utf-8")).encode("utf-8")
                notes.append(tname)
            if dest.endswith((".css", ".js")):
                data, map_note, map_entry = _handle_source_map(data, src_path, dest, members, read)
                if map_note:
                    notes.append(map_note)
                if map_entry:
                    wanted.append(map_entry)  # processed later in this loop
            target = pkg_dir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            entry = {"path": f"{folder}/{dest}", "source": src_path}
            if notes:
                entry["modified"] = notes
            files.append(entry)

        license_file = None
        for key in sorted(members):
            if "/" not in key and any(fnmatch.fnmatch(key.upper(), g) for g in LICENSE_GLOBS):
                # Always "LICENSE.txt": *.txt is in the wheel's package-data.
                license_file = "LICENSE.txt"
                (pkg_dir / license_file).write_bytes(read(key))
                files.append({"path": f"{folder}/{license_file}", "source": key})
                break

    for entry in files:
        p = out / entry["path"]
        entry["bytes"] = p.stat().st_size
        entry["sha256"] = sha256_file(p)
    files.sort(key=lambda e: e["path"])
    lic = meta.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    return {
        "name": pkg.name,
        "version": pkg.version,
        "tarball": info["filename"],
        "integrity": info["integrity"],
        "shasum": info.get("shasum"),
        "license": lic,
        "license_file": f"{folder}/{license_file}" if license_file else None,
        "homepage": meta.get("homepage"),
        "files": files,
    }


def _handle_source_map(data, src_path, dest, members, read):
    """Keep a tiny .map next to the file, otherwise strip the map comment."""
    text = data.decode("utf-8")
    rx = _CSS_MAP_RE if dest.endswith(".css") else _JS_MAP_RE
    m = rx.search(text)
    if not m:
        return data, None, None
    url = m.group("url")
    map_src = str(PurePosixPath(src_path).parent / url)
    if (
        "/" not in url
        and ":" not in url
        and map_src in members
        and members[map_src].size <= MAX_MAP_BYTES
    ):
        return data, None, (map_src, str(PurePosixPath(dest).parent / url))
    text = text[: m.start()] + ("\n" if m.group(0).startswith("\n") else "") + text[m.end():]
    return text.encode("utf-8"), "stripped sourceMappingURL", None


def _verify_local_refs(out: Path) -> None:
    """Every relative url() in vendored CSS must point at a vendored file."""
    for css in out.rglob("*.css"):
        if not css.is_file():
            continue
        for m in _CSS_URL_RE.finditer(css.read_text("utf-8")):
            url = m.group("url").strip()
            if url.startswith(("data:", "#")):
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.I):
                raise VendorError(f"{css.relative_to(out)}: external url({url})")
            target = (css.parent / url.split("?", 1)[0].split("#", 1)[0]).resolve()
            if not target.is_file():
                raise VendorError(f"{css.relative_to(out)}: url({url}) -> missing file")


def write_manifest(out: Path, packages: list[dict]) -> None:
    manifest = {
        "generated_by": "scripts/vendor_assets.py",
        "note": "Regenerate with `python scripts/vendor_assets.py`; verify offline with --check.",
        "packages": packages,
    }
    (out / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n", "utf-8"
    )


def vendor(dest: Path) -> list[dict]:
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as tmp:
        tmp_path = Path(tmp)
        stage = tmp_path / "stage"
        stage.mkdir()
        packed = tmp_path / "packed"
        packed.mkdir()
        results = []
        for pkg in PACKAGES:
            print(f"npm pack {pkg.name}@{pkg.version}", file=sys.stderr)
            tgz, info = npm_pack(pkg.name, pkg.version, packed)
            results.append(vendor_package(pkg, tgz, info, stage))
        _verify_local_refs(stage)
        write_manifest(stage, results)
        # Swap in the new tree only once everything succeeded.
        old = tmp_path / "old"
        if dest.exists():
            shutil.move(str(dest), str(old))
        try:
            shutil.copytree(stage, dest)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            if old.exists():
                shutil.move(str(old), str(dest))
            raise
    return results


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------


def check(dest: Path) -> list[str]:
    problems: list[str] = []
    manifest_path = dest / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"missing {manifest_path}"]
    manifest = json.loads(manifest_path.read_text("utf-8"))
    listed: set[str] = set()
    pins = {p.name: p.version for p in PACKAGES}
    seen_pkgs = set()
    for pkg in manifest.get("packages", []):
        seen_pkgs.add(pkg["name"])
        if pins.get(pkg["name"]) != pkg["version"]:
            problems.append(
                f"{pkg['name']}: manifest has {pkg['version']}, script pins {pins.get(pkg['name'])}"
            )
        for f in pkg["files"]:
            listed.add(f["path"])
            p = dest / f["path"]
            if not p.is_file():
                problems.append(f"missing: {f['path']}")
            elif sha256_file(p) != f["sha256"]:
                problems.append(f"sha256 mismatch: {f['path']}")
    for name in pins.keys() - seen_pkgs:
        problems.append(f"{name}: pinned but absent from manifest")
    for p in sorted(dest.rglob("*")):
        rel = p.relative_to(dest).as_posix()
        if p.is_file() and rel != MANIFEST_NAME and rel not in listed:
            problems.append(f"not in manifest: {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify files on disk against MANIFEST.json (no network)")
    ap.add_argument("--dest", type=Path, default=VENDOR_DIR, help=f"vendor directory (default: {VENDOR_DIR})")
    args = ap.parse_args(argv)

    if args.check:
        problems = check(args.dest)
        for msg in problems:
            print(f"vendor check: {msg}", file=sys.stderr)
        if not problems:
            print(f"vendor check: OK ({args.dest})")
        return 1 if problems else 0

    try:
        results = vendor(args.dest)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = 0
    for r in results:
        size = sum(f["bytes"] for f in r["files"])
        total += size
        print(f"{r['name']}@{r['version']}  {len(r['files'])} files  {size / 1024:.1f} KiB  {r['license']}")
    print(f"total {total / 1024:.1f} KiB -> {os.path.relpath(args.dest, Path.cwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

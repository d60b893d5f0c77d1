"""`check --deploy` with the production flag: clean; only the HTTPS-only checks are silenced, and only
when the instance is not behind TLS."""

import os
import subprocess
import sys


def check(tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL", "KIEMSAT_DEBUG", "KIEMSAT_SECRET_KEY",
                                                            "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", str(tmp_path), "check", "--deploy",
                           "--fail-level", "WARNING"], capture_output=True, text=True, env=env, timeout=120)


def test_production_settings_pass_the_deploy_check(tmp_path):
    r = check(tmp_path, KIEMSAT_PRODUCTION="1")
    assert r.returncode == 0, r.stdout + r.stderr
    r = check(tmp_path, KIEMSAT_PRODUCTION="1", KIEMSAT_HTTPS="1")  # behind TLS: nothing silenced, still clean
    assert r.returncode == 0, r.stdout + r.stderr


def test_without_the_flag_the_https_warnings_are_reported(tmp_path):
    r = check(tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    for w in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert w in out

"""Test-wide setup that must happen before Django reads its settings."""

import os
import tempfile

os.environ.setdefault("KIEMSAT_DATA_DIR", tempfile.mkdtemp(prefix="kiemsat-test-"))
os.environ.setdefault("KIEMSAT_SECRET_KEY", "test-secret-key-not-for-production-0123456789")

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Each test stores its files in its own data directory."""
    settings.MEDIA_ROOT = tmp_path / "data" / "files"
    return settings.MEDIA_ROOT

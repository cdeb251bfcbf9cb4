import pytest


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Uploads staged between an import's preview and its commit go to the test's own folder."""
    settings.TRADECOUNTER_IMPORT_DIR = str(tmp_path / "imports")

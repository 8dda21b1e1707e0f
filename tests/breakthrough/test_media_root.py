"""Tests write their files to a folder of their own (tests/conftest.py), never into the project's media/."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def test_a_file_saved_in_a_test_lands_in_the_tests_own_folder(tmp_path):
    name = default_storage.save("receipts/proof.txt", ContentFile(b"paid"))
    path = default_storage.path(name)
    assert path.startswith(str(tmp_path))
    assert not path.startswith(str(settings.BASE_DIR / "media"))
    assert (tmp_path / "media" / name).read_bytes() == b"paid"

"""The age passphrase reader written from the spec (used when pyrage refuses a scrypt work factor,
and to tell a wrong passphrase from a damaged file): it agrees with pyrage byte for byte."""

import os

import pytest
from pyrage import passphrase as age_passphrase

from kiemsat.backup.archive import BackupError, decrypt_passphrase_spec

_CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def sample():
    plain = os.urandom(3 * _CHUNK + 123)
    return plain, age_passphrase.encrypt(plain, "mat-khau-sao-luu-2026")


def test_decrypts_what_pyrage_encrypts(sample):
    plain, blob = sample
    assert decrypt_passphrase_spec(blob, "mat-khau-sao-luu-2026") == plain


def test_wrong_passphrase_and_damage_are_told_apart(sample):
    plain, blob = sample
    with pytest.raises(BackupError, match="Sai mật khẩu"):
        decrypt_passphrase_spec(blob, "mat-khau-khac-han-2026")
    for broken in (blob[: len(blob) - 10], blob[: len(blob) - _CHUNK], blob[:-1] + bytes([blob[-1] ^ 1]),
                   blob[:250] + bytes([blob[250] ^ 1]) + blob[251:], blob[:60]):
        with pytest.raises(BackupError, match="hỏng hoặc không đầy đủ"):
            decrypt_passphrase_spec(broken, "mat-khau-sao-luu-2026")


def test_chunk_boundaries():
    for size in (_CHUNK,):  # a payload ending exactly on a chunk boundary (its last chunk is full)
        plain = os.urandom(size)
        assert decrypt_passphrase_spec(age_passphrase.encrypt(plain, "p" * 12), "p" * 12) == plain

"""Encryption at rest for secrets the app must read back (qBittorrent passwords, passkeys).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from SECRET_KEY by HKDF, so the database
alone reveals nothing. Changing SECRET_KEY makes stored secrets unreadable: they must be entered
again (the field then reads as empty and says so in the log, never as garbage).
"""

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)
PREFIX = "fernet:"


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"torrentsmith secrets at rest"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(plain: str) -> str:
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.warning("A stored secret cannot be decrypted (SECRET_KEY changed?); enter it again.")
        return ""


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain value."""

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value else value

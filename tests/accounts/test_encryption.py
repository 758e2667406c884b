import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.encryption import secret_decrypt, secret_encrypt


@given(st.text())
def test_a_secret_reads_back_as_written(plain):
    assert secret_decrypt(secret_encrypt(plain)) == plain


def test_the_stored_form_does_not_contain_the_secret():
    stored = secret_encrypt("passkey-0123456789abcdef")
    assert "0123456789abcdef" not in stored
    assert stored.startswith("fernet:")
    assert secret_encrypt("same") != secret_encrypt("same")  # random IV per value


def test_a_value_from_another_secret_key_reads_as_empty(settings, caplog):
    stored = secret_encrypt("hunter2")
    settings.SECRET_KEY = "another-secret-key-of-enough-length-0123456789"
    assert secret_decrypt(stored) == ""
    assert "enter it again" in caplog.text


def test_plain_text_in_the_column_is_refused():
    with pytest.raises(ValueError):
        secret_decrypt("hunter2")

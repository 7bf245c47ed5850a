"""Secrets kept at rest encrypted: an identity provider's client secret, the LTI tool's
private keys.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under the keys in
``ENCRYPTION_KEYS``: the first encrypts, every one decrypts, so a key is rotated by putting a
new one first (secrets sealed under the old one stay readable while it stays in the list, and
are sealed under the new one when next saved; :func:`reseal` does it at once). With no keys
configured, one is derived from ``SECRET_KEY`` (HKDF-SHA256), so a development install needs
nothing more; production should set ``ENCRYPTION_KEYS``, since changing SECRET_KEY would
otherwise make the stored secrets unreadable.

A core module: features at every level keep secrets; it depends only on the configuration.
"""
from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretUnreadable(RuntimeError):
    """A stored secret no configured key opens (ENCRYPTION_KEYS changed without resealing)."""


def seal(plaintext: str) -> str:
    """Encrypt ``plaintext`` for storage (text, safe in a String/Text column)."""
    return _box(*_keys()).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    """Decrypt what :func:`seal` made.

    :raises SecretUnreadable: when no configured key opens it.
    """
    try:
        return _box(*_keys()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("a stored secret cannot be decrypted with ENCRYPTION_KEYS; "
                               "put the key it was sealed with back in the list") from exc


def reseal(token: str) -> str:
    """The same secret sealed under the first (newest) key."""
    return _box(*_keys()).rotate(token.encode("ascii")).decode("ascii")


def last_characters(secret: str, count: int = 4) -> str:
    """What an admin page may show of a secret: its last characters, never the whole."""
    return "•" * 8 + secret[-count:] if len(secret) > count * 3 else "•" * 8


def _keys() -> tuple[str, ...]:
    configured = current_app.config.get("ENCRYPTION_KEYS") or ()
    if isinstance(configured, str):
        configured = tuple(k.strip() for k in configured.split(",") if k.strip())
    if configured:
        return tuple(configured)
    return (_derived_key(current_app.config["SECRET_KEY"]),)


@functools.lru_cache(maxsize=8)
def _derived_key(secret_key: str) -> str:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"course-engine.encryption",
                   info=b"secrets at rest").derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(derived).decode("ascii")


@functools.lru_cache(maxsize=8)
def _box(*keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])

"""Password hashing and the password policy (NIST SP 800-63B: length and a block list)."""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context


@lru_cache(maxsize=4)
def _hasher_with(time_cost: int | None, memory_kib: int | None, parallelism: int | None) -> PasswordHasher:
    defaults = PasswordHasher()  # argon2-cffi's recommended profile
    return PasswordHasher(time_cost=time_cost or defaults.time_cost, memory_cost=memory_kib or defaults.memory_cost,
                          parallelism=parallelism or defaults.parallelism)


def _hasher() -> PasswordHasher:
    """Argon2id with the app's parameters (config PASSWORD_HASH_*), else the recommended ones."""
    if not has_app_context():
        return _hasher_with(None, None, None)
    config = current_app.config
    return _hasher_with(config.get("PASSWORD_HASH_TIME_COST"), config.get("PASSWORD_HASH_MEMORY_KIB"),
                        config.get("PASSWORD_HASH_PARALLELISM"))


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password, verified against when the account does not exist so that
    a login for an unknown email takes as long as one for a known email."""
    return hasher.hash("not-a-real-password-used-for-timing")


def hash_password(password: str) -> str:
    """Hash with Argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and return False."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters and should be refreshed at login."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def is_common_password(password: str) -> bool:
    """True for a listed password, or a listed word padded with digits or repeated.

    "password1234", "qwertyqwerty" and "Liverpool2024!" are all guessed early by attackers.
    """
    lowered = password.lower()
    common = _common_passwords()
    if lowered in common:
        return True
    core = re.sub(r"[\d\W_]+$", "", re.sub(r"^[\d\W_]+", "", lowered))
    if len(core) >= 4 and core in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if len(lowered) % size == 0 and unit * (len(lowered) // size) == lowered:
            return unit in common or size <= 3
    return False


def password_problem(password: str, min_length: int, *, email: str = "", name: str = "") -> str | None:
    """The reason a new password is not acceptable, in plain words, or None when it is fine."""
    if len(password) < min_length:
        return f"Use at least {min_length} characters. A short phrase of several words is easy to remember."
    if len(password) > 1000:
        return "Use at most 1,000 characters."
    if is_common_password(password):
        return "That password is too common and would be guessed quickly. Try a phrase of several unrelated words."
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (name and name.lower().replace(" ", "") in lowered.replace(" ", "") and len(name) >= 4):
        return "Don't use your name or email address in your password."
    return None

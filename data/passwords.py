"""Passwords: argon2id hashes and the password policy (at least 12 characters,
not a common password, not containing the username)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the time equal when the user does not exist.
_DUMMY_HASH = _hasher.hash("dummy password for unknown users")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = files("data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def policy_problems(password: str, username: str, lang: str = "vi") -> list[str]:
    """Why ``password`` may not be used; empty when it may."""
    en = lang == "en"
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"Password must have at least {MIN_LENGTH} characters."
            if en
            else f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
        )
    if username and username.lower() in password.lower():
        problems.append(
            "Password must not contain the username."
            if en
            else "Mật khẩu không được chứa tên đăng nhập."
        )
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        problems.append(
            "This password is too common." if en else "Mật khẩu này quá phổ biến, dễ bị đoán."
        )
    return problems


def one_time_password() -> str:
    """A random password to hand over once; its owner must change it at first login."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))

"""The hashes Statsig's evaluation and bootstrap formats are defined by."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable

__all__ = ["djb2", "first_u64", "hash_name", "id_list_hash", "sha256_base64", "sha256_u64"]

_sha256 = hashlib.sha256
#: The first 8 bytes of a digest as an unsigned big-endian integer, in a 1-tuple: the bucketing
#: integer. Hot paths call it on an inline digest rather than through :func:`sha256_u64`.
first_u64: Callable[[bytes], tuple[int]] = struct.Struct(">Q").unpack_from
_MASK32 = 0xFFFFFFFF


def sha256_u64(text: str) -> int:
    """First 8 bytes of SHA-256 of the UTF-8 text as an unsigned big-endian integer.

    Every bucketing decision (pass percentages, ``user_bucket``) is this value modulo 10,000 or
    1,000, so it must match the official SDKs bit for bit.
    """
    return first_u64(_sha256(text.encode()).digest())[0]


def id_list_hash(unit_id: str) -> str:
    """The 8-character key ID lists store instead of raw ids: base64 of SHA-256, cut."""
    return base64.b64encode(_sha256(unit_id.encode()).digest()).decode()[:8]


def sha256_base64(text: str) -> str:
    """Name hashing for ``hash="sha256"`` bootstraps (44 characters)."""
    return base64.b64encode(_sha256(text.encode()).digest()).decode()


def djb2(text: str) -> str:
    """Statsig's djb2: Java-style ``h*31 + c`` from 0 over UTF-16 code units, unsigned 32-bit.

    The browser client hashes with ``charCodeAt``, so a character outside the BMP counts as its
    two surrogates; hashing code points (as the Python SDKs do) makes such names unfindable.
    """
    h = 0
    if text.isascii():
        for byte in text.encode("ascii"):
            h = (h * 31 + byte) & _MASK32
        return str(h)
    utf16 = text.encode("utf-16-be")
    for i in range(0, len(utf16), 2):
        h = (h * 31 + ((utf16[i] << 8) | utf16[i + 1])) & _MASK32
    return str(h)


def hash_name(name: str, algorithm: str) -> str:
    """Hash a spec name the way a bootstrap payload's ``hash_used`` says."""
    if algorithm == "djb2":
        return djb2(name)
    if algorithm == "none":
        return name
    if algorithm == "sha256":
        return sha256_base64(name)
    raise ValueError(f"unknown hash algorithm {algorithm!r}; use 'djb2', 'none' or 'sha256'")

"""Start-up check: the ledger hashes with SM3 (GB/T 32905), which must come from hashlib."""

from __future__ import annotations

import hashlib


class SM3Unavailable(RuntimeError):
    pass


def require_sm3() -> None:
    try:
        digest = hashlib.new("sm3", b"abc").hexdigest()
    except ValueError as exc:  # OpenSSL built without SM3
        raise SM3Unavailable(
            "OneGo needs SM3 hashing from hashlib (OpenSSL ≥ 1.1.1 with SM3 enabled); "
            "this Python's hashlib does not offer it. 本平台需要 hashlib 提供 SM3 杂凑算法。"
        ) from exc
    # The GB/T 32905 test vector guards against a mislabelled algorithm.
    if digest != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0":
        raise SM3Unavailable("hashlib's 'sm3' does not match the GB/T 32905 test vector")

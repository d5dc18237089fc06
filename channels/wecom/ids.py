"""WeCom users in the core: the namespaced key `wecom:<userid>`, and the one shim while the store takes ints.

The core is called with the key as a string so a 企业微信 user and a Telegram user can never
share drafts. Today's store only accepts integer ids, so `core_id` turns the key into an
integer by reading its UTF-8 bytes as one big number. That number is reversible and always
above 2**53, where Telegram ids never are (they have at most 52 significant bits). When the
store takes string ids, `core_id` becomes `return key` and nothing else changes.
"""

from __future__ import annotations

PREFIX = "wecom:"
TELEGRAM_MAX = 2**52  # Telegram user ids have at most 52 significant bits


def user_key(userid: str) -> str:
    """The namespaced key of a 企业微信 user."""
    return PREFIX + userid


def core_id(key: str) -> int:
    """The id the core and store are called with (shim: the key's bytes as an integer)."""
    return int.from_bytes(key.encode("utf-8"), "big")


def userid_of(user_id: object) -> str | None:
    """The 企业微信 userid behind a core id, or None when the id is not one of ours."""
    if not isinstance(user_id, int) or user_id <= TELEGRAM_MAX:
        return None
    raw = user_id.to_bytes((user_id.bit_length() + 7) // 8, "big")
    try:
        key = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return key[len(PREFIX) :] if key.startswith(PREFIX) and len(key) > len(PREFIX) else None

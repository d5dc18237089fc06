"""WeCom users in the core: the namespaced key `wecom:<userid>`, so they never share drafts with another channel's."""

from __future__ import annotations

PREFIX = "wecom:"


def user_key(userid: str) -> str:
    """The core's key for a 企业微信 user."""
    return PREFIX + userid


def userid_of(user_key: object) -> str | None:
    """The 企业微信 userid behind a stored key, or None when the key is another channel's."""
    if not isinstance(user_key, str) or not user_key.startswith(PREFIX) or len(user_key) == len(PREFIX):
        return None
    return user_key[len(PREFIX) :]

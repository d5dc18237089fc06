"""企业微信 (WeCom) intelligent robot channel over its long connection (API mode)."""

from .runtime import WeComChannel, build_channel, run_wecom, serve

__all__ = ["WeComChannel", "build_channel", "run_wecom", "serve"]

"""Channels that drive the assistant: a terminal console and Telegram."""

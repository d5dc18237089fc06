"""Telegram channel (python-telegram-bot 22): button codec, update ordering, handlers, runtime."""

from .callback_data import CALLBACK_LIMIT, decode_action, encode_action
from .handlers import TelegramChannel, keyboard, send_outs, split_message
from .ordering import PerUserOrder
from .runtime import COMMANDS, build_application, install_redaction, poll, run_telegram

__all__ = [
    "CALLBACK_LIMIT",
    "COMMANDS",
    "PerUserOrder",
    "TelegramChannel",
    "build_application",
    "decode_action",
    "encode_action",
    "install_redaction",
    "keyboard",
    "poll",
    "run_telegram",
    "send_outs",
    "split_message",
]

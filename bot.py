"""Entry point: `python bot.py` runs every configured channel (Telegram, 企业微信), or the console chat when none is."""

from __future__ import annotations

import argparse
import logging
import sys

from dialogs.assistant import Assistant
from dialogs.outlines import load_report_types
from dialogs.schema import SchemaError
from report import DocxReporter
from report.reader import DocxFileReader
from settings import Settings, SettingsError, load_settings
from storage import StorageError, StoreLocked, TinyDBRecordStore

LOCKED = "另一个机器人进程正在使用 {data_dir}，本进程退出。(DATA_DIR is locked by another bot.)"


QUIET = ("filelock", "asyncio", "httpcore", "hpack", "openai", "apscheduler")


def configure_logging(level: str) -> None:
    """Our log lines at LOG_LEVEL on stderr; libraries' own chatter (lock polling, HTTP frames) only from WARNING."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def build_assistant(settings: Settings) -> Assistant:
    """Load and check every report type, open the store (taking DATA_DIR's lock), wire the reporter."""
    types = load_report_types()
    writer = None
    if settings.llm_base_url:
        from llm import OpenAIWriter

        writer = OpenAIWriter(settings.llm_base_url, settings.llm_api_key, settings.llm_model, settings.llm_timeout)
    store = TinyDBRecordStore(settings.data_dir)
    reporter, reader = DocxReporter(), DocxFileReader()
    return Assistant(
        store, types, reporter, timezone=settings.timezone, writer=writer, reader=reader, schedule=settings.schedule
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load settings, start the right channel; one clear line on bad config."""
    parser = argparse.ArgumentParser(description="法治政府建设年度报告 drafting bot")
    parser.add_argument("--console", action="store_true", help="chat in this terminal instead of Telegram")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if settings.token or settings.llm_api_key or settings.wecom_bot_secret:
            from channels.telegram import install_redaction

            install_redaction(settings.token, settings.llm_api_key, settings.wecom_bot_secret)
        assistant = build_assistant(settings)
    except (SettingsError, SchemaError) as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    except StoreLocked:
        print(LOCKED.format(data_dir=settings.data_dir))
        return 1
    except StorageError as exc:  # cannot be created, is a file, read-only: one line, nothing deleted
        print(f"数据目录无法使用 / DATA_DIR unusable: {exc}", file=sys.stderr)
        return 2
    if args.console or not (settings.token or settings.wecom_bot_id):
        from channels.console import run_console

        if not args.console:
            print("未设置 TELEGRAM_BOT_TOKEN，进入控制台模式。(No token: console chat.)", file=sys.stderr)
        try:
            return run_console(
                assistant, f"console:{settings.console_user_id}", settings.data_dir, sys.stdin, sys.stdout
            )
        finally:
            assistant.close()
    if settings.wecom_bot_id and settings.token:
        from channels.wecom.together import run_with_telegram

        return run_with_telegram(settings, assistant)
    if settings.wecom_bot_id:
        from channels.wecom import run_wecom

        return run_wecom(settings, assistant)
    from channels.telegram import run_telegram

    return run_telegram(settings, assistant)


if __name__ == "__main__":
    sys.exit(main())

"""Settings: .env parsing (comments, quotes, export), the environment winning, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import SettingsError, load_settings

TOKEN = "123456789:AAH-test-token-abcdefghijklmnopqrstuvwx"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_inline_comments_quotes_and_export(tmp_path):
    env = write(
        tmp_path,
        "# a comment line\n"
        "LOG_LEVEL=warning  # default is INFO\n"
        f'export TELEGRAM_BOT_TOKEN="{TOKEN}"\n'
        "DATA_DIR='/srv/报告 数据'\n"
        "ALLOWED_USER_IDS=12, 34 ,56  # three staff\n"
        "CONSOLE_USER_ID=\n",
    )
    s = load_settings({}, env)
    assert s.log_level == "WARNING"
    assert s.token == TOKEN
    assert s.data_dir == Path("/srv/报告 数据")
    assert s.allowed_user_ids == frozenset({12, 34, 56})
    assert s.console_user_id == 1


def test_hash_inside_quotes_is_kept(tmp_path):
    env = write(tmp_path, 'DATA_DIR="./data#2"\n')
    assert load_settings({}, env).data_dir == Path("./data#2")


def test_environment_wins_over_dotenv(tmp_path):
    env = write(tmp_path, "LOG_LEVEL=DEBUG\nDATA_DIR=from-file\n")
    s = load_settings({"LOG_LEVEL": "ERROR"}, env)
    assert s.log_level == "ERROR" and s.data_dir == Path("from-file")


def test_no_dotenv_file_gives_defaults(tmp_path):
    s = load_settings({}, tmp_path / "missing.env")
    assert s.token is None and s.allowed_user_ids is None and s.log_level == "INFO" and s.data_dir == Path("data")


@pytest.mark.parametrize(
    ("key", "value", "names"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN"),
        ("TELEGRAM_API_BASE_URL", "ftp://x", "TELEGRAM_API_BASE_URL"),
        ("ALLOWED_USER_IDS", "12,abc", "ALLOWED_USER_IDS"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("CONSOLE_USER_ID", "-3", "CONSOLE_USER_ID"),
    ],
)
def test_bad_values_stop_with_one_line_naming_the_setting(tmp_path, key, value, names):
    with pytest.raises(SettingsError) as err:
        load_settings({key: value}, tmp_path / "none")
    assert names in str(err.value) and "\n" not in str(err.value)


def test_repr_never_shows_the_token():
    s = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, None)
    assert TOKEN not in repr(s) and "set" in repr(s)


def test_bad_value_in_dotenv_is_reported_too(tmp_path):
    env = write(tmp_path, "LOG_LEVEL=verbose # oops\n")
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load_settings({}, env)


def test_timezone_default_and_bad_value():
    from settings import SettingsError, load_settings

    assert load_settings({}, dotenv=None).timezone == "Asia/Shanghai"
    assert load_settings({"TIMEZONE": "Asia/Urumqi"}, dotenv=None).timezone == "Asia/Urumqi"
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings({"TIMEZONE": "Beijing"}, dotenv=None)


def test_draft_times_are_shown_in_the_bureaus_zone():
    from zoneinfo import ZoneInfo

    from dialogs.assistant import local_time

    assert local_time("2026-11-27T23:39:00+00:00", ZoneInfo("Asia/Shanghai")) == "2026-11-28 07:39"


def test_writing_help_settings():
    from settings import SettingsError, load_settings

    off = load_settings({}, dotenv=None)
    assert off.llm_base_url is None and off.llm_timeout == 20.0
    on = load_settings(
        {"LLM_BASE_URL": "http://127.0.0.1:8000/v1/", "LLM_MODEL": "qwen", "LLM_API_KEY": "sk-1", "LLM_TIMEOUT": "5"},
        dotenv=None,
    )
    assert (on.llm_base_url, on.llm_model, on.llm_timeout) == ("http://127.0.0.1:8000/v1", "qwen", 5.0)
    assert "sk-1" not in repr(on)
    for bad, name in (
        ({"LLM_BASE_URL": "ftp://x", "LLM_MODEL": "m"}, "LLM_BASE_URL"),
        ({"LLM_BASE_URL": "http://x/v1"}, "LLM_MODEL"),
        ({"LLM_BASE_URL": "http://x/v1", "LLM_MODEL": "m", "LLM_TIMEOUT": "soon"}, "LLM_TIMEOUT"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings(bad, dotenv=None)

"""Settings: .env parsing (comments, quotes, export), the environment winning, and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import SettingsError, load_settings
from tests.conftest import REPO

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


def test_an_unparsable_dotenv_line_stops_start_up_naming_the_line_not_the_value(tmp_path):
    env = write(tmp_path, f'LOG_LEVEL=INFO\nTELEGRAM_BOT_TOKEN="{TOKEN}\nDATA_DIR=x\n')
    with pytest.raises(SettingsError) as err:
        load_settings({}, env)
    message = str(err.value)
    assert "line 2" in message and "TELEGRAM_BOT_TOKEN" in message and "\n" not in message
    assert TOKEN not in message


@pytest.mark.parametrize("value", ["0.5", "0", "301"])
def test_llm_timeout_outside_the_stated_range_is_refused(value):
    with pytest.raises(SettingsError, match="LLM_TIMEOUT"):
        load_settings({"LLM_BASE_URL": "http://x/v1", "LLM_MODEL": "m", "LLM_TIMEOUT": value}, dotenv=None)
    assert load_settings({"LLM_TIMEOUT": "1"}, dotenv=None).llm_timeout == 1.0


def run_bot(tmp_path: Path, env: dict[str, str], stdin: str = ""):
    """bot.py --console in a clean folder (no .env), as a new user would start it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_", "DATA_DIR", "LOG_"))}
    return subprocess.run(
        [sys.executable, str(REPO / "bot.py"), "--console"],
        input=stdin,
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=tmp_path,
        timeout=60,
    )


def _one_line_naming_data_dir(out) -> None:
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "DATA_DIR" in lines[0], out.stderr[-600:]


@pytest.mark.parametrize("case", ["a-file", "cannot-create"])
def test_an_unusable_data_dir_stops_start_up_with_one_line(tmp_path, case):
    (tmp_path / "f").write_text("x")
    data = tmp_path / "f" if case == "a-file" else tmp_path / "f" / "sub"
    _one_line_naming_data_dir(run_bot(tmp_path, {"DATA_DIR": str(data)}))


def test_a_read_only_data_dir_stops_start_up_with_one_line(tmp_path):
    """A read-only file system (a tmpfs mounted ro when we are root, who writes anywhere else), else a 0555 folder."""
    data = tmp_path / "ro"
    data.mkdir()
    mounted = os.geteuid() == 0 and os.system(f"mount -t tmpfs -o ro,size=1m tmpfs {data} 2>/dev/null") == 0
    if os.geteuid() == 0 and not mounted:
        pytest.skip("root without mount: no way to make a folder read-only")
    if not mounted:
        data.chmod(0o555)
    try:
        _one_line_naming_data_dir(run_bot(tmp_path, {"DATA_DIR": str(data)}))
    finally:
        if mounted:
            os.system(f"umount {data}")


def test_library_debug_lines_never_reach_the_console(tmp_path):
    out = run_bot(tmp_path, {"DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "DEBUG"}, "/start\n")
    assert out.returncode == 0 and "您是哪类部门" in out.stdout
    assert "filelock" not in out.stderr + out.stdout and "asyncio" not in out.stderr

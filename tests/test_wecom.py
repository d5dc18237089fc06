"""The 企业微信 channel over the loopback stand-in (tests/fake_wecom.py), with the real channel code. No network."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import io
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import docx
import pytest

from channels.reminders import remind_once
from channels.telegram import TelegramChannel
from channels.wecom.connection import Connection, Timing
from channels.wecom.crypto import DecryptError, decrypt, encrypt
from channels.wecom.ids import user_key, userid_of
from channels.wecom.render import Card, Markdown, decode_key, encode_key, render
from channels.wecom.runtime import WeComChannel
from dialogs.actions import Action, Button, Reply
from dialogs.assistant import Assistant
from dialogs.messages import label, say
from dialogs.reminders import Schedule
from report import DocxReporter
from report.reader import MAX_FILE, DocxFileReader
from storage import TinyDBRecordStore
from tests import import_fixtures as fx
from tests import reference
from tests.fake_wecom import FakeWeCom, Sent
from tests.wording import ask, part


class RecordingBot:
    """The part of a Telegram bot the reminder job uses: records which chats it wrote to."""

    def __init__(self) -> None:
        self.chats: list[int] = []

    async def send_message(self, chat_id: int, text: str, reply_markup=None) -> None:
        self.chats.append(chat_id)


FAST = Timing(ping_every=0.05, backoff_first=0.05, backoff_max=0.2, subscribe_timeout=2, close_timeout=0.5)
ALICE = "alice"


async def until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `cond()` holds (polling the loop), failing the test after `timeout`."""
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.005)


class Harness:
    """The stand-in, an assistant over a temp folder, and the channel connected to it."""

    def __init__(self, fake: FakeWeCom, channel: WeComChannel, run: asyncio.Task) -> None:
        self.fake, self.channel, self.run = fake, channel, run

    async def send(self, push) -> list[Sent]:
        """Push one callback and wait until it is answered; the messages it produced."""
        before, handled = len(self.fake.sent), self.channel.handled
        await push
        await until(lambda: self.channel.handled > handled)
        return self.fake.sent[before:]

    async def text(self, content: str, user: str = ALICE) -> list[Sent]:
        return await self.send(self.fake.text(user, content))

    async def press(self, card: Sent, label: str, user: str = ALICE) -> list[Sent]:
        tc = card.body["template_card"]
        key = next(b["key"] for b in tc["button_list"] if b["text"] == label)
        return await self.send(self.fake.press(user, tc["task_id"], key))


def cards(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.body.get("template_card")]


def texts(sent: list[Sent]) -> str:
    out = []
    for s in sent:
        if "markdown" in s.body:
            out.append(s.body["markdown"]["content"])
        elif "template_card" in s.body:
            tc = s.body["template_card"]
            out.append(tc["main_title"]["title"] + "\n" + tc.get("sub_title_text", ""))
    return "\n".join(out)


@contextlib.asynccontextmanager
async def running(tmp_path: Path, types, *, allowed=None, **kwargs) -> AsyncIterator[Harness]:
    fake = FakeWeCom()
    await fake.start()
    schedule = kwargs.pop("schedule", None)
    assistant = Assistant(
        TinyDBRecordStore(tmp_path / "data"), types, DocxReporter(), reader=DocxFileReader(), schedule=schedule
    )
    channel = WeComChannel(assistant, (fake.url, "bot1", "s3cret"), allowed, timing=FAST, **kwargs)
    run = asyncio.create_task(channel.run())
    try:
        await until(lambda: fake.connected)
        yield Harness(fake, channel, run)
    finally:
        await channel.stop()
        await asyncio.wait_for(run, 5)
        assistant.close()
        await fake.stop()
    assert fake.refusals == []  # no frame over a limit, no command the platform would refuse


def go(coro) -> None:
    asyncio.run(asyncio.wait_for(coro, 60))  # a hang fails the test instead of the suite


# ---------------------------------------------------------------- end to end
def test_a_full_report_from_first_message_to_the_docx_file_message(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            welcome = await h.send(h.fake.enter_chat(ALICE))
            assert welcome[0].cmd == "aibot_respond_welcome_msg"
            for msg in reference.script():
                sent = await h.text(msg)
                assert sent and all(s.cmd == "aibot_respond_msg" for s in sent)
            assert part("complete") in texts(sent)
            sent = await h.text("/report")
            files = [s for s in sent if s.body.get("msgtype") == "file"]
            assert len(files) == 1
            name, data = h.fake.media[files[0].body["file"]["media_id"]]
            assert name == "鲁山县科学技术局关于2024年法治政府建设情况的报告.docx"
            assert "鲁山县科学技术局" in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
            # the draft is kept under the namespaced key, never under a Telegram-sized id
            assert h.channel.assistant.active(user_key(ALICE)).answers["unit_name"] == "鲁山县科学技术局"

    go(scenario())


def test_an_encrypted_docx_is_downloaded_decrypted_and_imported(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            plain = fx.word_docx(fx.reference_text())
            h.fake.files["f1"] = ("2024年报告.docx", encrypt(plain, key))
            sent = await h.send(h.fake.file(ALICE, "f1", key))
            offer = cards(sent)[-1]
            assert part("import_found") in texts(sent)
            sent = await h.press(offer, label("import_yes_missing", n=1))  # its table is not imported
            assert sent[0].cmd == "aibot_respond_update_msg"  # the press is answered by updating its card
            draft = h.channel.assistant.active(user_key(ALICE))
            assert draft.answers["unit_name"] == "鲁山县科学技术局"

    go(scenario())


def _keys():
    return (base64.b64encode(bytes([i]) * 32).decode() for i in range(256))


def _undecryptable(data: bytes, key: str) -> bool:
    try:
        decrypt(data, key)
    except DecryptError:
        return True
    return False


def test_a_file_over_the_limit_is_refused_before_download(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            sent = await h.send(h.fake.file(ALICE, "absent", "x", filesize=50 * 1024 * 1024))
            assert say("import_too_big", mb=MAX_FILE // (1024 * 1024)) in texts(sent)
            h.fake.files["bad"] = ("a.docx", b"0" * 48)  # not what the platform encrypts
            key = next(k for k in _keys() if _undecryptable(b"0" * 48, k))  # fixed: a random key pads right 1 in 256
            sent = await h.send(h.fake.file(ALICE, "bad", key))
            assert say("import_download_failed") in texts(sent)

    go(scenario())


def test_a_double_press_acts_once_with_the_stale_notice(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            sent = await h.send(h.fake.enter_chat(ALICE))
            card = cards(sent)[-1]  # the first question: which bureau
            label = card.body["template_card"]["button_list"][0]["text"]
            first = await h.press(card, label)
            second = await h.press(card, label)  # the same button again (a double press)
            draft = h.channel.assistant.active(user_key(ALICE))
            assert draft.answers["profile"] == label and "outline" not in draft.answers
            assert [s.cmd for s in second] == ["aibot_respond_update_msg"]
            assert second[0].body["template_card"]["main_title"]["title"] == say("stale_toast")
            live = [b["text"] for b in cards(first)[-1].body["template_card"]["button_list"]]
            assert [b["text"] for b in second[0].body["template_card"]["button_list"]] == live

    go(scenario())


def test_an_update_after_its_window_is_sent_as_a_new_card(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            card = cards(await h.send(h.fake.enter_chat(ALICE)))[-1]
            h.fake.update_window = 0.05
            h.fake.ack_delay["aibot_respond_update_msg"] = 0.1  # the update lands past its window: 846608
            label = card.body["template_card"]["button_list"][0]["text"]
            sent = await h.press(card, label)
            assert [s.cmd for s in sent][-1] == "aibot_send_msg" and cards(sent)
            assert h.channel.assistant.active(user_key(ALICE)).answers["profile"] == label

    go(scenario())


def test_a_dropped_socket_loses_no_answer_and_the_client_reconnects(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            await h.text("/start")
            h.fake.drop_on = "aibot_respond_msg"  # the socket closes as the answer arrives: it is lost on the wire
            sent = await h.text("科技局")
            assert h.channel.conn.connects == 2
            assert {s.cmd for s in sent} == {"aibot_send_msg"}  # the old req_id is gone (846605): pushed instead
            assert "五项式" in str([s.body for s in sent])

    go(scenario())


def test_a_callback_pushed_again_is_acted_on_once(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            await h.text("/start")
            await h.text("科技局")
            await h.fake.push(h.fake.pushed[-1])  # the server delivers the same message again
            marker = await h.text("/review")
            assert {s.req_id for s in marker} == {h.fake.pushed[-1]["headers"]["req_id"]}
            assert h.channel.handled == 3
            assert "outline" not in h.channel.assistant.active(user_key(ALICE)).answers

    go(scenario())


def test_silent_pings_reconnect_and_answered_pings_keep_the_socket(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            await h.text("/start")
            await until(lambda: h.fake.pings >= 4)
            assert h.channel.conn.connects == 1
            h.fake.silent = True
            await until(lambda: h.channel.conn.connects == 2)
            assert "五项式" in texts(await h.text("科技局"))

    go(scenario())


def test_a_reminder_is_pushed_once(tmp_path, types):
    now = [dt.datetime(2026, 2, 15, 2, 0, tzinfo=dt.UTC)]  # 10:00 in Shanghai, a reminder date
    schedule = Schedule()

    async def scenario() -> None:
        async with running(tmp_path, types, clock=lambda: now[0], remind_every=3600, schedule=schedule) as h:
            await h.text("/start")
            await h.text("科技局")
            await h.text("/remind")
            # one schedule for both channels: the 企业微信 user is Telegram's to pass by (their date stays owed)
            telegram = TelegramChannel(h.channel.assistant, None)
            telegram.bot = bot = RecordingBot()
            assert not telegram.owns(user_key(ALICE)) and h.channel.owns(user_key(ALICE))
            assert await remind_once(h.channel.assistant, [telegram], now[0]) == 0
            assert bot.chats == []
            before = len(h.fake.sent)
            assert await h.channel.remind() == 1
            pushed = h.fake.sent[before:]
            assert {(s.cmd, s.userid) for s in pushed} == {("aibot_send_msg", ALICE)}
            assert part("reminder") in texts(pushed)
            assert await h.channel.remind() == 0
            assert len(h.fake.sent) == before + len(pushed)

    go(scenario())


def test_a_wrong_secret_is_refused_once_with_a_clear_exit(tmp_path, types, caplog):
    async def scenario() -> None:
        fake = FakeWeCom()
        await fake.start()
        conn = Connection(fake.url, "bot1", "wrong-secret-value", lambda f: None, FAST)
        assert await asyncio.wait_for(conn.run(), 5) == 2
        assert fake.subscribes == 0
        await fake.stop()

    go(scenario())
    assert "refused" in caplog.text and "wrong-secret-value" not in caplog.text


def test_a_second_subscribe_displaces_the_first_which_stops(tmp_path, types, caplog):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            other = Connection(h.fake.url, "bot1", "s3cret", lambda f: None, FAST)
            second = asyncio.create_task(other.run())
            assert await asyncio.wait_for(h.run, 5) == 1
            assert h.channel.conn.displaced and h.fake.subscribes == 2
            await other.stop()
            await second

    go(scenario())
    assert "another process subscribed" in caplog.text


def test_users_outside_the_allow_list_are_refused_and_nothing_is_stored(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types, allowed=frozenset({"bob"})) as h:
            sent = await h.text("/start", user="mallory")
            assert say("refused", user_id="mallory") in texts(sent)
            assert h.channel.assistant.store.user_ids() == []

    go(scenario())


def test_at_most_three_commands_in_flight_per_user(tmp_path, types):
    async def scenario() -> None:
        async with running(tmp_path, types) as h:
            h.fake.ack_delay["aibot_send_msg"] = 0.05
            long = [Markdown(f"第{i}条") for i in range(8)]
            # eight at once (as reminders and answers may overlap); the stand-in refuses a fourth unacknowledged one
            await asyncio.gather(*(h.channel._push(ALICE, [m]) for m in long))
            assert len(h.fake.sent) == 8

    go(scenario())


# ---------------------------------------------------------------- the pieces
def test_screens_fit_the_card_and_every_other_button_is_named_as_a_command():
    buttons = tuple((Button(f"选项{i}", Action("choose", str(i))),) for i in range(9))
    nav = ((Button("⬅ 上一题", Action("back")), Button("跳过", Action("skip"))),)
    messages = render([Reply("选择单位类型", buttons + nav)])
    card = [m for m in messages if isinstance(m, Card)][-1]
    assert len(card.buttons) == 6
    text = "\n".join(m.content for m in messages if isinstance(m, Markdown)) + card.text
    assert all(f"选项{i}" in text for i in range(6, 9)) and "/back" in text and "/skip" in text


def test_long_replies_are_split_under_the_byte_limit():
    messages = render([Reply("😀" * 30_000)])
    assert len(messages) > 1 and all(len(m.content.encode()) <= 20_480 for m in messages)


def test_notices_fold_into_the_next_screen():
    outs = [Reply("已保存。"), Reply("下一题", ((Button("跳过", Action("skip")),),))]
    assert len(render(outs)) == 1


def test_button_keys_round_trip_and_forgeries_are_refused():
    action = Action("choose", "3", "profile", "d" * 30)
    assert decode_key(encode_key(action)) == action
    for bad in ("", "text|x||", "nope|1||", "skip|a b||", "skip|1|2", "x" * 2000):
        assert decode_key(bad) is None


def test_decryption_is_the_platforms_aes_cbc_with_pkcs7_to_32_bytes():
    key = (
        base64.b64encode(bytes(range(32))).decode().rstrip("=")
    )  # fixed: a corrupted block pads right for 1 key in 256
    for size in (0, 1, 31, 32, 33, 1000):
        data = secrets.token_bytes(size)
        assert decrypt(encrypt(data, key), key) == data
    with pytest.raises(DecryptError):
        decrypt(encrypt(b"abc", key)[:-16] + b"\0" * 16, key)
    with pytest.raises(DecryptError):
        decrypt(b"x" * 32, "not base64!")


def test_user_ids_are_namespaced_and_never_meet_telegram_ids():
    uid = user_key("zhang.san@bureau")
    assert uid == "wecom:zhang.san@bureau" and userid_of(uid) == "zhang.san@bureau"
    assert userid_of("tg:123456789") is None and userid_of(123456789) is None
    assert user_key("a") != user_key("b")


def test_telegram_and_wecom_in_one_process_keep_their_users_apart(tmp_path, types):
    from bot import build_assistant
    from channels.wecom.runtime import build_channel
    from channels.wecom.together import both
    from settings import Settings
    from tests.botrunner import TOKEN
    from tests.fake_bot_api import FakeBotAPI

    async def scenario(api: FakeBotAPI) -> None:
        fake = FakeWeCom()
        await fake.start()
        settings = Settings(
            token=TOKEN, api_base_url=api.root, data_dir=tmp_path / "data", allowed_user_ids=None, log_level="INFO"
        )
        settings = dataclasses.replace(settings, wecom_bot_id="bot1", wecom_bot_secret="s3cret", wecom_ws_url=fake.url)
        assistant = build_assistant(settings)
        channel = build_channel(settings, assistant, timing=FAST)
        run = asyncio.create_task(both(settings, assistant, channel))
        await until(lambda: fake.connected)
        h = Harness(fake, channel, run)
        await h.text("/start")
        await h.text("科技局")
        api.message(5, "/start")
        await asyncio.to_thread(api.wait_sent, lambda sent: any(s.chat_id == 5 for s in sent))
        mine, theirs = assistant.active(user_key(ALICE)), assistant.active("tg:5")
        assert mine.id != theirs.id and mine.answers.get("profile") == "科技局" and "profile" not in theirs.answers
        await channel.stop()
        assert await asyncio.wait_for(run, 10) == 0
        await fake.stop()
        assert fake.refusals == []

    with FakeBotAPI(TOKEN) as api:
        go(scenario(api))


def test_an_unreachable_telegram_does_not_hold_wecom_up(tmp_path, types):
    from bot import build_assistant
    from channels.wecom.runtime import build_channel
    from channels.wecom.together import both
    from settings import Settings
    from tests.botrunner import TOKEN

    async def scenario() -> None:
        fake = FakeWeCom()
        await fake.start()
        settings = Settings(
            token=TOKEN, api_base_url="http://127.0.0.1:9", data_dir=tmp_path / "data", allowed_user_ids=None,
            log_level="INFO", wecom_bot_id="bot1", wecom_bot_secret="s3cret", wecom_ws_url=fake.url,
        )  # fmt: skip
        assistant = build_assistant(settings)
        channel = build_channel(settings, assistant, timing=FAST)
        run = asyncio.create_task(both(settings, assistant, channel))
        await until(lambda: fake.connected)
        h = Harness(fake, channel, run)
        await h.text("/start")
        assert "五项式" in texts(await h.text("科技局"))
        await channel.stop()
        assert await asyncio.wait_for(run, 10) == 0
        await fake.stop()

    go(scenario())


def test_the_real_bot_process_answers_and_resumes_after_kill_9(tmp_path):
    import os
    import signal
    import sys

    from tests.conftest import REPO

    async def start(fake: FakeWeCom):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WECOM_"))}
        env.update(DATA_DIR=str(tmp_path / "data"), WECOM_BOT_ID="bot1", WECOM_BOT_SECRET="s3cret")
        env["WECOM_WS_URL"] = fake.url
        log = open(tmp_path / "bot.log", "ab")  # closed once the process has ended
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(REPO / "bot.py"), cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log,
        )  # fmt: skip
        return proc, log

    async def answer(fake: FakeWeCom, text: str) -> list[Sent]:
        rid = await fake.text(ALICE, text)
        await until(lambda: any(s.req_id == rid and "template_card" in s.body for s in fake.sent), 30)
        return [s for s in fake.sent if s.req_id == rid]

    async def scenario() -> None:
        fake = FakeWeCom()
        await fake.start()
        proc, log = await start(fake)
        await until(lambda: fake.connected, 30)
        await answer(fake, "/start")
        await answer(fake, "科技局")
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        log.close()
        await until(lambda: not fake.connected)
        proc, log = await start(fake)  # a restart, as a supervisor would do it
        await until(lambda: fake.connected, 30)
        assert ask("unit_name") in texts(await answer(fake, "五项式"))  # the answers before the kill were kept
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
        log.close()
        await fake.stop()
        assert fake.refusals == [] and fake.subscribes == 2
        assert "s3cret" not in (tmp_path / "bot.log").read_text(encoding="utf-8")

    go(scenario())


def test_wecom_settings_are_checked_and_the_secret_never_shown():
    from settings import SettingsError, load_settings

    s = load_settings(
        {"WECOM_BOT_ID": "aibXYZ", "WECOM_BOT_SECRET": "very-secret", "WECOM_ALLOWED_USERS": "zhang，li"}, None
    )
    assert (s.wecom_bot_id, s.wecom_ws_url) == ("aibXYZ", "wss://openws.work.weixin.qq.com")
    assert s.wecom_allowed_users == frozenset({"zhang", "li"}) and "very-secret" not in repr(s)
    for env, name in (
        ({"WECOM_BOT_ID": "aibXYZ"}, "WECOM_BOT_SECRET"),
        ({"WECOM_BOT_ID": "a", "WECOM_BOT_SECRET": "b", "WECOM_WS_URL": "http://x"}, "WECOM_WS_URL"),
        ({"WECOM_BOT_ID": "a", "WECOM_BOT_SECRET": "b", "WECOM_ALLOWED_USERS": "a b"}, "WECOM_ALLOWED_USERS"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings(env, None)

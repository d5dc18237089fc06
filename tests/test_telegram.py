"""The real python-telegram-bot Application over HTTP against the Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import io
import logging
import shutil
import time

import pytest
from docx import Document

from channels.telegram import CALLBACK_LIMIT, decode_action, encode_action, split_message
from dialogs.actions import Action
from dialogs.messages import say as words
from tests import reference
from tests.botrunner import TOKEN, BotRunner
from tests.fake_bot_api import FakeBotAPI, Sent
from tests.wording import ask, example_of, part, pattern, refusal, title_of

U = 501


@pytest.fixture
def api():
    with FakeBotAPI(TOKEN) as a:
        yield a


def messages(api: FakeBotAPI, chat: int) -> list[Sent]:
    return api.to(chat, "sendMessage")


def last(api: FakeBotAPI, chat: int) -> Sent:
    return messages(api, chat)[-1]


def wait_text(api: FakeBotAPI, chat: int, fragment: str, after: int = 0, timeout: float = 15) -> Sent:
    """Wait for a message to chat (the after-th or later) that contains fragment."""

    def found(sent):
        mine = [s for s in sent if s.chat_id == chat and s.method in ("sendMessage", "sendDocument")]
        return any(fragment in s.text for s in mine[after:])

    api.wait_sent(found, timeout)
    mine = [s for s in api.to(chat) if s.method in ("sendMessage", "sendDocument")]
    return next(s for s in mine[after:] if fragment in s.text)


def say(api: FakeBotAPI, chat: int, text: str, expect: str) -> Sent:
    n = len([s for s in api.to(chat) if s.method in ("sendMessage", "sendDocument")])
    api.message(chat, text)
    return wait_text(api, chat, expect, after=n)


def toast(api: FakeBotAPI, cq: object) -> str:
    """The text shown when the tap `cq` was answered ("" for none)."""
    answers = [
        s for s in api.sent if s.method == "answerCallbackQuery" and str(s.params.get("callback_query_id")) == str(cq)
    ]
    assert len(answers) == 1
    return str(answers[0].params.get("text") or "")


def actions(sent: Sent) -> list[Action]:
    """The actions behind a message's buttons, row by row."""
    return [a for _, data in sent.buttons() if (a := decode_action(data)) is not None]


def data_for(sent: Sent, action: str, arg: str | None = None) -> str:
    """The callback data of the first button with this action (and argument)."""
    found = [d for _, d in sent.buttons() if (a := decode_action(d)) and a.name == action and arg in (None, a.arg)]
    assert found, f"no {action} button"
    return found[0]


def _tap(api: FakeBotAPI, chat: int, data: str, expect: str, source: Sent) -> Sent:
    n = len([s for s in api.to(chat) if s.method in ("sendMessage", "sendDocument")])
    api.press(chat, data, source.message_id)
    return wait_text(api, chat, expect, after=n)


def press(
    api: FakeBotAPI, chat: int, action: str, expect: str, source: Sent | None = None, arg: str | None = None
) -> Sent:
    """Tap the button with this action (by what it does, not by its label) and wait for `expect`."""
    source = source or last(api, chat)
    return _tap(api, chat, data_for(source, action, arg), expect, source)


def choose(api: FakeBotAPI, chat: int, option: str, expect: str, source: Sent | None = None) -> Sent:
    """Tap the button labelled with this data (an option, a section, a question) and wait for `expect`."""
    source = source or last(api, chat)
    return _tap(api, chat, dict(source.buttons())[option], expect, source)


def begin(api: FakeBotAPI, chat: int) -> Sent:
    """/start, then choose the bureau and the outline with their buttons: the unit's name is asked next."""
    say(api, chat, "/start", ask("profile"))
    choose(api, chat, "科技局", ask("outline"))
    return choose(api, chat, "五项式", ask("unit_name"))


def complete(api: FakeBotAPI, chat: int) -> Sent:
    """The whole reference walk-through, the bureau and outline chosen by button; the completion screen."""
    begin(api, chat)
    for m in reference.script()[2:]:
        api.message(chat, m)
    return wait_text(api, chat, part("complete"), timeout=30)


def test_full_conversation_and_report_over_http(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        done = complete(api, U)
        assert actions(done)[0].name == "report"
        press(api, U, "report", "鲁山县科学技术局关于2024年", source=done)
        doc = api.to(U, "sendDocument")[-1]
        filename, data = doc.files["document"]
        assert filename == "鲁山县科学技术局关于2024年法治政府建设情况的报告.docx"
        assert len(doc.text) <= 1024
        text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        assert "高新技术企业40家" in text
        # every question message carried the section and progress line
        import re

        qs = [s for s in messages(api, U) if any(a.name == "pause" for a in actions(s))]
        assert len(qs) >= len(reference.script())
        assert all(re.search(pattern("progress"), s.text) for s in qs)
        # all button data within Telegram's 64 bytes
        assert all(len(d.encode()) <= CALLBACK_LIMIT for s in messages(api, U) for _, d in s.buttons())
    assert "setMyCommands" in api.calls


def test_buttons_back_skip_example_choice(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        first = begin(api, U)
        names = [a.name for a in actions(first)]
        assert "example" in names and "skip" not in names and "back" in names
        ex = press(api, U, "example", words("example", label=title_of("unit_name"), example=example_of("unit_name")))
        press(api, U, "use_example", ask("unit_short"), source=ex)
        press(api, U, "skip", ask("year"))
        back = press(api, U, "back", ask("unit_short"))
        assert words("was_skipped") in back.text
        say(api, U, "县科技局", ask("year"))
        say(api, U, "2024", ask("recipient"))
        # a choice question further on: jump there from the review
        review = say(api, U, "/review", part("review_title"))
        section = next(label for label, _ in review.buttons() if label.startswith("基本信息"))
        review = choose(api, U, section, "【基本信息】", source=review)
        button = next(label for label, _ in review.buttons() if label.endswith(title_of("profile")))
        choice_q = choose(api, U, button, ask("profile"), source=review)
        assert [b for b, _ in choice_q.buttons()][:2] == ["科技局", "人社局"]
        back_to_review = choose(api, U, "人社局", "【基本信息】", source=choice_q)
        assert f"{title_of('profile')}：人社局" in back_to_review.text
        assert f"{title_of('outline')}：五项式" in back_to_review.text


def test_resume_after_restart(api, tmp_path):
    data = tmp_path / "data"
    with BotRunner(api, data):
        begin(api, U)
        say(api, U, "鲁山县科学技术局", ask("unit_short"))
    with BotRunner(api, data):
        r = say(api, U, "县科技局", ask("year"))  # any message picks up where the user was
        r = say(api, U, "/start", part("welcome_back_to"))
        assert ask("year") in r.text


def test_drafts_continue_and_delete_with_confirmation(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        say(api, U, "甲县科学技术局", ask("unit_short"))
        new = say(api, U, "/new", words("new_how"))
        press(api, U, "new", ask("profile"), source=new, arg="blank")
        choose(api, U, "人社局", ask("outline"))
        choose(api, U, "三段式", ask("unit_name"))
        say(api, U, "乙县教育局", ask("unit_short"))
        listing = say(api, U, "/drafts", words("drafts_title"))
        assert "甲县科学技术局" in listing.text and "乙县教育局" in listing.text
        jia, yi = (bot.assistant.store.get(f"tg:{U}", a.arg) for a in actions(listing) if a.name == "open")
        jia, yi = (jia, yi) if jia.unit.startswith("甲") else (yi, jia)
        cont = press(api, U, "open", part("continue_draft"), source=listing, arg=jia.id)
        assert ask("unit_short") in cont.text and "《甲县" in cont.text
        listing = say(api, U, "/drafts", words("drafts_title"))
        confirm = press(api, U, "delete", part("confirm_delete"), source=listing, arg=yi.id)
        assert "《乙县" in confirm.text and len(bot.assistant.store.list(f"tg:{U}")) == 2
        press(api, U, "delete_yes", part("deleted_draft"), source=confirm)
        assert [d.unit for d in bot.assistant.store.list(f"tg:{U}")] == ["甲县科学技术局"]


def test_preview_is_split_under_4096(api, tmp_path, monkeypatch):
    from report import DocxReporter

    monkeypatch.setattr(DocxReporter, "can_paginate", property(lambda self: False))  # the text preview
    with BotRunner(api, tmp_path / "data"):
        complete(api, U)
        say(api, U, "/edit measures", ask("measures", "title"))
        for i in range(3):
            say(api, U, f"长举措{i}", ask("measures", "body"))
            say(api, U, "很长的内容。" * 480, part("item_added"))
        n = len(messages(api, U))
        api.message(U, "/preview")
        wait_text(api, U, "2025年1月20日", after=n, timeout=20)
        parts = messages(api, U)[n:]
        assert len(parts) >= 4
        assert all(len(p.text) <= 4096 for p in parts)


def test_forged_and_stale_button_data(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, 601)
        say(api, 601, "甲县机密局", ask("unit_short"))
        other = bot.assistant.store.get_active(f"tg:{601}")
        begin(api, U)
        before = api.count_to(U)
        for data in (
            "garbage",
            "x" * 200,
            "o|../../u601||",
            f"o|{other}||",
            f"dy|{other}||",
            f"e|unit_name||{other}",
            f"n|copy:{other}||",
            "t|hi||",
            "s|||",
        ):
            api.press(U, data, 1)
        api.wait_sent(lambda s: len([x for x in s if x.method == "answerCallbackQuery"]) >= 9)
        api.wait_sent(lambda s: len([x for x in s if x.chat_id == U and x.method == "sendMessage"]) >= before + 9)
        texts = [s.text for s in api.to(U)]
        assert not any("甲县机密局" in t for t in texts)
        assert any(words("bad_button") == s.params.get("text") for s in api.sent if s.method == "answerCallbackQuery")
        assert bot.assistant.store.get(f"tg:{601}", other).answers["unit_name"] == "甲县机密局"
        # a button shown for an earlier question no longer applies
        say(api, U, "乙县", ask("unit_short"))
        stale = next(s for s in messages(api, U) if ask("unit_name") in s.text and s.buttons())
        n, before = len(messages(api, U)), bot.assistant.active(f"tg:{U}").to_dict()
        cq = api.press(U, data_for(stale, "example"), stale.message_id)
        api.wait_sent(lambda s: any(str(x.params.get("callback_query_id", "")) == str(cq) for x in s))
        say(api, U, "/start", ask("unit_short"))  # ordered after the press: the press has been handled
        assert [m.text[:10] for m in messages(api, U)[n:-1]] == []  # it did nothing and sent nothing
        assert toast(api, cq) == words("stale_toast")  # but the tap's answer says why
        assert bot.assistant.active(f"tg:{U}").answers == before["answers"]


def test_a_double_tap_acts_once(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        for m in reference.script()[2:10]:  # basics, then the first part's heading, form and lead paragraph
            api.message(U, m)
        first_title = wait_text(api, U, ask("duty", "title"))
        ex = press(api, U, "example", part("example"), source=first_title)
        data = data_for(ex, "use_example")
        first = api.press(U, data, ex.message_id)
        second = api.press(U, data, ex.message_id)  # the second tap lands before the keyboard is gone
        wait_text(api, U, ask("duty", "body"), after=len(messages(api, U)) - 1)
        say(api, U, "/start", ask("duty", "body"))
        assert (toast(api, first), toast(api, second)) == ("", words("stale_toast"))
        d = bot.assistant.active(f"tg:{U}")
        assert d.partial["duty"] == {"title": "坚持学习习近平法治思想，持续深化法治理念"}  # the body is still empty
        assert "duty" not in d.answers
        # the same on a choice: one tap of 五项式 twice never answers the next question
        assert d.answers["outline"] == "五项式" and d.answers["unit_name"] == "鲁山县科学技术局"


def test_non_text_messages_get_a_polite_reask(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        begin(api, U)
        n = len(messages(api, U))
        api.message(
            U,
            None,
            extra={
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
        )
        wait_text(api, U, words("text_only"), after=n)
        wait_text(api, U, ask("unit_name"), after=n + 1)
        api.message(U, None, extra={"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}})
        wait_text(api, U, words("text_only"), after=n + 2)


def test_group_chat_is_told_to_use_private_chat(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        api.message(U, "/start", chat_type="group")
        wait_text(api, -100 - U, words("private_only"))
        assert bot.assistant.store.list(f"tg:{U}") == []


def test_refused_user_sees_own_id_and_nothing_is_stored(api, tmp_path):
    with BotRunner(api, tmp_path / "data", allowed=frozenset({U})) as bot:
        say(api, 777, "/start", words("refused", user_id=777))  # the refusal names the user's id
        cq = api.press(777, "r|||", 1)  # within the minute: a toast, not another message
        api.wait_sent(lambda s: any(str(x.params.get("callback_query_id", "")) == str(cq) for x in s))
        assert toast(api, cq) == words("refused_short") and len(messages(api, 777)) == 1
        assert not bot.assistant.store.path_for(f"tg:{777}").exists()
        begin(api, U)


def test_rate_limit_429_is_retried(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        api.fail_next("sendMessage", 1)
        begin(api, U)
        # every message arrived, and the one refused with 429 was sent again exactly once
        assert api.calls.count("sendMessage") == len(messages(api, U)) + 1


def test_startup_survives_bot_api_unreachable(api, tmp_path):
    api.fail_next("getMe", 2, status=502)
    with BotRunner(api, tmp_path / "data"):
        begin(api, U)
    assert api.calls[:3] == ["getMe", "getMe", "getMe"]


def test_handler_failure_is_reported_and_others_still_served(api, tmp_path, monkeypatch):
    with BotRunner(api, tmp_path / "data") as bot:
        real = bot.assistant.handle_async

        async def flaky(user_id, action, *rest):
            if user_id == "tg:666":
                raise RuntimeError("boom")
            return await real(user_id, action, *rest)

        monkeypatch.setattr(bot.assistant, "handle_async", flaky)
        say(api, 666, "/start", words("failed"))
        begin(api, U)


def test_no_log_line_contains_the_token(api, tmp_path):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with BotRunner(api, tmp_path / "data") as bot:
            real = bot.assistant.handle_async

            async def leaky(user_id, action, *rest):
                if action.arg == "leak":
                    raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/sendMessage")
                return await real(user_id, action, *rest)

            bot.assistant.handle_async = leaky  # type: ignore[method-assign]
            begin(api, U)
            say(api, U, "leak", words("failed"))
            logging.getLogger("somewhere").warning("token is %s", TOKEN)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    out = stream.getvalue()
    assert "getUpdates" in out or "bot started" in out  # the log did capture the session
    assert "RuntimeError" in out and "[TOKEN]" in out
    assert TOKEN not in out and TOKEN.split(":")[1] not in out


def test_button_data_roundtrip_and_limits():
    a = Action("edit", "reserve_review", "reserve_review", "deadbeef")
    assert decode_action(encode_action(a)) == a
    assert decode_action("e|a b||") is None and decode_action("zz|||") is None and decode_action(None) is None
    longest = Action("delete_yes", "x" * 24, "y" * 24, "deadbeef")
    assert len(encode_action(longest).encode()) <= 64


def test_split_message():
    text = "\n".join(["行" * 100] * 100)
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == text
    assert all(len(p) <= 4096 for p in split_message("字" * 10000))


def test_per_user_order_keeps_one_users_updates_sequential():
    """One user's updates run one at a time in arrival order; another user is not held up (no sleeps)."""
    import asyncio
    import datetime as dt

    from telegram import Chat, Message, Update, User

    from channels.telegram import PerUserOrder

    def update(uid: int, n: int) -> Update:
        user = User(uid, "u", False)
        msg = Message(n, dt.datetime.now(dt.UTC), Chat(uid, "private"), from_user=user, text="x")
        return Update(n, message=msg)

    async def main() -> tuple[list[tuple[int, int]], int]:
        proc = PerUserOrder(8)
        release = {n: asyncio.Event() for n in (1, 2, 3, 4)}
        started = {n: asyncio.Event() for n in (1, 2, 3, 4)}
        running: dict[int, int] = {}
        done: list[tuple[int, int]] = []

        async def job(uid: int, n: int) -> None:
            running[uid] = running.get(uid, 0) + 1
            assert running[uid] == 1, "two updates of one user ran at once"
            started[n].set()
            await release[n].wait()
            done.append((uid, n))
            running[uid] -= 1

        tasks = [asyncio.create_task(proc.process_update(update(u, n), job(u, n))) for u, n in ((1, 1), (1, 2), (2, 3))]
        await started[1].wait()
        await started[3].wait()  # user 2 runs while user 1's first update is still going
        assert not started[2].is_set()  # user 1's second update waits for the first
        release[3].set()
        await tasks[2]
        tasks.append(asyncio.create_task(proc.process_update(update(1, 4), job(1, 4))))
        release[1].set()
        await started[2].wait()
        assert not started[4].is_set()
        release[2].set()
        release[4].set()
        await asyncio.gather(*tasks)
        return done, proc.users_in_flight

    done, left = asyncio.run(main())
    assert [n for u, n in done if u == 1] == [1, 2, 4]
    assert done[0] == (2, 3)  # another user was not held up
    assert left == 0  # the lock table does not keep users who are done


def test_edited_message_is_not_taken_as_an_answer(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        say(api, U, "鲁山县科学技术局", ask("unit_short"))
        n = len(messages(api, U))
        api.message(U, "鲁山县科技局", edited=True)
        wait_text(api, U, words("edited"), after=n)
        d = bot.assistant.store.list(f"tg:{U}")[0]
        assert d.answers == {"profile": "科技局", "outline": "五项式", "unit_name": "鲁山县科学技术局"}


def test_bot_process_lock_sigterm_and_quiet_logs(api, tmp_path):
    """`python bot.py` with a token: serves, refuses a second process on the same DATA_DIR, stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    from bot import LOCKED
    from tests.conftest import REPO

    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.root,
        DATA_DIR=str(tmp_path / "d"),
        LOG_LEVEL="DEBUG",
    )
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "bot.py")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        begin(api, U)
        second = subprocess.run(
            [sys.executable, str(REPO / "bot.py")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1 and LOCKED.format(data_dir=tmp_path / "d") in second.stdout
        say(api, U, "鲁山县科学技术局", ask("unit_short"))
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "bot stopped" in err and "open to everyone" in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
    assert (tmp_path / "d" / "users" / f"u-tg%3A{U}.json").exists()


def test_no_per_user_state_is_left_behind_in_the_application(api, tmp_path):
    """Many distinct users leave nothing behind in PTB's application or our ordering table."""
    with BotRunner(api, tmp_path / "data") as bot:
        for u in range(7000, 7040):
            api.message(u, "/start")
        api.wait_sent(lambda s: len({x.chat_id for x in s if ask("profile") in x.text}) >= 40, 30)
        app = bot.app
        deadline = time.monotonic() + 10  # the replies go out just before each update's processing ends
        while app.update_processor.users_in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.update_processor.users_in_flight == 0
        # PTB marks ids for a persistence run that never comes without persistence (see BotApplication)
        assert not app._user_ids_to_be_updated_in_persistence and not app._chat_ids_to_be_updated_in_persistence
        assert not app.user_data and not app.chat_data


def test_a_long_paste_split_by_telegram_is_joined_not_cut(api, tmp_path):
    with BotRunner(api, tmp_path / "data") as bot:
        begin(api, U)
        for m in reference.script()[2:11]:
            api.message(U, m)
        wait_text(api, U, ask("duty", "body"))  # the body of the first 第一责任人 sub-section
        n = len(messages(api, U))
        api.message(U, "学" * 4096)  # Telegram's first part
        api.message(U, "法" * 904)  # and the rest
        wait_text(api, U, refusal("学" * 4096 + "法" * 904, "duty", "body"), after=n)  # too long, joined
        d = bot.assistant.active(f"tg:{U}")
        assert d.partial["duty"] == {"title": reference.DUTY[0][0]} and "duty" not in d.answers
        # one part alone (nothing follows) is still answered: told it is too long, never saved
        n = len(messages(api, U))
        api.message(U, "学" * 4096)
        wait_text(api, U, refusal("学" * 4096, "duty", "body"), after=n, timeout=10)
        assert bot.assistant.active(f"tg:{U}").partial["duty"] == {"title": reference.DUTY[0][0]}
        assert not bot.app.bot_data and len(messages(api, U)) == n + 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_preview_arrives_as_pages_over_http(api, tmp_path):
    with BotRunner(api, tmp_path / "data"):
        complete(api, U)
        n = len(api.to(U))
        api.message(U, "/preview")
        api.wait_sent(lambda s: any(x.method == "sendDocument" and x.chat_id == U for x in s[n:]), 60)
        wait_text(api, U, part("complete"), after=len(messages(api, U)) - 1)  # the screen again, after the files
        sent = [s for s in api.to(U)[n:] if s.method in ("sendMessage", "sendPhoto", "sendDocument")]
        # 「正在生成预览」 at once, then the page and the PDF (not dozens of messages), then the buttons
        assert [s.method for s in sent] == ["sendMessage", "sendPhoto", "sendDocument", "sendMessage"]
        name, data = sent[2].files["document"]
        assert name.endswith(".pdf") and data[:4] == b"%PDF" and "共" in sent[2].text

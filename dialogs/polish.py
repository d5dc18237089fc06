"""Optional writing help: one paragraph rewritten into report register by a language model, under the fact lock.

The core declares the port (`Writer`, in ports.py) and owns the procedure: build the request,
clean the reply, check it (Chinese, length, facts), retry once naming what was
wrong, and give up rather than show a suggestion that changes a fact. The
adapter that talks to a server lives outside the core (llm/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import Violation, check
from .ports import Writer, WriterError


@dataclass(frozen=True)
class Request:
    """What the model is told about the paragraph: where it stands in which report."""

    text: str
    unit: str
    year: str
    section: str
    question: str
    example: str
    max_length: int


@dataclass(frozen=True)
class Outcome:
    """A checked suggestion, or the message key saying why there is none."""

    text: str = ""
    problem: str = ""  # message key when there is no suggestion
    detail: str = ""  # the violations that made the model's tries unusable, in words
    violations: tuple[Violation, ...] = ()  # the same, structured: which rule, which fact


SYSTEM = (
    "你是县级政府部门的公文写作助手。把用户给出的一段话改写成《法治政府建设情况报告》的正式公文语体。"
    "硬性要求：1. 原文中的每个数字连同单位和“余、多、近、约”等字样、每个《》书名、每个日期、每个单位或人名都必须原样保留；"
    "2. 不得增加原文没有的任何数字、书名、日期、单位、人名、荣誉或事实，“未、没有、不、无”等否定词必须保留，"
    "每个数字仍对应原来的事项；3. 只输出改写后的这一段正文，不要标题、编号、引号、链接、格式符号或解释；"
    "4. 使用简体中文。"
)


def messages(req: Request, problems: list[str] | None = None) -> list[dict[str, str]]:
    """The chat messages for one try (the second try names what the first one got wrong)."""
    context = f"单位：{req.unit}；年度：{req.year}年；所在部分：{req.section}；这一段回答的问题：{req.question}"
    user = f"{context}\n字数不超过{req.max_length}字。\n"
    if req.example:
        user += f"语体参考（只学写法，不要照抄内容）：{req.example}\n"
    user += f"原文：{req.text}"
    out = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
    if problems:
        out.append(
            {
                "role": "user",
                "content": "上一次改写不合格：" + "；".join(problems) + "。请重新改写，事实必须与原文完全一致。",
            }
        )
    return out


def cleaned(reply: str) -> str:
    """The paragraph without code fences, quotes, a leading label or trailing blank lines."""
    s = reply.strip()
    s = re.sub(r"^```[a-z]*\n?|\n?```$", "", s).strip()
    s = re.sub(r"^(?:改写后|改写|润色后|正文)[：:]\s*", "", s)
    if len(s) >= 2 and s[0] in '“"「' and s[-1] in '”"」':
        s = s[1:-1].strip()
    return s


def _unusable(text: str, req: Request) -> str:
    """Why a reply cannot be offered at all (empty, not Chinese, too long), or ''."""
    if not text:
        return "polish_bad_reply"
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    if han < max(4, len(text) // 3):
        return "polish_bad_reply"
    if req.max_length and len(text) > req.max_length:
        return "polish_too_long"
    return ""


async def polish(writer: Writer, req: Request) -> Outcome:
    """At most two tries; a suggestion is returned only if it keeps every fact and adds none."""
    problems: list[str] | None = None
    found: list[Violation] = []
    for _ in range(2):
        try:
            text = cleaned(await writer.complete(messages(req, problems)))
        except WriterError as exc:
            return Outcome(problem=f"polish_{exc.kind}")
        bad = _unusable(text, req)
        if bad:
            return Outcome(problem=bad)
        found = check(req.text, text)
        if not found:
            return Outcome(text=text)
        problems = [str(v) for v in found]
    return Outcome(problem="polish_changed_facts", detail="；".join((problems or [])[:3]), violations=tuple(found))

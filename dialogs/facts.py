"""The fact lock: what a rewrite must keep (figures, 《titles》, dates, names, negations) and may not add.

Deterministic and mechanical on purpose: a suggestion that fails is never shown as is.

- Figures keep their qualifier, scale and unit as written: 「1.5万元」 and 「15000元」 are
  different facts, and so are 「30余场」 and 「30场」. Chinese numerals are read first, so
  「三次」 is the same fact as 「3次」 and 「三百余人次」 as 「300余人次」.
- Each figure is paired with the content words of its clause (「检查企业12家」): a word
  that moves to another figure is a change (「立案查处企业12家，检查3家」).
- Organisations (…局/委/院/办/所/中心/政府/公司) and people (jieba's `nr` tag, via rjieba)
  are kept; none may be swapped in or added.
- Negations (未/没有/不/无/尚未 …) are counted; honour and ranking words (荣获/先进/示范/第一 …),
  links, markup and instructions to the reader may not be added.

The segmenter is loaded on first use (about 0.1 s and 30 MB), never at import.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .numbers import HALF_WIDTH, QUALIFIERS, UNITS, NumberError, alternation, chinese_to_number

_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]|\d{4}年(?:度|以来|底|初)?")
_CLAUSE = re.compile(r"[。；;！!？?\n:]|,(?!\d{3})")
_TITLE = re.compile(r"《[^》]{1,60}》")
_QUOTED = re.compile(r"“[^”]{2,30}”")

# ---------------------------------------------------------------- figures
_UNIT_WORDS = UNITS | set("年 月 倍 岁 课时 学时 个月 周".split())
_UNIT = "|".join(re.escape(u) for u in sorted(_UNIT_WORDS - {"%"}, key=len, reverse=True))
_CN = "〇零一二两三四五六七八九十百千万亿"
_NUMBER = re.compile(
    rf"(?P<pre>{alternation(QUALIFIERS)})?"
    rf"(?:(?P<ar>\d+(?:,\d{{3}})*(?:\.\d+)?)|(?P<cn>[{_CN}][{_CN}点]*))"
    rf"(?P<suf>余|多)?(?P<scale>[万亿])?(?P<unit>%|{_UNIT})?(?P<post>左右|以上|上下)?"
)
_PERCENT_CN = re.compile(rf"百分之(?P<cn>[{_CN}点]+)")
# Chinese numerals that are words, not figures (一起 = together, 两个维护 = a slogan).
_NOT_FIGURES = re.compile(
    r"一起(?!案|事)|一年来|一年以来|一件事|一次性|一次办|一门式|一部分|一条龙|一张网|一本账|一张图|一把手|"
    r"进一步|统一|唯一|之一|万一|百姓|千方百计|[一二两三四五六七八九十]个(?:维护|确立|意识|自信|代表|务必|全面|到位)|"
    r"[一二两三四五六七八九十][人户企案事][一二两三四五六七八九十]"
)


@dataclass(frozen=True)
class Figure:
    """One figure in a text: its key as written (Chinese numerals read) and where it stands."""

    key: str
    start: int
    end: int


def _numeral(cn: str, scale: str) -> tuple[str, str] | None:
    """Arabic digits for a Chinese numeral, keeping a trailing 万/亿 as written (三万 -> 3, 万)."""
    if not scale and len(cn) > 1 and cn[-1] in "万亿":
        cn, scale = cn[:-1], cn[-1]
    if cn[0] in "百千万亿":
        cn = "一" + cn
    try:
        value = chinese_to_number(cn)
    except NumberError:
        return None
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return text, scale


def _figure_key(m: re.Match[str], text: str) -> str | None:
    """The figure's key (近300余人次), or None when the match is not a figure."""
    pre, suf, scale, unit, post = (m.group(g) or "" for g in ("pre", "suf", "scale", "unit", "post"))
    number = (m.group("ar") or "").replace(",", "")
    if m.group("cn"):
        bare = m.group("cn")[0] in "百千万亿" and not (pre or suf)
        if not unit or bare or text[m.start() - 1 : m.start()] == "第":
            return None  # 十分, 百姓, 第三: words, not figures
        read = _numeral(m.group("cn"), scale)
        if read is None:
            return None
        number, scale = read
    return pre + number + suf + scale + unit + post


def figures(text: str) -> list[Figure]:
    """Figures in a half-width text whose dates are masked, in order."""
    skip = [range(m.start(), m.end()) for m in _NOT_FIGURES.finditer(text)]
    out: list[Figure] = []
    for m in _PERCENT_CN.finditer(text):
        read = _numeral(m.group("cn"), "")
        if read:
            out.append(Figure(read[0] + "%", m.start(), m.end()))
    taken = [range(f.start, f.end) for f in out]
    for m in _NUMBER.finditer(text):
        if any(m.start() in r for r in skip + taken):
            continue
        key = _figure_key(m, text)
        if key:
            out.append(Figure(key, m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


# ---------------------------------------------------------------- words (segmenter)
@functools.cache
def _segmenter():
    """rjieba (jieba's dictionary and HMM in Rust): imported on first use, when it loads its dictionary."""
    import rjieba

    return rjieba


def tagged(clause: str) -> list[tuple[str, str, int]]:
    """(word, POS tag, offset) for each word of a clause."""
    out, at = [], 0
    for word, tag in _segmenter().tag(clause):
        out.append((word, tag, at))
        at += len(word)
    return out


def _content(word: str, tag: str) -> bool:
    """A word that says what a figure counts: a noun or verb of two characters or more."""
    return len(word) >= 2 and tag[:1] in ("n", "v", "i", "l") and not tag.startswith("nr") and not word[0].isdigit()


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c.strip()]


def _pairs(clause: str) -> list[tuple[str, frozenset[str]]]:
    """Each figure of a clause with the content words before it (or after it, when none come before)."""
    words = tagged(clause)
    found = figures(clause)
    out = []
    for i, f in enumerate(found):
        lo = found[i - 1].end if i else 0
        hi = found[i + 1].start if i + 1 < len(found) else len(clause)
        before = {w for w, t, at in words if lo <= at and at + len(w) <= f.start and _content(w, t)}
        after = {w for w, t, at in words if f.end <= at and at + len(w) <= hi and _content(w, t)}
        out.append((f.key, frozenset(before or after)))
    return out


# ---------------------------------------------------------------- names
_ORG_SUFFIX = re.compile(
    r"(?:公司|集团|医院|学校|大学|学院|中心|协会|委员会|办公室|领导小组|政府|法院|检察院|研究院|研究所|"
    r"派出所|司法所|事务所|大队|支队|中队|[局委院办所厅站队])$"
)
_NOT_ORGS = frozenset(
    "场所 住所 处所 厕所 网站 车站 团队 我局 本局 该局 全局 大局 格局 结局 布局 当局 开局 公司 政府 "
    "法治政府 数字政府 服务型政府 责任政府 诚信政府 廉洁政府".split()
)
_SHORT_ORGS = frozenset("县委 市委 省委 区委 纪委 党委 法院 医院 学院 税务局".split())
_NAME_TAGS = ("n", "ns", "nt", "nz", "j", "zg", "b", "vn")
_LEADING = "由和与及同对在向从为将把被经跟"
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙")
_NOT_PEOPLE = frozenset(
    "荣获 明确 明显 严格 严肃 严厉 高度 常态 安全 全面 万元 成效 时间 文明 和谐 方面 宣传周".split()
)
_COMRADE = re.compile(r"(?=([\u4e00-\u9fff]{2,3})同志)")


def _org_word(word: str, tag: str) -> bool:
    """A noun ending in an organisation suffix (a one-character suffix needs three characters: 带队 is not one)."""
    m = _ORG_SUFFIX.search(word)
    if not m or tag[:1] != "n" or word in _NOT_ORGS:
        return False
    return len(word) >= 3 or (len(m.group(0)) > 1 and len(word) > len(m.group(0))) or word in _SHORT_ORGS


def _org_core(words: list[str]) -> str:
    """The shortest run of the name's last words that is at least 7 characters (or the whole name)."""
    core = ""
    for w in reversed(words):
        core = w + core
        if len(core) >= 7:
            break
    return core.lstrip(_LEADING) or core


def _orgs(clause: str) -> list[str]:
    """Organisation names: a noun ending in an organisation suffix, with the nouns before it."""
    words = tagged(clause)
    out = []
    for i, (w, t, _) in enumerate(words):
        if not _org_word(w, t):
            continue
        j = i
        while j > 0 and i - j < 4 and words[j - 1][1] in _NAME_TAGS and words[j - 1][0] not in _NOT_ORGS:
            j -= 1
        out.append(_org_core([x[0] for x in words[j : i + 1]]))
    return out


def _is_person(word: str) -> bool:
    if word in _NOT_PEOPLE or not 2 <= len(word) <= 4:
        return False
    if word.startswith(_COMPOUND_SURNAMES):
        return len(word) >= 3
    return word[0] in _SURNAMES and len(word) <= 3


def _people(clause: str) -> list[str]:
    """Person names: the segmenter's `nr` words with a common surname, and names before 同志."""
    out = [w for w, t, _ in tagged(clause) if t in ("nr", "nrfg") and _is_person(w)]
    out += [m.group(1) for m in _COMRADE.finditer(clause) if _is_person(m.group(1))]
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- negations, honours, injections
# A negation is a word that starts with one of these (未发生, 不高, 无证, 尚未); its family is what it denies.
_NEGATION_FAMILY = {
    "未": "未",
    "没": "未",
    "尚": "未",
    "并": "未",
    "从": "未",
    "不": "不",
    "决": "不",
    "绝": "不",
    "无": "无",
    "毫": "无",
}
_NEGATION_WORDS = frozenset("未 没有 没 尚未 并未 从未 未曾 未能 不 决不 绝不 无 毫无".split())
_NOT_NEGATIONS = frozenset(
    "不断 不仅 不少 不但 不管 不论 不同 不时 不久 不过 不禁 不妨 不免 不已 不然 不动产 未来 未成年 未成年人 "
    "无论 无缝 无纸化 无人机 无线 没收".split()
)
_HONOUR = re.compile(
    r"荣获|获评|获得|称号|被评为|评为|评选为|先进|示范|表彰|嘉奖|表扬|荣誉|首位|前列|前茅|名列|位居|位列|排名|"
    r"第一(?!责任人|时间|次|批|季度|阶段|步|条|款|章|节|项|部分|个|是)|[一二三]等奖|金奖|优秀|获奖|标杆|典范|模范|冠军"
)
_URL_CHARS = r"[A-Za-z0-9./:?#=&%~+_@-]"
_LINK = re.compile(
    rf"https?://{_URL_CHARS}+|www\.{_URL_CHARS}+|(?<![A-Za-z0-9-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|cn|net|org|io|top|xyz|info|me)\b{_URL_CHARS}*",
    re.I,
)
_MARKUP = re.compile(
    r"\*\*|__|`|^\s*#{1,6}\s|^\s*[-*+]\s|^\s*\d+[.)]\s|\[[^\]]*\]\([^)]*\)|</?[a-zA-Z][^>]*>|^\s*>", re.M
)
_INSTRUCTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|所有|先前)|ignore\s+(?:all\s+|the\s+)?(?:previous|above|prior)|disregard|"
    r"system\s*prompt|系统提示|提示词|请点击|点击(?:链接|此处|这里|下方|以下)|扫码|扫描二维码|访问网址|"
    r"作为(?:一个)?(?:AI|人工智能|语言模型)",
    re.I,
)


def _is_negation(word: str) -> bool:
    """未/没有/不/无 and words made with them (不高, 无证, 尚未), not 不断, 未来, 没收 or 不动产."""
    if word in _NEGATION_WORDS:
        return True
    return word[0] in "未没不无" and word not in _NOT_NEGATIONS and not any(word.startswith(x) for x in _NOT_NEGATIONS)


def _negations(text: str) -> list[tuple[str, str]]:
    """(family, the negation with the word after it) for each negation word."""
    out = []
    for clause in _clauses(text):
        words = tagged(clause)
        for i, (w, _, _) in enumerate(words):
            if _is_negation(w):
                out.append((_NEGATION_FAMILY[w[0]], w + (words[i + 1][0] if i + 1 < len(words) else "")))
    return out


def _honours(text: str) -> list[tuple[str, str]]:
    """(honour word, the clause from it on) for each honour or ranking word."""
    out = []
    for clause in _clauses(text):
        for m in _HONOUR.finditer(clause):
            out.append((m.group(0), clause[m.start() : m.start() + 20].split(",")[0]))
    return out


# ---------------------------------------------------------------- the facts of a text
@dataclass(frozen=True)
class Facts:
    """The facts of one text, each as written (half-width; Chinese numerals in Arabic digits)."""

    numbers: tuple[str, ...]
    titles: tuple[str, ...]
    dates: tuple[str, ...]
    quoted: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    pairs: tuple[tuple[str, frozenset[str]], ...] = ()
    negations: tuple[tuple[str, str], ...] = ()
    honours: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.quoted, *self.orgs, *self.people)

    def all(self) -> tuple[str, ...]:
        return (*self.dates, *self.numbers, *self.titles, *self.names)


def half_width(text: str) -> str:
    return text.translate(HALF_WIDTH)


def facts(text: str) -> Facts:
    """Every fact of a text the lock compares."""
    s = half_width(text)
    dates = tuple(m.group(0) for m in _DATE.finditer(s))
    masked = _LINK.sub(lambda m: "□" * len(m.group(0)), _DATE.sub(lambda m: "□" * len(m.group(0)), s))
    clauses = _clauses(masked)
    return Facts(
        numbers=tuple(f.key for c in clauses for f in figures(c)),
        titles=tuple(m.group(0) for m in _TITLE.finditer(s)),
        dates=dates,
        quoted=tuple(m.group(0) for m in _QUOTED.finditer(s)),
        orgs=tuple(dict.fromkeys(o for c in clauses for o in _orgs(c))),
        people=tuple(dict.fromkeys(p for c in clauses for p in _people(c))),
        pairs=tuple(p for c in clauses for p in _pairs(c)),
        negations=tuple(_negations(masked)),
        honours=tuple(_honours(masked)),
    )


# ---------------------------------------------------------------- comparing
@dataclass(frozen=True)
class Violation:
    """One broken rule: `kind` (number, pair, title, date, quoted, org, person, negation, honour,
    link, markup, instruction), the fact as written, and `change` (missing, added, moved)."""

    kind: str
    fact: str
    change: str

    def __str__(self) -> str:
        label = _LABELS.get(self.kind, "")
        if self.change == "moved":
            return f"数字和所指对不上“{self.fact}”"
        return f"{'少了' if self.change == 'missing' else '多了'}{label}“{self.fact}”"


_LABELS = {
    "org": "单位",
    "person": "人名",
    "negation": "否定",
    "honour": "荣誉",
    "link": "链接",
    "markup": "格式符号",
    "instruction": "指令",
}


def _missing_and_added(kind: str, before: tuple[str, ...], after: tuple[str, ...]) -> list[Violation]:
    gone, new = Counter(before) - Counter(after), Counter(after) - Counter(before)
    return [Violation(kind, x, "missing") for x in gone] + [Violation(kind, x, "added") for x in new]


def _kept_names(kind: str, names: tuple[str, ...], other_text: str, change: str) -> list[Violation]:
    """Names not in the other text (a quoted name counts as there when its words are, quoted or not)."""
    return [Violation(kind, n, change) for n in names if n.strip("“”") not in other_text]


def _pair_moves(before: Facts, after: Facts) -> list[Violation]:
    """A content word that leaves its figure for another figure, or a figure that keeps none of its words."""
    was, now = defaultdict(set), defaultdict(set)
    for key, words in before.pairs:
        was[key] |= words
    for key, words in after.pairs:
        now[key] |= words
    out = []
    for key in [k for k in was if k in now]:  # in the text's order: the result is the same every run
        for w in sorted(was[key] - now[key]):
            if any(w in now[m] and w not in was.get(m, ()) for m in now if m != key):
                out.append(Violation("pair", f"{w}{key}", "moved"))
        if was[key] and now[key] and not was[key] & now[key] and not any(v.fact.endswith(key) for v in out):
            out.append(Violation("pair", f"{min(was[key])}{key}", "moved"))
    return out


def _negation_changes(before: Facts, after: Facts) -> list[Violation]:
    had, has = Counter(f for f, _ in before.negations), Counter(f for f, _ in after.negations)
    out = []
    for family in (had - has).keys():
        out.append(Violation("negation", next(p for f, p in before.negations if f == family), "missing"))
    for family in (has - had).keys():
        out.append(Violation("negation", next(p for f, p in after.negations if f == family), "added"))
    return out


def _added_honours(before: Facts, after: Facts) -> list[Violation]:
    extra = Counter(w for w, _ in after.honours) - Counter(w for w, _ in before.honours)
    shown: list[str] = []
    for word, phrase in after.honours:
        if extra[word] and not any(phrase in s or s in phrase for s in shown):
            shown.append(phrase)
    return [Violation("honour", p, "added") for p in shown]


def _injections(original: str, rewrite: str) -> list[Violation]:
    """Links the user did not write; markup or instructions when the user wrote none."""
    out = [Violation("link", m.group(0)[:40], "added") for m in _LINK.finditer(rewrite) if m.group(0) not in original]
    for kind, pattern in (("markup", _MARKUP), ("instruction", _INSTRUCTION)):
        if not pattern.search(original):
            out += [Violation(kind, m.group(0).strip()[:30], "added") for m in pattern.finditer(rewrite)]
    return list(dict.fromkeys(out))


def check(original: str, rewrite: str) -> list[Violation]:
    """Every rule the rewrite breaks, in a fixed order; [] when it keeps every fact and adds none."""
    before, after = facts(original), facts(rewrite)
    src, dst = half_width(original), half_width(rewrite)
    out = _missing_and_added("date", before.dates, after.dates)
    out += _missing_and_added("number", before.numbers, after.numbers)
    out += _missing_and_added("title", before.titles, after.titles)
    out += _kept_names("quoted", before.quoted, dst, "missing") + _kept_names("quoted", after.quoted, src, "added")
    out += _kept_names("org", before.orgs, dst, "missing") + _kept_names("org", after.orgs, src, "added")
    out += _kept_names("person", before.people, dst, "missing") + _kept_names("person", after.people, src, "added")
    out += _pair_moves(before, after)
    out += _negation_changes(before, after)
    out += _added_honours(before, after)
    out += _injections(src, dst)
    return list(dict.fromkeys(out))


def violations(original: str, rewrite: str) -> list[str]:
    """What the rewrite dropped, added or moved, in words for the user and for the model's second try."""
    return [str(v) for v in check(original, rewrite)]

"""The keyword coach: warns (never blocks) when a brand keyword is too generic to be remembered."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass


def N_(message: str) -> str:
    """Mark a message for translation; it is translated when the advice is given."""
    return message


@dataclass(frozen=True)
class Advice:
    code: str
    message: str
    example: str

    def as_dict(self) -> dict:
        return asdict(self)


#: why each warning matters, in English; the catalogue translates them
MESSAGES = {
    "missing": N_("Write one line that says what you do, so people can repeat it after the event."),
    "generic": N_("This says where you work, not what you do. Hundreds of people at the event could say "
                  "the same; name the problem you work on or who you help."),
    "job_title": N_("A job title alone is easy to forget. Add what you do with it, or for whom."),
    "vague": N_("Words like \"various\" or \"things\" leave nothing to remember. Name one concrete thing."),
    "too_short": N_("This is very short. One specific phrase about your work is easier to remember."),
}

#: a specific keyword to show next to each warning, per language
EXAMPLES = {
    "ja": {
        "missing": "AIと教育を掛け合わせる仕事をしています",
        "generic": "AIと教育を掛け合わせる仕事をしています",
        "job_title": "製造現場のデータを見える化するエンジニアです",
        "vague": "町の商店の経理をクラウドで自動化しています",
        "too_short": "AIと教育を掛け合わせる仕事をしています",
    },
    "en": {
        "missing": "I build AI tools for teachers",
        "generic": "I build AI tools for teachers",
        "job_title": "I'm the engineer who makes factory data visible",
        "vague": "I automate bookkeeping for small shops",
        "too_short": "I build AI tools for teachers",
    },
}

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")

JOB_TITLES_EN = {
    "engineer", "software engineer", "developer", "software developer", "web developer", "programmer",
    "consultant", "designer", "manager", "product manager", "project manager", "sales", "salesperson",
    "marketer", "marketing", "freelancer", "entrepreneur", "founder", "ceo", "cto", "student",
    "researcher", "teacher", "analyst", "data scientist", "office worker", "employee", "businessperson",
    "businessman", "businesswoman", "writer", "architect", "accountant", "lawyer", "director", "it",
}
JOB_TITLES_JA = {
    "エンジニア", "ソフトウェアエンジニア", "開発者", "プログラマー", "プログラマ", "コンサルタント",
    "コンサル", "デザイナー", "マネージャー", "マネジャー", "営業", "営業職", "マーケター", "マーケティング",
    "フリーランス", "起業家", "経営者", "社長", "学生", "大学生", "研究者", "教師", "先生", "エンジニア職",
    "事務", "事務職", "公務員", "会社員", "サラリーマン", "ビジネスマン", "ライター", "アナリスト", "経理",
}

GENERIC_PATTERNS = [
    # "I work in IT", "I work at an IT company", "working for a big company", "in tech"
    re.compile(r"\b(work(ing|s)?|am|i'm|im)\s+(in|at|for)\s+(an?\s+|the\s+)?"
               r"((it|tech|technology|software|web|internet|finance|consulting|big|large|small|"
               r"japanese|global|foreign)\s*)*(company|companies|firm|corporation|startup|industry|"
               r"business|sector|it|tech|technology|software|finance)\b"),
    re.compile(r"\b(an?\s+)?(it|tech|company|office)\s+(worker|employee|guy|person|professional)\b"),
    re.compile(r"\b(i\s+)?(have\s+a\s+)?(normal|regular|ordinary)\s+(job|work)\b"),
    re.compile(r"\bi\s+work\s*$"),
    re.compile(r"(it|ＩＴ|web|ウェブ|ソフトウェア|外資|大手|中小|ベンチャー)?\s*(系|関係|関連)?\s*"
               r"(企業|会社|業界|メーカー|商社|銀行)\s*(で|に)\s*(働|勤|務)"),
    re.compile(r"(it|ＩＴ)\s*(系|関係|関連|業界)"),
    re.compile(r"会社員|サラリーマン|ビジネスマン|勤め人|普通の仕事|一般企業"),
]

VAGUE = re.compile(
    r"いろいろ|色々|いろんな|様々|さまざま|何でも|なんでも|何か|なにか|などなど|的なこと"
    r"|\b(various|varied|things|thing|stuff|something|anything|everything|whatever|etc|misc|"
    r"miscellaneous|all sorts|lots of)\b"
)

# How a keyword is dressed around a bare title: "I'm an engineer.", 「エンジニアです」
EN_WRAPPER = re.compile(r"^(i\s*'?\s*a?m|i\s+work\s+as|working\s+as|my\s+job\s+is)?\s*(an?\s+|the\s+)?(.*?)$")
JA_WRAPPER = re.compile(r"^(私は|わたしは|僕は|ぼくは|仕事は)?(.*?)(をしています|をやっています|してます|をしてます|です|やってます|だ)?$")
PUNCT = re.compile(r"[\s.!?,。、！？・「」『』\"'()（）]+")

TOO_SHORT_CJK = 8
TOO_SHORT_WORDS = 3


def _normalise(keyword: str) -> str:
    text = unicodedata.normalize("NFKC", keyword).casefold().strip()
    return text.replace("’", "'")


def _bare(text: str, japanese: bool) -> str:
    """The keyword without "I'm a" / 「です」 and punctuation, to compare with job titles."""
    text = PUNCT.sub(" ", text).strip()
    if japanese:
        match = JA_WRAPPER.match(text.replace(" ", ""))
        return match.group(2) if match else text
    match = EN_WRAPPER.match(text)
    return (match.group(3) if match else text).strip()


def language_of(keyword: str, locale: str) -> str:
    """Examples follow the keyword's script, else the interface language."""
    if CJK.search(keyword):
        return "ja"
    if re.search(r"[A-Za-z]", keyword):
        return "en"
    return "ja" if str(locale).startswith("ja") else "en"


def detect(keyword: str) -> list[str]:
    """The warning codes for a keyword, most useful first; empty when it is specific enough."""
    text = _normalise(keyword or "")
    if not text:
        return ["missing"]
    japanese = bool(CJK.search(text))
    codes: list[str] = []
    bare = _bare(text, japanese)
    titles = JOB_TITLES_JA if japanese else JOB_TITLES_EN
    if any(p.search(text) for p in GENERIC_PATTERNS):
        codes.append("generic")
    elif bare in titles or bare.casefold() in JOB_TITLES_EN:
        codes.append("job_title")
    if VAGUE.search(text):
        codes.append("vague")
    if not codes:
        compact = PUNCT.sub("", text)
        short = len(compact) < TOO_SHORT_CJK if japanese else len(bare.split()) < TOO_SHORT_WORDS
        if short:
            codes.append("too_short")
    return codes


def advise(keyword: str, locale: str = "en", *,
           translate: Callable[[str], str] | None = None) -> list[Advice]:
    """Advice for a brand keyword: why it may not be remembered and a specific example."""
    translate = translate or (lambda message: message)
    examples = EXAMPLES[language_of(keyword or "", locale)]
    return [Advice(code, translate(MESSAGES[code]), examples[code]) for code in detect(keyword)]

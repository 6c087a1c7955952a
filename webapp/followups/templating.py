"""Follow-up templates: the built-in ja and en defaults (templates/emails/), rendered in Jinja's sandbox (pure)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import SecurityError

from webapp.followups import sandbox

#: the only variables a template can use (documented on the template page and in the README); all are
#: text ('' when there is nothing to say). A line in [[ … ]] is left for the user to write: a follow-up
#: is never queued with one in it (wording.fill_ins)
VARIABLES = {
    "contact_name": "their name",
    "contact_company": "their company ('' when unknown)",
    "event_name": "the event where you met ('' when none)",
    "conversation": "what you talked about at this event, as noted",
    "topic": "the same as a short quoted topic (「…」 or “…”); '' when the notes are longer than a topic",
    "earlier_conversation": "what you talked about the time before ('' when nothing was noted)",
    "earlier_topic": "the same as a short quoted topic",
    "earlier_event_name": "where you met the time before ('' when unknown)",
    "met_before": "'yes' when you had met before ('' the first time)",
    "promise": "what you promised and have not done yet, from every meeting ('' when nothing)",
    "memorable": "something memorable about them",
    "my_name": "your name",
    "my_keyword": "your brand keyword",
    "my_card_url": "the link to your card",
}
#: variables templates may no longer use, and why; a template stored earlier sees them as ''
RETIRED = {
    "needs": "{{ needs }} is no longer available: their need is private and never goes into an email. "
             "If you want to mention it, write it in the draft yourself",
}

#: where the built-in email texts live (the style guide's templates/emails/<name>.txt)
EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"


def builtin_text(name: str, locale: str) -> dict[str, str]:
    """A built-in text from templates/emails/<name>_<locale>.txt: its first line is the subject, the
    rest after one empty line the body (read as is, so the body keeps its final newline)."""
    subject, _blank, body = (EMAILS / f"{name}_{locale}.txt").read_text(encoding="utf-8").partition("\n\n")
    return {"subject": subject, "body": body}


#: the built-in follow-up templates, one per language a draft is written in
DEFAULTS = {locale: builtin_text("followup", locale) for locale in ("ja", "en")}

SAMPLE = {
    "contact_name": "山田 花子", "contact_company": "いちご", "event_name": "AI Meetup",
    "conversation": "教育AI", "topic": "「教育AI」", "earlier_conversation": "採用", "earlier_topic": "「採用」",
    "earlier_event_name": "PyCon JP", "met_before": "yes", "promise": "記事を送る", "memorable": "青いスカーフ",
    "my_name": "Taro", "my_keyword": "AI tools for teachers", "my_card_url": "https://ichigo.example/c/x",
}

#: the longest each variable can be (the capture, profile and event forms' limits), for the check at save
LONGEST = {"contact_name": 100, "contact_company": 100, "event_name": 100, "conversation": 2000, "needs": 1000,
           "topic": 62, "earlier_conversation": 500, "earlier_topic": 62, "earlier_event_name": 100,
           "met_before": 3, "promise": 844, "memorable": 280, "my_name": 100, "my_keyword": 60, "my_card_url": 200}

_env = sandbox.make_environment()


@dataclass
class TemplateProblem(Exception):
    part: str  # subject or body
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.part}, line {self.line}" if self.line else self.part
        return f"{where}: {self.reason}"


def _template_line(exc: BaseException) -> int | None:
    """The template line a render-time error came from (Jinja rewrites the traceback to it)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@lru_cache(maxsize=64)
def _compiled(part: str, source: str) -> Template:
    """Parse, vet and compile one part. Cached: drafting for an event renders the same template for
    every contact met there, and compiling is most of the cost (a failure is not cached). A compiled
    template within the limits holds at most about 250 KB, so the cache at most about 16 MB."""
    try:
        sandbox.check_source(source)
        tree = _env.parse(source)
        sandbox.vet(tree)
        return _env.from_string(tree)
    except sandbox.Refused as exc:
        raise TemplateProblem(part, exc.line, exc.reason) from None
    except RecursionError:
        raise TemplateProblem(part, None, "the template is nested too deeply") from None


def _render_part(part: str, source: str, values: dict, deadline: float) -> str:
    """Compile and render one part within the limits; any failure becomes a TemplateProblem with
    its line and reason."""
    try:
        with sandbox.metered(deadline) as meter:
            pieces = []
            for piece in _compiled(part, source).generate(**values):
                meter.write(piece)
                pieces.append(piece)
        return "".join(pieces)
    except TemplateProblem:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, exc.lineno, exc.message or "syntax error") from exc
    except sandbox.LimitExceeded as exc:
        raise TemplateProblem(part, _template_line(exc), str(exc)) from exc
    except UndefinedError as exc:
        reason = exc.message or "undefined"
        if isinstance(exc, SecurityError):
            raise TemplateProblem(part, _template_line(exc), f"not allowed: {_plain(reason)}") from exc
        raise TemplateProblem(part, _template_line(exc), f"{reason}; use only: {', '.join(VARIABLES)}") from exc
    except SecurityError as exc:
        raise TemplateProblem(part, _template_line(exc), f"not allowed: {_plain(str(exc))}") from exc
    except Exception as exc:  # a template is user code: any failure is a refusal, never a 500
        raise TemplateProblem(part, _template_line(exc), str(exc) or type(exc).__name__) from exc


def _plain(reason: str) -> str:
    """Jinja names a refused callable by its repr ("<function str.format at 0x7f…>"): say its name."""
    return re.sub(r"<(?:built-in )?(?:function|method) ([\w.]+)(?: of [^>]*)? at 0x[0-9a-f]+>", r"\1", reason)


def _deadline() -> float:
    return sandbox.monotonic() + sandbox.RENDER_SECONDS


def _check_retired(part: str, source: str) -> None:
    try:
        tree = _env.parse(source)
    except TemplateSyntaxError:
        return  # rendering reports it, with its line
    for node in tree.find_all(nodes.Name):
        if node.name in RETIRED:
            raise TemplateProblem(part, node.lineno, RETIRED[node.name])


def check_template(subject: str, body: str) -> None:
    """Refuse a broken template with the line and the reason (syntax, unknown or retired variable,
    unsafe, over a limit), tried with short sample details and with the longest a contact can have."""
    retired = dict.fromkeys(RETIRED, "")  # refused below with their own reason, not as unknown
    longest = {**retired, **{name: "あ" * LONGEST.get(name, 280) for name in VARIABLES}}
    for values, note in (({**retired, **SAMPLE}, ""), (longest, "with the longest details a contact can have, ")):
        for part, source in (("subject", subject), ("body", body)):
            try:
                rendered = _render_part(part, source, values, _deadline())
            except TemplateProblem as exc:
                raise TemplateProblem(exc.part, exc.line, note + exc.reason) from exc
            if part == "subject" and ("\n" in rendered.strip() or "\r" in rendered):
                raise TemplateProblem(part, None, "the subject must stay on one line")
    for part, source in (("subject", subject), ("body", body)):  # vetted above: its depth is bounded
        _check_retired(part, source)


def render(subject: str, body: str, variables: dict) -> tuple[str, str]:
    """Subject and body for one contact; raises TemplateProblem if the template fails on this data
    or would go over a limit."""
    values = {**dict.fromkeys(RETIRED, ""), **{key: variables.get(key) or "" for key in VARIABLES}}
    deadline = _deadline()
    out_subject = " ".join(_render_part("subject", subject, values, deadline).split())
    out_body = re.sub(r"\n{3,}", "\n\n", _render_part("body", body, values, deadline)).strip() + "\n"
    return out_subject[:200], out_body

"""Follow-up templates: built-in ja and en defaults, rendered in Jinja's sandbox (pure)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

#: the only variables a template can use (documented on the template page and in the README)
VARIABLES = {
    "contact_name": "their name",
    "contact_company": "their company ('' when unknown)",
    "event_name": "the event where you met ('' when none)",
    "conversation": "what you talked about",
    "promise": "what you promised ('' when nothing)",
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

DEFAULTS = {
    "ja": {
        "subject": "{% if event_name %}{{ event_name }}では{% else %}先日は{% endif %}ありがとうございました（{{ my_name }}）",
        "body": """{{ contact_name }}様

{% if event_name %}{{ event_name }}で{% else %}先日{% endif %}お話しさせていただいた{{ my_name }}です。
{% if conversation %}{{ conversation }}のお話、とても印象に残っています。ありがとうございました。
{% else %}お時間をいただき、ありがとうございました。
{% endif %}{% if promise %}
お約束していた「{{ promise }}」の件、お送りします。
{% endif %}
また近いうちにお話しできればうれしいです。

{{ my_name }}
{{ my_keyword }}
{{ my_card_url }}
""",
    },
    "en": {
        "subject": "Thank you for {{ 'our chat at ' ~ event_name if event_name else 'the conversation' }} – {{ my_name }}",
        "body": """Hi {{ contact_name }},

It was good to meet you{% if event_name %} at {{ event_name }}{% endif %}.
{% if conversation %}Thank you for telling me about {{ conversation }} – it stayed with me.
{% endif %}{% if promise %}
As promised: {{ promise }}.
{% endif %}
I hope we can talk again soon.

{{ my_name }}
{{ my_keyword }}
{{ my_card_url }}
""",
    },
}

SAMPLE = {
    "contact_name": "山田 花子", "contact_company": "いちご", "event_name": "AI Meetup",
    "conversation": "教育AI", "promise": "記事を送る", "memorable": "青いスカーフ",
    "my_name": "Taro", "my_keyword": "AI tools for teachers", "my_card_url": "https://ichigo.example/c/x",
}

#: a template is user code run on the server: no loops, macros or includes (there is nothing to
#: loop over), only filters and string methods that cannot blow a short text up, bounded * and **
MAX_TEXT = 20_000
SAFE_FILTERS = ("default", "d", "upper", "lower", "title", "capitalize", "trim", "truncate", "length",
                "first", "last", "string")
SAFE_METHODS = frozenset({"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith",
                          "endswith", "casefold"})
REFUSED_NODES = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.Import, nodes.FromImport,
                 nodes.Include, nodes.Extends, nodes.Block)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def is_safe_callable(self, obj) -> bool:
        return type(getattr(obj, "__self__", None)) is str and getattr(obj, "__name__", "") in SAFE_METHODS

    def call_binop(self, context, operator, left, right):
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting with % is not available")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_TEXT:
                    raise SecurityError("the result would be too long")
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(right) > 64 or (abs(left) > 1 and right * math.log2(abs(left)) > 64):
                raise SecurityError("the number would be too large")
        return super().call_binop(context, operator, left, right)


_env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_env.globals.clear()
_env.filters = {name: _env.filters[name] for name in SAFE_FILTERS}


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


@lru_cache(maxsize=256)
def _compiled(part: str, source: str) -> Template:
    """Parse, vet and compile one part. Cached: drafting for an event renders the same template for
    every contact met there, and compiling is most of the cost (a failure is not cached)."""
    tree = _env.parse(source)
    for node in tree.find_all(REFUSED_NODES):
        raise TemplateProblem(part, node.lineno, f"{{% {type(node).__name__.lower()} %}} is not available "
                                                 "in follow-up templates")
    return _env.from_string(tree)


def _render_part(part: str, source: str, values: dict) -> str:
    """Compile and render one part; any failure becomes a TemplateProblem with its line and reason."""
    try:
        out = _compiled(part, source).render(**values)
    except TemplateProblem:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, exc.lineno, exc.message or "syntax error") from exc
    except UndefinedError as exc:
        reason = exc.message or "undefined"
        if isinstance(exc, SecurityError):
            raise TemplateProblem(part, _template_line(exc), f"not allowed: {reason}") from exc
        raise TemplateProblem(part, _template_line(exc), f"{reason}; use only: {', '.join(VARIABLES)}") from exc
    except SecurityError as exc:
        raise TemplateProblem(part, _template_line(exc), f"not allowed: {exc}") from exc
    except Exception as exc:  # a template is user code: any failure is a refusal, never a 500
        raise TemplateProblem(part, _template_line(exc), str(exc) or type(exc).__name__) from exc
    if len(out) > MAX_TEXT:
        raise TemplateProblem(part, None, "the text would be too long")
    return out


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
    unsafe)."""
    for part, source in (("subject", subject), ("body", body)):
        _check_retired(part, source)
        rendered = _render_part(part, source, SAMPLE)
        if part == "subject" and ("\n" in rendered.strip() or "\r" in rendered):
            raise TemplateProblem(part, None, "the subject must stay on one line")


def render(subject: str, body: str, variables: dict) -> tuple[str, str]:
    """Subject and body for one contact; raises TemplateProblem if the template fails on this data."""
    values = {**dict.fromkeys(RETIRED, ""), **{key: variables.get(key) or "" for key in VARIABLES}}
    out_subject = " ".join(_render_part("subject", subject, values).split())
    out_body = re.sub(r"\n{3,}", "\n\n", _render_part("body", body, values)).strip() + "\n"
    return out_subject[:200], out_body

"""The sandbox a follow-up template runs in: what it may use, and a bound on what one render may cost (pure).

A template is user code run on the server, once per contact. Jinja's sandbox keeps it away from
Python's internals; this module keeps it from costing more than a few MB or about a second:

- what can repeat is gone: no loops, macros, includes, blocks or `{% set %}…{% endset %}`, so each
  part of the template runs at most once and the work is bounded by the template's size;
- what can grow is metered: every text, number or list the template computes (`~`, `+`, `*`, `**`,
  filters, string methods, slicing) counts against a per-value limit and a per-render total,
  checked before the big operations and after the others, whose growth is a small factor;
- lists, tuples and dicts may hold only written-out values and cannot be joined or repeated, so
  no structure can be nested or shared into an exponential text (`str`) or comparison (`==`);
- the output is counted as it streams, and a deadline is checked at every metered step.

The meter lives in a context variable: it belongs to the thread (or task) rendering, so it works
the same in gunicorn's sync workers, its threads and tests, where signals and watchdog threads
would not (a signal reaches only the main thread; a thread cannot be stopped from outside).
"""
from __future__ import annotations

import functools
import math
from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic
from typing import Iterator

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

#: characters in the source of one part (what the template form accepts for the body)
MAX_SOURCE = 5_000
#: parts (tags, variables, operators, texts) in one part: compiling costs about 10 KB and 0.1 ms each
#: (the built-in body has about 40)
MAX_NODES = 400
#: nesting of tags and expressions; compiling deeper code costs more than the rest of the render
MAX_DEPTH = 30
#: characters one part may render: what a follow-up's body can hold (about 15 KB of Japanese)
MAX_OUTPUT = 5_000
#: characters in any one text the template computes
MAX_VALUE = 10_000
#: characters computed in all during one render, so what is kept in variables stays small
MAX_WORK = 100_000
#: bits in a number the template computes
MAX_INT_BITS = 128
#: one render of a subject and body
RENDER_SECONDS = 1.0

SAFE_FILTERS = ("default", "d", "upper", "lower", "title", "capitalize", "trim", "truncate", "length",
                "first", "last", "string")
SAFE_METHODS = frozenset({"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith",
                          "endswith", "casefold"})
#: the only kinds of node a template may contain (anything else is refused before it runs)
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Assign, nodes.With,
    nodes.Name, nodes.Const, nodes.List, nodes.Tuple, nodes.Dict, nodes.Pair, nodes.Keyword,
    nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Call, nodes.Filter, nodes.Test,
    nodes.Concat, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.BinExpr, nodes.UnaryExpr,
)
LITERALS = (nodes.Const, nodes.List, nodes.Tuple, nodes.Dict, nodes.Pair)
TAG_NAMES = {"For": "for", "Macro": "macro", "CallBlock": "call", "FilterBlock": "filter", "Block": "block",
             "Extends": "extends", "Include": "include", "Import": "import", "FromImport": "from … import",
             "AssignBlock": "set … endset", "EvalContextModifier": "autoescape",
             "ScopedEvalContextModifier": "autoescape", "ExprStmt": "do", "Continue": "continue",
             "Break": "break"}


class LimitExceeded(SecurityError):
    """The template would cost more than a limit allows (the message names the limit)."""


class Refused(Exception):
    """The template uses something follow-up templates do not offer (found before it runs)."""

    def __init__(self, line: int | None, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


class Meter:
    """What one render has computed and written so far, and when it must stop."""

    def __init__(self, *, deadline: float | None = None):
        self.deadline = deadline if deadline is not None else monotonic() + RENDER_SECONDS
        self.work = 0
        self.output = 0

    def tick(self) -> None:
        if monotonic() > self.deadline:
            raise LimitExceeded(f"the template took longer than {RENDER_SECONDS:g} second to render")

    def charge(self, value) -> None:
        """Count a value the template computed; refuse one over a limit."""
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            if value.bit_length() > MAX_INT_BITS:
                raise LimitExceeded(f"a number would be larger than {MAX_INT_BITS} bits")
        elif isinstance(value, (str, list, tuple, dict)):
            _check_length(len(value))
            self.work += len(value)
            if self.work > MAX_WORK:
                raise LimitExceeded(f"the template would compute more than {MAX_WORK:,} characters in all")
        self.tick()

    def write(self, text: str) -> None:
        self.output += len(text)
        if self.output > MAX_OUTPUT:
            raise LimitExceeded(f"the text would be longer than {MAX_OUTPUT:,} characters")
        self.tick()


_meter: ContextVar[Meter | None] = ContextVar("template_meter", default=None)


@contextmanager
def metered(deadline: float) -> Iterator[Meter]:
    """A meter for what runs inside, in this thread (or task) only."""
    meter = Meter(deadline=deadline)
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def current() -> Meter:
    # compile-time constant folding runs outside a render: a fresh meter still bounds each value
    return _meter.get() or Meter()


def _check_length(length: int) -> None:
    if length > MAX_VALUE:
        raise LimitExceeded(f"a text would be longer than {MAX_VALUE:,} characters")


def _is_container(value) -> bool:
    return isinstance(value, (list, tuple, dict))


class _MeteredCode(CodeGenerator):
    """Compiles `a ~ b ~ …` to a metered join (Jinja's own is not intercepted by the sandbox)."""

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.concat_values((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _MeteredCode
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def is_safe_callable(self, obj) -> bool:
        return type(getattr(obj, "__self__", None)) is str and getattr(obj, "__name__", "") in SAFE_METHODS

    def call_binop(self, context, operator, left, right):
        meter = current()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting with % is not available")
        if _is_container(left) or _is_container(right):
            if operator in ("+", "*"):
                raise SecurityError("lists cannot be joined or repeated")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str) and isinstance(n, int):
                    _check_length(len(seq) * n)
        if operator == "+" and isinstance(left, str) and isinstance(right, str):
            _check_length(len(left) + len(right))
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(right) > 64 or (abs(left) > 1 and right * math.log2(abs(left)) > 64):
                raise LimitExceeded("a number would be too large")
        result = super().call_binop(context, operator, left, right)
        meter.charge(result)
        return result

    def concat_values(self, parts: tuple) -> str:
        """`a ~ b ~ …`: each part as text, refused as soon as the total would be over the limit."""
        texts, length = [], 0
        for part in parts:
            text = part if isinstance(part, str) else str(part)
            length += len(text)
            _check_length(length)
            texts.append(text)
        result = "".join(texts)
        current().charge(result)
        return result

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        result = super().call(__context, __obj, *args, **kwargs)
        current().charge(result)
        return result

    def getitem(self, obj, argument):
        result = super().getitem(obj, argument)
        if result is not obj:
            current().charge(result)
        return result

    def getattr(self, obj, attribute):
        result = super().getattr(obj, attribute)
        if result is not obj:
            current().charge(result)
        return result


def _metered_filter(fn):
    @functools.wraps(fn)  # keeps Jinja's pass_environment mark
    def run(*args, **kwargs):
        result = fn(*args, **kwargs)
        if not any(result is arg for arg in args):
            current().charge(result)
        return result

    return run


def make_environment() -> Sandbox:
    env = Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()  # no range, lipsum, dict, cycler, joiner or namespace
    env.filters = {name: _metered_filter(env.filters[name]) for name in SAFE_FILTERS}
    return env


def _depth(tree: nodes.Node) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def check_source(source: str) -> None:
    """Refuse a source over the size limit before it is parsed."""
    if len(source) > MAX_SOURCE:
        raise Refused(None, f"the template is longer than {MAX_SOURCE:,} characters")


def vet(tree: nodes.Template) -> None:
    """Refuse what a follow-up template may not use, before it is compiled or run."""
    if _depth(tree) > MAX_DEPTH:
        raise Refused(None, "the template is nested too deeply")
    for count, node in enumerate(tree.find_all(nodes.Node), start=2):
        if count > MAX_NODES:
            raise Refused(None, f"the template has more than {MAX_NODES} parts (tags, variables, operators)")
        if not isinstance(node, ALLOWED_NODES):
            name = TAG_NAMES.get(type(node).__name__, type(node).__name__.lower())
            raise Refused(node.lineno, f"{{% {name} %}} is not available in follow-up templates")
        if isinstance(node, (nodes.List, nodes.Tuple, nodes.Dict)) and getattr(node, "ctx", "load") == "load":
            if not all(isinstance(inner, LITERALS) for inner in node.find_all(nodes.Node)):
                raise Refused(node.lineno, "lists, tuples and dicts may hold only written-out values "
                                           "(text or numbers)")

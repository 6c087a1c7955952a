"""Template limits: no template, however written, costs more than a few MB or about a second; one
over a limit is refused at save with the reason, a render that would exceed one fails with it (pure)."""
import itertools
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.followups import sandbox, templating
from webapp.followups.templating import VARIABLES, TemplateProblem, check_template, render

#: "a few MB": the most one check (compile and two renders) may hold at its peak
PEAK_BYTES = 6 * 1024 * 1024


def checked(body: str, subject: str = "件名") -> tuple[TemplateProblem | None, int]:
    """Save-time check of a template, from a cold cache: the problem (or None) and the peak memory."""
    templating._compiled.cache_clear()
    tracemalloc.start()
    try:
        check_template(subject, body)
        problem = None
    except TemplateProblem as exc:
        problem = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return problem, peak


def rendered(body: str, values: dict) -> tuple[TemplateProblem | None, int]:
    """One render for a contact, from a cold cache: the problem (or None) and the peak memory."""
    templating._compiled.cache_clear()
    tracemalloc.start()
    try:
        render("件名", body, values)
        problem = None
    except TemplateProblem as exc:
        problem = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return problem, peak


def doubling(step: str, times: int = 22, start: str = "my_card_url") -> str:
    return "{% set x = " + start + " %}" + step * times + "{{ x|length }}"


#: each of these, unchecked, takes from tens of MB to gigabytes, or seconds of CPU
NASTY = {
    "doubling with ~": doubling("{% set x = x ~ x %}"),
    "doubling with +": doubling("{% set x = x + x %}"),
    "doubling a set block": doubling("{% set x %}{{ x }}{{ x }}{% endset %}", 20),
    "doubling the text of a list": "{% set a = [my_name, my_name] %}" + "{% set a = [a, a] %}" * 22
                                   + "{{ a|string|length }}",
    "a list of big texts repeated": "{% set x = 'a' * 9000 %}{{ ([x] * 2000)|string|length }}",
    "a list doubled with +": "{% set l = [my_name] %}" + "{% set l = l + l %}" * 22 + "{{ l|string|length }}",
    "one concatenation of many parts": "{% set x = 'a' * 9000 %}{{ (" + " ~ ".join(["x"] * 1000) + ")|length }}",
    "a number squared again and again": "{% set n = 2 ** 64 %}" + "{% set n = n * n %}" * 22 + "{{ n > 0 }}",
    "equal nested lists compared": "{% set a = [my_name] %}{% set b = [my_name] %}"
                                   + "{% set a = [a, a] %}{% set b = [b, b] %}" * 23 + "{{ a == b }}",
    "many big copies kept in variables": "{% set x = 'a' * 4000 %}"
                                         + "".join("{%% set v%d = x ~ x %%}" % n for n in range(60)),
    "the same big text printed again and again": "{% set x = 'a' * 9000 %}" + "{{x}}" * 300,
    "a huge literal": "{{ '" + "a" * 100_000 + "' }}",
    "deeply nested conditions": "{% if 1 %}" * 300 + "x" + "{% endif %}" * 300,
    "deeply nested brackets": "{{ " + "(" * 1000 + "1" + ")" * 1000 + " }}",
    "padding through str.format": "{{ '{:>999999999}'.format(1) }}",
    "growing through a long `end` of truncate": doubling("{% set x = x|truncate(1, true, x ~ x) %}", 22),
    "upper-casing ligatures": "{% set x = 'ﬃ' * 3000 %}" + "{% set x = x ~ x.upper() %}" * 12 + "{{ x|length }}",
}


@pytest.mark.parametrize("body", NASTY.values(), ids=NASTY.keys())
def test_a_nasty_template_is_refused_at_save_with_its_reason_within_a_few_mb(body):
    problem, peak = checked(body)
    assert problem is not None and problem.part == "body" and problem.reason
    assert peak < PEAK_BYTES, f"{peak / 1e6:.1f} MB"


def test_the_issues_template_is_refused_naming_the_limit():
    problem, _peak = checked("{% set x = conversation %}" + "{% set x = x ~ x %}" * 15 + "{{ x }}")
    assert problem.part == "body" and "10,000 characters" in problem.reason


def test_a_template_longer_than_the_limit_is_refused_before_it_runs():
    problem, _peak = checked("ありがとうございました。\n" * 500)
    assert (problem.part, problem.line) == ("body", None) and "5,000 characters" in problem.reason
    problem, _peak = checked("本文", subject="あ" * 5001)
    assert problem.part == "subject" and "5,000 characters" in problem.reason


def test_big_texts_kept_in_many_variables_are_refused_past_the_total():
    problem, _peak = checked(NASTY["many big copies kept in variables"])
    assert "more than 100,000 characters in all" in problem.reason


def test_a_text_longer_than_a_follow_up_can_hold_is_refused():
    problem, _peak = checked("{{ 'あ' * 4000 }}\n{{ 'い' * 1001 }}")
    assert "longer than 5,000 characters" in problem.reason
    problem, _peak = checked(NASTY["the same big text printed again and again"])
    assert "longer than 5,000 characters" in problem.reason


def test_deep_nesting_is_refused_with_a_reason_a_person_understands():
    for depth in (40, 200):
        problem, _peak = checked("{% if 1 %}" * depth + "x" + "{% endif %}" * depth)
        assert "nested" in problem.reason and "recursion" not in problem.reason


def test_a_template_of_too_many_parts_is_refused():
    problem, _peak = checked("{% if my_name %}.{% endif %}" * 150)
    assert "more than 400 parts" in problem.reason


@pytest.mark.parametrize("body", [
    "{{ [contact_name, my_name]|string }}",
    "{% set pair = contact_name, my_name %}{{ pair }}",
    "{{ {'a': contact_name} }}",
])
def test_lists_may_hold_only_written_out_values(body):
    problem, _peak = checked(body)
    assert "written-out values" in problem.reason


def test_lists_of_written_out_values_still_work():
    check_template("件名", "{% if event_name in ['PyCon JP', 'AI Meetup'] %}{{ ['a', 'b'][1] }}{% endif %}")


def test_a_template_that_only_blows_up_with_long_details_is_refused_at_save():
    body = "{% set x = conversation %}" + "{% set x = x ~ x %}" * 6 + "{{ x|truncate(20) }}"
    render("件名", body, {"conversation": "教育AI"})  # fine with short notes...
    problem, _peak = checked(body)  # ...but not with the longest a contact can have
    assert problem.part == "body" and "longest details" in problem.reason


def test_a_render_that_would_exceed_a_limit_fails_with_a_clear_reason():
    body = "{% if contact_name == 'Ken' %}{{ conversation }}\n{{ conversation }}\n{{ conversation }}{% endif %}"
    check_template("件名", body)  # the samples are not Ken
    assert render("件名", body, {"contact_name": "Hanako", "conversation": "あ" * 2000})
    with pytest.raises(TemplateProblem) as caught:
        render("件名", body, {"contact_name": "Ken", "conversation": "あ" * 2000})
    assert caught.value.part == "body" and "longer than 5,000 characters" in caught.value.reason


def test_a_render_past_its_time_is_stopped(monkeypatch):
    clock = itertools.count(start=0.0, step=0.1)  # every look at the clock: a tenth of a second later
    monkeypatch.setattr(sandbox, "monotonic", lambda: next(clock))
    body = "".join("{%% set v%d = contact_name ~ '%d' %%}" % (n, n) for n in range(40)) + "{{ v39 }}"
    with pytest.raises(TemplateProblem) as caught:
        render("件名", body, {"contact_name": "Ken"})
    assert "took longer than 1 second" in caught.value.reason


def test_the_built_in_templates_pass_with_the_longest_details():
    for locale in templating.DEFAULTS:
        check_template(templating.DEFAULTS[locale]["subject"], templating.DEFAULTS[locale]["body"])


#: building blocks of a template that tries to grow something: text, lists, numbers, output
GROW = ["{% set x = x ~ x %}", "{% set x = x + x %}", "{% set y = x ~ x ~ x ~ x %}", "{% set y = [x, y] %}",
        "{% set x = y|string %}", "{% set n = n * n %}", "{% set x %}{{ x }}{{ y }}{% endset %}",
        "{% set z = x ~ x %}{% set x = z ~ z %}"]
STEPS = st.sampled_from(GROW * 3 + [
    "{% set x = x ~ y %}", "{% set x = x * 3 %}",
    "{% set x = x|string %}", "{% set x = x.upper() %}", "{% set x = (x ~ y)|title %}", "{% set x = x[::-1] %}",
    "{% set y = ['a', 'b'] + ['c'] %}", "{% set y = ['ab'] * 9 %}", "{% set x = x|truncate(5, true, x ~ x) %}",
    "{% set n = n ** 2 %}", "{% set n = n + n %}", "{{ x }}", "{{ y }}{{ n }}", "{% if x %}{% set y = y ~ x %}{% endif %}",
    "{{ x|length }}",
    "{% if x == y %}{{ x }}{% endif %}", "{% set x = x|default(y)|trim %}",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEPS, min_size=15, max_size=50))
def test_no_mix_of_growing_steps_costs_more_than_a_few_mb(steps):
    body = "{% set x = conversation %}{% set y = my_name %}{% set n = 99 %}" + "".join(steps)
    for problem, peak in (checked(body), rendered(body, {"conversation": "あ" * 2000, "my_name": "Ken"})):
        assert peak < PEAK_BYTES, f"{peak / 1e6:.1f} MB"
        assert problem is None or problem.reason


def test_every_documented_variable_still_renders_within_the_limits():
    values = {name: f"<{name}>" for name in VARIABLES}
    subject, body = render(" ".join("{{ %s }}" % n for n in VARIABLES), "\n".join("{{ %s }}" % n for n in VARIABLES),
                           values)
    assert all(f"<{name}>" in body for name in VARIABLES)


def test_a_refused_call_is_named_without_a_memory_address():
    from webapp.followups.templating import TemplateProblem, check_template

    with pytest.raises(TemplateProblem) as refused:
        check_template("x", '{{ "{:>9}".format(contact_name) }}')
    assert "str.format" in refused.value.reason and " at 0x" not in refused.value.reason

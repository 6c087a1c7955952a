"""Follow-up templates: the built-in ja/en texts, and broken or unsafe templates refused with line and reason (pure)."""
import pytest

from webapp.followups.templating import DEFAULTS, VARIABLES, TemplateProblem, check_template, render

FULL = {
    "contact_name": "佐藤 花子", "contact_company": "いちご商事", "event_name": "PyCon JP",
    "conversation": "教育現場でのAI活用", "needs": "エンジニア採用", "promise": "記事のリンクを送る",
    "memorable": "青いスカーフ", "my_name": "山田 太郎", "my_keyword": "AIと教育を掛け合わせる仕事をしています",
    "my_card_url": "https://ichigo.test/c/abcdefghijkl",
}


def problem(subject="件名", body="本文"):
    with pytest.raises(TemplateProblem) as caught:
        check_template(subject, body)
    return caught.value


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_builtin_templates_pass_their_own_check(locale):
    check_template(DEFAULTS[locale]["subject"], DEFAULTS[locale]["body"])


def test_japanese_default_quotes_the_topic_leaves_the_promise_to_write_and_never_the_need():
    subject, body = render(DEFAULTS["ja"]["subject"], DEFAULTS["ja"]["body"], {**FULL, "topic": "「教育現場でのAI活用」"})
    assert subject == "PyCon JPではありがとうございました（山田 太郎）"
    assert body.startswith("佐藤 花子様\n")
    for text in ("「教育現場でのAI活用」のお話、とても印象に残っています。",
                 "[[ お約束の件（記事のリンクを送る）：お送りするものやご連絡をここに書いてください ]]",
                 "AIと教育を掛け合わせる仕事をしています", "https://ichigo.test/c/abcdefghijkl"):
        assert text in body
    assert "エンジニア採用" not in body


def test_english_default_quotes_the_topic_leaves_the_promise_to_write_and_never_the_need():
    values = {**FULL, "contact_name": "Hanako", "conversation": "AI in classrooms", "topic": "“AI in classrooms”",
              "needs": "hiring engineers", "promise": "send the pilot deck", "my_name": "Taro"}
    subject, body = render(DEFAULTS["en"]["subject"], DEFAULTS["en"]["body"], values)
    assert subject == "Thank you for our chat at PyCon JP – Taro"
    assert body.startswith("Hi Hanako,\n\nIt was good to meet you at PyCon JP.\n")
    for text in ("Thank you for telling me about “AI in classrooms” – it stayed with me.",
                 "[[ What I promised (send the pilot deck): write it here, or add the link ]]",
                 "https://ichigo.test/c/abcdefghijkl"):
        assert text in body
    assert "hiring engineers" not in body and "As promised: send" not in body


@pytest.mark.parametrize("locale,line", [("ja", "[[ お話しした内容にふれる一文をここに書いてください ]]"),
                                         ("en", "[[ Write one line here about what you talked about ]]")])
def test_notes_that_are_not_a_topic_become_a_line_to_write(locale, line):
    values = {**FULL, "conversation": "He is moving to Osaka. Wants intros", "topic": "", "promise": ""}
    _subject, body = render(DEFAULTS[locale]["subject"], DEFAULTS[locale]["body"], values)
    assert line in body and "moving to Osaka" not in body


@pytest.mark.parametrize("locale,line", [
    ("ja", "前回PyCon APACでうかがった「採用」のお話、その後いかがですか。"),
    ("en", "Last time, at PyCon APAC, we spoke about “hiring” – I would love to hear how it has gone since."),
])
def test_what_was_said_the_time_before_is_recalled(locale, line):
    values = {**FULL, "earlier_conversation": "採用", "earlier_topic": "「採用」" if locale == "ja" else "“hiring”",
              "earlier_event_name": "PyCon APAC", "met_before": "yes"}
    _subject, body = render(DEFAULTS[locale]["subject"], DEFAULTS[locale]["body"], values)
    assert line in body
    if locale == "en":
        assert "It was good to see you again at PyCon JP." in body


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_empty_details_leave_no_gaps_or_dangling_sentences(locale):
    values = {"contact_name": "Hanako", "my_name": "Taro", "my_card_url": "https://ichigo.test/c/x"}
    subject, body = render(DEFAULTS[locale]["subject"], DEFAULTS[locale]["body"], values)
    assert "\n\n\n" not in body and body.endswith("https://ichigo.test/c/x\n")
    assert "「」" not in body and "As promised" not in body and "None" not in body
    assert "\n" not in subject


def test_a_syntax_error_names_line_three():
    found = problem(body="こんにちは\n{{ contact_name }}様\n{% if promise %}約束\n")
    assert (found.part, found.line) == ("body", 3)
    assert "body, line 3" in str(found)


def test_an_unknown_variable_is_named_with_its_line_and_the_allowed_ones():
    found = problem(body="Hi {{ contact_name }},\n\n{{ contact_phone }}")
    assert found.line == 3
    assert "contact_phone" in found.reason and "my_card_url" in found.reason


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ contact_name.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
])
def test_sandbox_escapes_are_refused(source):
    found = problem(body="line one\n" + source)
    assert found.part == "body" and found.line == 2


@pytest.mark.parametrize("source,reason", [
    ("{{ 'x' * 1000000000 }}", "longer than 10,000 characters"),
    ("{{ 9 ** 999999 }}", "too large"),
    ("{{ contact_name.ljust(1000000000) }}", "not safely callable"),
    ("{{ '%0999999999d' % 1 }}", "not available"),
    ("{% for c in conversation %}{% for d in conversation %}x{% endfor %}{% endfor %}", "not available"),
    ("{{ conversation|center(1000000000) }}", "No filter named 'center'"),
    ("{% macro m() %}{% endmacro %}", "not available"),
])
def test_templates_cannot_blow_up_the_server(source, reason):
    assert reason in problem(body=source).reason


def test_the_subject_must_stay_on_one_line():
    found = problem(subject="Hello\n{{ contact_name }}\nthere")
    assert found.part == "subject"


def test_harmless_filters_methods_and_conditions_are_allowed():
    check_template("{{ event_name|default('先日')|trim }}: {{ contact_name.upper() }}",
                   "{% if promise %}{{ promise|truncate(40) }}{% else %}-{% endif %}\n{{ my_name ~ '!' }}")


def test_every_documented_variable_can_be_used():
    check_template(" ".join("{{ %s }}" % name for name in VARIABLES), "\n".join("{{ %s }}" % n for n in VARIABLES))


def test_the_private_need_is_refused_in_a_template_with_its_line_and_why():
    assert "needs" not in VARIABLES
    found = problem(subject="{{ needs }}について")
    assert (found.part, found.line) == ("subject", 1) and "private" in found.reason
    found = problem(body="こんにちは\n{% if needs %}「{{ needs }}」{% endif %}")
    assert (found.part, found.line) == ("body", 2)


def test_a_template_stored_before_sees_the_need_as_empty():
    subject, body = render("件名", "「{{ needs }}」{% if needs %}秘密{% endif %}", {**FULL})
    assert body == "「」\n"

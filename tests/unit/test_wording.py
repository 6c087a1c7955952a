"""How notes become words in a draft (pure): a topic is quoted as a topic, a note that is not one
becomes a line for the user to write, a line left to write is found, lines from notes are marked."""
import pytest

from webapp.followups.wording import as_topic, fill_ins, join_promises, mark_notes, suggest_line


@pytest.mark.parametrize("note,ja,en", [
    ("Offline-first tutoring app architecture", "「Offline-first tutoring app architecture」",
     "“Offline-first tutoring app architecture”"),
    ("教育AI", "「教育AI」", "“教育AI”"),
    ("教育AIの話", "「教育AI」", "“教育AI”"),
    ("地方の学校でのAI導入について", "「地方の学校でのAI導入」", "“地方の学校でのAI導入”"),
    ("We talked about hiring.", "「hiring」", "“hiring”"),
    ("「教育AI」", "「教育AI」", "“教育AI”"),
    ("  pilot results  ", "「pilot results」", "“pilot results”"),
])
def test_a_short_note_is_quoted_as_a_topic(note, ja, en):
    assert as_topic(note, "ja") == ja and as_topic(note, "en") == en


@pytest.mark.parametrize("note", [
    "",
    "教育AIの話をした。来月また会う",
    "He is moving to Osaka. Wants intros to teachers",
    "line one\nline two",
    "x" * 61,
])
def test_a_note_that_is_not_a_topic_gives_no_topic(note):
    assert as_topic(note, "ja") == "" and as_topic(note, "en") == ""


def test_promises_are_joined_in_the_language():
    assert join_promises(["記事を送る", "佐藤さんを紹介する"], "ja") == "記事を送る、佐藤さんを紹介する"
    assert join_promises(["send the pilot deck", "intro to Sato-san"], "en") == "send the pilot deck; intro to Sato-san"
    assert join_promises([], "en") == ""


def test_lines_left_to_write_are_found():
    body = "Hi Tom,\n\n[[ Write one line about what you talked about ]]\nThanks\n[[ As promised (deck): add the link ]]"
    assert fill_ins(body) == ["[[ Write one line about what you talked about ]]", "[[ As promised (deck): add the link ]]"]
    assert fill_ins("Hi Tom,\nSee [1] and [[]] or [[ ]] is not a line to write.") == []


def test_the_suggested_line_never_quotes_the_private_need():
    line = suggest_line("ja", has_need=True, topic="「教育AI」")
    assert "課題" in line and "教育AI" not in line
    assert "challenge" in suggest_line("en", has_need=True, topic="")
    assert "“offline apps”" in suggest_line("en", has_need=False, topic="“offline apps”")
    assert suggest_line("ja", has_need=False, topic="") and suggest_line("en", has_need=False, topic="")


def test_text_from_notes_is_marked_line_by_line():
    body = "Hi Tom,\nThank you for telling me about “offline apps” – it stayed with me.\nBye"
    lines = mark_notes(body, ["offline apps", "a", "not there"])
    assert lines[0] == [("Hi Tom,", False)]
    assert lines[1] == [("Thank you for telling me about “", False), ("offline apps", True),
                        ("” – it stayed with me.", False)]
    assert lines[2] == [("Bye", False)]
    assert mark_notes("教育AIと教育AI", ["教育AI", "AI"]) == [[("教育AI", True), ("と", False), ("教育AI", True)]]


def test_a_line_to_write_is_found_whatever_is_inside_it():
    assert fill_ins("[[ What I promised (deck]]v2): add the link ]]") == ["[[ What I promised (deck]]"]
    assert fill_ins("[[ a [b] c\nd ]]") == ["[[ a [b] c\nd ]]"]


def test_a_suggested_line_goes_after_the_opening_paragraphs():
    from webapp.followups.wording import insert_line

    body = "Hi Tom,\n\nIt was good to meet you.\nThanks.\n\nTalk soon.\n\nTaro\n"
    assert insert_line(body, "How is Osaka?") == (
        "Hi Tom,\n\nIt was good to meet you.\nThanks.\n\nHow is Osaka?\n\nTalk soon.\n\nTaro\n")
    assert insert_line("Hi Tom,\n\nThanks.", " How is Osaka? ") == "Hi Tom,\n\nThanks.\n\nHow is Osaka?\n"

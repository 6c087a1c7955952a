"""The follow-up page's by-hand button says what pressing it does; what was done shows as state."""
from html import unescape

import pytest

from tests.followups.test_views import fresh, me, post  # noqa: F401  (fixtures)
from tests.followups.test_views import followup_id  # noqa: F401


@pytest.mark.parametrize("locale,label", [
    ("en", "Mark as sent from my own mail app"),
    ("ja", "自分のメールアプリで送信済みにする"),
])
def test_the_by_hand_button_is_a_verb(client, me, followup_id, locale, label):  # noqa: F811
    from webapp.auth.services import update_settings

    update_settings(me, {"locale": locale})
    html = unescape(client.get(f"/followups/{followup_id}").get_data(as_text=True))
    form = html.split(f'action="/followups/{followup_id}/sent-by-hand"', 1)[1].split("</form>", 1)[0]
    assert f'<button class="button" type="submit">{label}</button>' in form
    post(client, f"/followups/{followup_id}/sent-by-hand")
    assert fresh(followup_id).status == "sent"
    assert label not in unescape(client.get(f"/followups/{followup_id}").get_data(as_text=True))

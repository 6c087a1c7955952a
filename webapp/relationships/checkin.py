"""A keep-in-touch email drafted from a reminder: it joins the follow-up queue as a draft to review."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.auth.models import User
from webapp.contacts.services import get_contact_for
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import ValidationFailed
from webapp.extensions import db
from webapp.followups.history import draft_variables, load_history
from webapp.followups.models import FollowUp
from webapp.followups.schedule import default_send_after
from webapp.followups.templating import builtin_text, render
from webapp.profiles.services import get_profile_for
from webapp.relationships.services import open_followup_for

#: built-in check-in texts, in the follow-up templates' language (same variables; never the private need)
CHECKIN = {locale: builtin_text("checkin", locale) for locale in ("ja", "en")}


@unit_of_work
def draft_checkin(owner: User, contact_id: int, *, card_url: str, now: datetime | None = None) -> FollowUp:
    """A draft keep-in-touch email to the contact, in their language, from every meeting (the latest
    conversation, the promises still open), reviewed and approved like any follow-up; when it is sent
    the queue logs the email, which resets the email rhythm. A draft or queued one already waiting is
    returned instead of a second."""
    now = now or utcnow()
    contact = get_contact_for(owner, contact_id)
    if not contact.email:
        raise ValidationFailed(_l("This contact has no email address."),
                               fields={"contact_id": [_l("This contact has no email address.")]})
    waiting = open_followup_for(owner, contact.id)
    if waiting is not None:
        return waiting
    history = load_history(owner, contact.id)
    last = history.meetings[-1] if history.meetings else None
    texts = CHECKIN[history.language]
    variables = draft_variables(owner, get_profile_for(owner), history, None, last.event_name if last else "",
                                card_url)
    subject, body = render(texts["subject"], texts["body"], {**variables, "memorable": ""})
    followup = FollowUp(owner_id=owner.id, contact_id=contact.id, to=contact.email, subject=subject, body=body,
                        status="draft", send_after=default_send_after(None, owner.timezone, now))
    db.session.add(followup)
    return followup

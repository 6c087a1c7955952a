"""A keep-in-touch email drafted from a reminder: it joins the follow-up queue as a draft to review."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from webapp.auth.models import User
from webapp.contacts.models import Encounter, Promise
from webapp.contacts.services import get_contact_for
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import ValidationFailed
from webapp.events.models import Event
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.schedule import default_send_after
from webapp.followups.templating import render
from webapp.i18n import N_
from webapp.profiles.services import get_profile_for
from webapp.relationships.services import open_followup_for

#: built-in check-in texts, in the follow-up templates' language (same variables; never the private need)
CHECKIN = {
    "ja": {
        "subject": "ご無沙汰しております（{{ my_name }}）",
        "body": """{{ contact_name }}様

ご無沙汰しております。{% if event_name %}{{ event_name }}で{% else %}以前{% endif %}お話しさせていただいた{{ my_name }}です。
{% if conversation %}{{ conversation }}のお話を思い出し、その後いかがお過ごしかと思いご連絡しました。
{% else %}その後いかがお過ごしでしょうか。
{% endif %}{% if promise %}
お約束していた「{{ promise }}」の件、お送りします。
{% endif %}
またお話しできる機会があればうれしいです。

{{ my_name }}
{{ my_keyword }}
{{ my_card_url }}
""",
    },
    "en": {
        "subject": "Checking in – {{ my_name }}",
        "body": """Hi {{ contact_name }},

It has been a while since we talked{% if event_name %} at {{ event_name }}{% endif %}.
{% if conversation %}I was thinking of what you told me about {{ conversation }} and wondered how it is going.
{% else %}I hope all is well with you.
{% endif %}{% if promise %}
As promised: {{ promise }}.
{% endif %}
It would be good to catch up.

{{ my_name }}
{{ my_keyword }}
{{ my_card_url }}
""",
    },
}


@unit_of_work
def draft_checkin(owner: User, contact_id: int, *, card_url: str, now: datetime | None = None) -> FollowUp:
    """A draft keep-in-touch email to the contact, reviewed and approved like any follow-up; when
    it is sent the queue logs the email, which resets the email rhythm. A draft or queued one
    already waiting is returned instead of a second."""
    now = now or utcnow()
    contact = get_contact_for(owner, contact_id)
    if not contact.email:
        raise ValidationFailed(N_("This contact has no email address."),
                               fields={"contact_id": [N_("This contact has no email address.")]})
    waiting = open_followup_for(owner, contact.id)
    if waiting is not None:
        return waiting
    last = db.session.scalar(select(Encounter).where(Encounter.contact_id == contact.id)
                             .order_by(Encounter.met_at.desc(), Encounter.id.desc()).limit(1))
    promise = db.session.scalar(select(Promise.text).where(Promise.contact_id == contact.id,
                                                           Promise.done_at.is_(None)).order_by(Promise.id).limit(1))
    event = db.session.get(Event, last.event_id) if last is not None and last.event_id is not None else None
    profile = get_profile_for(owner)
    texts = CHECKIN.get(owner.locale or "ja", CHECKIN["ja"])
    subject, body = render(texts["subject"], texts["body"], {
        "contact_name": contact.name, "contact_company": contact.company,
        "event_name": event.name if event else "", "conversation": last.conversation if last else "",
        "promise": promise or "", "memorable": "",
        "my_name": profile.name or owner.name, "my_keyword": profile.keyword, "my_card_url": card_url,
    })
    followup = FollowUp(owner_id=owner.id, contact_id=contact.id, to=contact.email, subject=subject, body=body,
                        status="draft", send_after=default_send_after(None, owner.timezone, now))
    db.session.add(followup)
    return followup

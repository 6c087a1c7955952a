"""A follow-up made ready to send: where replies go, the MIME at queue time, and a clear refusal
when a name, the subject or an address cannot go into a mail header safely."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from webapp.auth.models import User
from webapp.contacts.models import Contact
from webapp.errors import ValidationFailed
from webapp.extensions import db
from webapp.followups.compose import UnsafeHeader, compose, make_message_id
from webapp.followups.models import FollowUp
from webapp.i18n import N_
from webapp.profiles.services import get_profile_for

#: what the user is told when a message cannot be composed safely, by the input at fault
UNSAFE = {
    "to_name": _l("The contact's name contains invisible or control characters, or text like “=?…?=”, which "
                  "cannot go into an email. Edit the contact's name, then approve again."),
    "from_name": _l("Your name contains invisible or control characters, or text like “=?…?=”, which cannot go "
                    "into an email. Edit the name in your profile, then approve again."),
    "subject": _l("The subject contains invisible or control characters, or text like “=?…?=”, which cannot go "
                  "into an email. Edit the subject, then approve again."),
    "to_addr": _l("This email address cannot be used for sending. Edit the contact's address, then approve again."),
    "reply_to": _l("Your reply address cannot be used in an email. Check the public email in your profile."),
}
NON_ASCII_ADDRESS = _l("This address has non-ASCII characters before the @, which Ichigo cannot send to. "
                       "Send it from your own mail app instead.")
UNSAFE_OTHER = _l("This message cannot be sent safely.")
#: a follow-up queued before replies went to the login email only by consent: back to draft
#: (set by the migration a7e3c2d91f04, which holds the same text)
REDRAFTED_NOTE = N_("Approved before an update that changed where replies go and what goes into emails. "
                    "Check it and approve it again.")


def find_reply_to(owner: User) -> str | None:
    """Where replies to the user's follow-ups go: the profile's public email; else the login email,
    only once the user agreed to it in Settings; else None (no Reply-To: replies reach MAIL_FROM)."""
    public = get_profile_for(owner).public_email
    if public:
        return public
    return owner.email if owner.is_login_email_reply_to else None


def compose_for(owner: User, followup: FollowUp, now: datetime) -> bytes:
    """The follow-up's MIME as it will go out (fixing its Message-ID once); a 422 ValidationFailed
    (code unsafe_header) that says what to edit when it cannot be composed safely."""
    contact = db.session.get(Contact, followup.contact_id)
    config = current_app.config
    if not followup.message_id:
        followup.message_id = make_message_id(config["MAIL_FROM"].rpartition("@")[2] or "ichigo.local")
    profile = get_profile_for(owner)
    try:
        return compose(from_name=profile.name or owner.name, from_addr=config["MAIL_FROM"],
                       reply_to=find_reply_to(owner) or "", to_name=contact.name if contact else "",
                       to_addr=followup.to, subject=followup.subject, body=followup.body,
                       message_id=followup.message_id, date=now)
    except UnsafeHeader as exc:
        if exc.reason == "non_ascii_local_part" and exc.field == "to_addr":
            message = NON_ASCII_ADDRESS
        else:
            message = UNSAFE.get(exc.field, UNSAFE_OTHER)
        raise ValidationFailed(message, code="unsafe_header",
                               fields={"subject" if exc.field == "subject" else "_schema": [message]}) from exc

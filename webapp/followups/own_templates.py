"""The user's own follow-up templates (one per language), saved only once they render within the limits."""
from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User
from webapp.db_setup import unit_of_work
from webapp.errors import ValidationFailed
from webapp.extensions import db
from webapp.followups.models import MessageTemplate
from webapp.followups.templating import DEFAULTS, TemplateProblem, check_template


def get_template(owner: User, locale: str) -> dict:
    """The user's own template for a locale, else the built-in one."""
    row = db.session.scalar(select(MessageTemplate).where(
        MessageTemplate.owner_id == owner.id, MessageTemplate.locale == locale))
    if row is not None:
        return {"locale": locale, "subject": row.subject, "body": row.body, "is_default": False}
    return {"locale": locale, **DEFAULTS[locale], "is_default": True}


@unit_of_work(retries=1)  # two first saves at once: the second updates the first's row
def save_template(owner: User, locale: str, subject: str, body: str) -> dict:
    """Save a template after rendering it with sample data, short and longest; a broken one, or one
    over a limit, is refused with the part, the line and the reason (checked before the write)."""
    try:
        check_template(subject, body)
    except TemplateProblem as exc:
        raise ValidationFailed(f"The template cannot be used: {exc}", code="template_invalid",
                               fields={exc.part: [str(exc)]}) from exc
    return _store_template(owner, locale, subject, body)


@unit_of_work
def _store_template(owner: User, locale: str, subject: str, body: str) -> dict:
    row = db.session.scalar(select(MessageTemplate).where(
        MessageTemplate.owner_id == owner.id, MessageTemplate.locale == locale))
    if row is None:
        row = MessageTemplate(owner_id=owner.id, locale=locale, subject=subject, body=body)
        db.session.add(row)
    else:
        row.subject, row.body = subject, body
    db.session.flush()
    return get_template(owner, locale)


@unit_of_work
def reset_template(owner: User, locale: str) -> dict:
    """Go back to the built-in template for a locale."""
    db.session.execute(MessageTemplate.__table__.delete().where(
        MessageTemplate.owner_id == owner.id, MessageTemplate.locale == locale))
    return get_template(owner, locale)

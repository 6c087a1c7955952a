"""Follow-up rules: drafts per event, review, queueing (atomic), send now, cancelling, by-hand (the
user's templates live in own_templates)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Select, select, update

from webapp.auth.models import User
from webapp.contacts.models import LANGUAGES, Contact, Encounter, Interaction
from webapp.contacts.touches import record_touch
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.events.services import find_event_for, get_event_for
from webapp.extensions import db
from webapp.followups.history import History, draft_variables, load_histories
from webapp.followups.models import FollowUp
from webapp.followups.outgoing import compose_for
from webapp.followups.own_templates import get_template, reset_template, save_template  # noqa: F401 (views, API)
from webapp.followups.schedule import default_send_after, next_allowed
from webapp.followups.templating import TemplateProblem, render
from webapp.followups.wording import fill_ins
from webapp.i18n import N_
from webapp.profiles.services import get_profile_for

QUEUEABLE = ("draft", "failed", "unknown")
SEND_NOW_ALONE = N_("Send now queues it for now: leave out the time and any other status.")
FILL_IN_LEFT = N_("This draft still has a line in [[ … ]] for you to write. Write it (or delete it), then approve "
                  "again.")
EDITABLE = ("draft", "queued", "failed", "unknown")


# -- drafts ---------------------------------------------------------------------------------
@dataclass
class DraftResult:
    created: list[FollowUp] = field(default_factory=list)
    #: their ids, read before the commit (reading `created[n].id` after it loads each row again)
    ids: list[int] = field(default_factory=list)
    already: int = 0
    #: people without an email: {contact_id, name}; their texts page through list_skipped
    skipped: list[dict] = field(default_factory=list)
    #: people the template failed for (no draft made): {contact_id, name, part, line, reason}
    failed: list[dict] = field(default_factory=list)


def _templates(owner: User) -> dict:
    """The user's template per language, read once (a draft uses the contact's language)."""
    return {language: get_template(owner, language) for language in LANGUAGES}


def _render_for(owner: User, profile, templates: dict, history: History, event, card_url: str) -> tuple[str, str]:
    template = templates[history.language]
    return render(template["subject"], template["body"], draft_variables(
        owner, profile, history, event.id if event else None, event.name if event else "", card_url))


def _drafted_at(owner: User, event_id: int) -> Select:
    """The contacts who already have a follow-up for a meeting at the event."""
    return (select(FollowUp.contact_id).join(Encounter, FollowUp.encounter_id == Encounter.id)
            .where(FollowUp.owner_id == owner.id, Encounter.event_id == event_id))


def _latest_encounters(owner: User, event, contact_ids=None) -> dict[int, Encounter]:
    """Each contact's latest meeting at the event, by contact id."""
    query = select(Encounter).where(Encounter.owner_id == owner.id, Encounter.event_id == event.id)
    if contact_ids is not None:
        query = query.where(Encounter.contact_id.in_(contact_ids))
    latest: dict[int, Encounter] = {}
    for encounter in db.session.scalars(query.order_by(Encounter.met_at.desc(), Encounter.id.desc())):
        latest.setdefault(encounter.contact_id, encounter)
    return latest


def draft_for_event(owner: User, event_id: int, *, card_url: str, now: datetime | None = None) -> DraftResult:
    """One draft per contact met at the event who has an email and no follow-up for that meeting
    yet. Contacts without an email come back as `skipped`; those the template fails for (or goes
    over a limit for) as `failed`, with the reason: the others are drafted all the same. Rendering
    comes first, outside the write, so the write is short."""
    event = get_event_for(owner, event_id)
    profile, templates = get_profile_for(owner), _templates(owner)
    done_contacts = set(db.session.scalars(_drafted_at(owner, event.id)))
    result, planned, waiting = DraftResult(), [], {}
    for contact_id, encounter in _latest_encounters(owner, event).items():
        if contact_id in done_contacts:
            result.already += 1
        else:
            waiting[contact_id] = encounter
    histories = load_histories(owner, list(waiting))
    for contact_id, encounter in waiting.items():
        history = histories[contact_id]
        contact = history.contact
        if not contact.email:
            result.skipped.append({"contact_id": contact.id, "name": contact.name})
            continue
        try:
            subject, body = _render_for(owner, profile, templates, history, event, card_url)
        except TemplateProblem as exc:
            result.failed.append({"contact_id": contact.id, "name": contact.name, "part": exc.part,
                                  "line": exc.line, "reason": exc.reason})
            continue
        planned.append({"contact_id": contact.id, "encounter_id": encounter.id, "to": contact.email,
                        "subject": subject, "body": body})
    send_after = default_send_after(event.ends_at or event.starts_at, owner.timezone, now or utcnow())
    result.created, result.ids = _store_drafts(owner, event.id, planned, send_after)
    result.already += len(planned) - len(result.created)
    return result


@unit_of_work(retries=1)  # the same button pressed twice at once: the retry finds the other press's drafts
def _store_drafts(owner: User, event_id: int, planned: list[dict], send_after: datetime) -> tuple[list, list]:
    """Write the planned drafts but for the people another press drafted meanwhile; the rows and ids."""
    done = set(db.session.scalars(_drafted_at(owner, event_id)))
    created = [FollowUp(owner_id=owner.id, status="draft", send_after=send_after, **item)
               for item in planned if item["contact_id"] not in done]
    db.session.add_all(created)
    db.session.flush()
    return created, [followup.id for followup in created]


def list_skipped(owner: User, event_id: int, *, card_url: str, after_id: int | None = None,
                 limit: int = 50) -> list[dict]:
    """The people met at the event who have no email (nor a follow-up for it), by contact id, each
    with the text to send another way: {contact_id, name, subject, body, problem}."""
    event = get_event_for(owner, event_id)
    profile, templates = get_profile_for(owner), _templates(owner)
    met = select(Encounter.contact_id).where(Encounter.owner_id == owner.id, Encounter.event_id == event.id)
    contacts = db.session.scalars(select(Contact.id).where(
        Contact.owner_id == owner.id, Contact.email == "", Contact.id > (after_id or 0), Contact.id.in_(met),
        Contact.id.not_in(_drafted_at(owner, event.id))).order_by(Contact.id).limit(limit)).all()
    histories = load_histories(owner, list(contacts))
    texts = []
    for contact_id in contacts:
        history = histories[contact_id]
        text = {"contact_id": contact_id, "name": history.contact.name, "subject": "", "body": "", "problem": ""}
        try:
            text["subject"], text["body"] = _render_for(owner, profile, templates, history, event, card_url)
        except TemplateProblem as exc:
            text["problem"] = str(exc)
        texts.append(text)
    return texts


# -- review ---------------------------------------------------------------------------------
def get_followup_for(owner: User, followup_id: int) -> FollowUp:
    followup = db.session.get(FollowUp, followup_id)
    # a digest (the user's own reminder email) is not a follow-up to review
    if followup is None or followup.owner_id != owner.id or followup.purpose != "followup":
        raise NotFound("No such follow-up.")
    return followup


def contact_names(owner: User, followups: list[FollowUp]) -> dict[int, str]:
    """The names of the contacts these follow-ups go to, by contact id."""
    ids = {followup.contact_id for followup in followups}
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Contact.id, Contact.name).where(Contact.owner_id == owner.id, Contact.id.in_(ids))).tuples().all())


def list_followups(owner: User, *, status: str | None = None, event_id: int | None = None,
                   after_id: int | None = None, limit: int = 50) -> list[FollowUp]:
    """The user's follow-ups, newest first, optionally of one status or for the people met at one event."""
    query = select(FollowUp).where(FollowUp.owner_id == owner.id, FollowUp.purpose == "followup")
    if status:
        query = query.where(FollowUp.status == status)
    if event_id is not None:
        if find_event_for(owner, event_id) is None:
            raise ValidationFailed(fields={"event_id": [N_("No such event.")]})
        query = query.where(FollowUp.encounter_id.in_(select(Encounter.id).where(Encounter.event_id == event_id)))
    if after_id:
        query = query.where(FollowUp.id < after_id)
    return list(db.session.scalars(query.order_by(FollowUp.id.desc()).limit(limit)))


def _queue(owner: User, followup: FollowUp, send_after: datetime | None, now: datetime) -> None:
    """Queue in one statement guarded by the current status, so a double click queues once.

    Without an explicit time, a scheduled time still ahead is kept (the default is never in the
    quiet hours, so one there was picked by the user); a past one becomes the next allowed moment."""
    if send_after is not None:
        when = send_after
    elif followup.send_after is not None and followup.send_after > now:
        when = followup.send_after
    else:
        when = next_allowed(now, owner.timezone)
    for part in ("subject", "body"):
        if fill_ins(getattr(followup, part)):
            raise ValidationFailed(FILL_IN_LEFT, code="fill_in_left", fields={part: [FILL_IN_LEFT]})
    mime = compose_for(owner, followup, now)
    result = db.session.execute(
        update(FollowUp).where(FollowUp.id == followup.id, FollowUp.status.in_(QUEUEABLE + ("queued",)))
        .values(status="queued", send_after=when, mime=mime, message_id=followup.message_id, last_error="")
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("This follow-up is being sent or was already sent.", code="not_queueable")


@unit_of_work
def update_followup(owner: User, followup_id: int, data: dict, *, now: datetime | None = None) -> FollowUp:
    """Edit subject/body, reschedule, queue (approve), send now, or cancel; one unit of work.

    A time in the past means now. `send_now` queues it for now, in the quiet hours too: the user
    asked for it."""
    now = now or utcnow()
    followup = get_followup_for(owner, followup_id)
    data = dict(data)
    if data.pop("send_now", False):
        if data.get("status", "queued") != "queued" or data.get("send_after") is not None:
            raise ValidationFailed(fields={"send_now": [SEND_NOW_ALONE]})
        data.update(status="queued", send_after=now)
    wanted = data.get("status")
    if ("subject" in data or "body" in data or "send_after" in data) and followup.status not in EDITABLE:
        raise Conflict(f"A {followup.status} follow-up cannot be changed.", code="not_editable")
    if data.get("send_after") is not None and data["send_after"] < now:
        data["send_after"] = now
    if any(key in data and data[key] != getattr(followup, key) for key in ("subject", "body")):
        followup.is_edited = True
    for key in ("subject", "body", "send_after"):
        if key in data:
            setattr(followup, key, data[key])
    if wanted == "cancelled":
        result = db.session.execute(
            update(FollowUp).where(FollowUp.id == followup.id, FollowUp.status.in_(EDITABLE))
            .values(status="cancelled").execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict("It is being sent right now or was already sent.", code="not_cancellable")
    elif wanted == "draft":
        if followup.status not in EDITABLE:
            raise Conflict(f"A {followup.status} follow-up cannot go back to draft.", code="not_editable")
        followup.status = "draft"
    elif wanted == "queued" or followup.status == "queued":
        db.session.flush()
        _queue(owner, followup, data.get("send_after") if "send_after" in data else None, now)
    db.session.flush()
    db.session.refresh(followup)
    return followup


@unit_of_work
def approve_all(owner: User, *, now: datetime | None = None) -> int:
    """Queue every draft at its scheduled time; one that cannot be composed safely stays a draft,
    its reason in `last_error`. Returns how many were queued."""
    now = now or utcnow()
    drafts = db.session.scalars(select(FollowUp).where(FollowUp.owner_id == owner.id, FollowUp.status == "draft")).all()
    queued = 0
    for followup in drafts:
        try:
            _queue(owner, followup, None, now)
        except ValidationFailed as exc:
            followup.last_error = exc.message
            continue
        queued += 1
    return queued


@unit_of_work
def resend(owner: User, followup_id: int, *, now: datetime | None = None) -> FollowUp:
    """Send again a follow-up that failed or may have been sent (the user decided)."""
    now = now or utcnow()
    followup = get_followup_for(owner, followup_id)
    if followup.status not in ("failed", "unknown"):
        raise Conflict("Only a failed or uncertain follow-up can be resent.", code="not_resendable")
    _queue(owner, followup, None, now)
    db.session.refresh(followup)
    return followup


@unit_of_work
def mark_sent_by_hand(owner: User, followup_id: int, *, now: datetime | None = None) -> FollowUp:
    """The user sent it from their own mail app: record it as sent and log the touch."""
    now = now or utcnow()
    followup = get_followup_for(owner, followup_id)
    result = db.session.execute(
        update(FollowUp).where(FollowUp.id == followup.id, FollowUp.status.in_(EDITABLE))
        .values(status="sent", is_sent_by_hand=True, sent_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("It is being sent right now or was already sent.", code="not_editable")
    db.session.add(Interaction(owner_id=owner.id, contact_id=followup.contact_id, kind="email", occurred_at=now,
                               follow_up_id=followup.id, note="sent from my own mail app"))
    db.session.execute(record_touch(followup.contact_id, "email", now))  # resets the email rhythm
    db.session.flush()
    db.session.refresh(followup)
    return followup


def mailto_link(followup: FollowUp) -> str:
    return f"mailto:{quote(followup.to)}?subject={quote(followup.subject)}&body={quote(followup.body)}"

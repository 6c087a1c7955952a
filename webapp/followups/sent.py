"""What "sent" means, defined once: the row says sent (when, and no error left), an Interaction logs
the email on the contact, and the contact's last email moves to that moment (its email rhythm
restarts). A digest has no contact: only its row changes.

Three statements with named parameters (`row_id`, `at`, `reply`, `tried`, `by_hand`), written once and run
two ways: on the session's Core connection (`mark_sent`: sent by hand), and compiled once into
the DB-API's own SQL for the worker's raw connection (`raw_sent`: each message, where SQLAlchemy's
per-statement cost would be most of what the worker adds). The row statement comes with a guard, so a
row changes only from the state its writer expects: the worker's own lease (`FENCED`), or a state
the user may still change (services.EDITABLE). The Interaction and the touch follow only when it changed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, literal_column, select, update
from sqlalchemy.sql import ColumnElement

from webapp.db import UTCDateTime
from webapp.contacts.models import Interaction
from webapp.followups.models import FollowUp
from webapp.contacts.touches import record_touch

#: the worker's guard: still its own claim (same fencing token), still sending
FENCED = (FollowUp.fence == bindparam("token")) & (FollowUp.status == "sending")

_AT = bindparam("at", type_=UTCDateTime())
_ID = bindparam("row_id")


def row_statement(guard: ColumnElement):
    """The row: sent at `at`, `tried` more attempts, by hand or not, no lease and no error left."""
    return (update(FollowUp).where(FollowUp.id == _ID, guard)
            .values(status="sent", sent_at=_AT, attempts=FollowUp.attempts + bindparam("tried"),
                    is_sent_by_hand=bindparam("by_hand"), lease_owner="", last_error="", updated_at=_AT)
            .execution_options(synchronize_session=False))


#: the Interaction that logs the email on the contact (none for a digest)
LOG = insert(Interaction).from_select(
    ["owner_id", "contact_id", "kind", "occurred_at", "note", "follow_up_id", "created_at"],
    select(FollowUp.owner_id, FollowUp.contact_id, literal_column("'email'"), _AT, bindparam("reply"),
           FollowUp.id, _AT).where(FollowUp.id == _ID, FollowUp.contact_id.is_not(None)))
#: the contact's last email (webapp/contacts/touches.py), never moved back
TOUCH = record_touch(select(FollowUp.contact_id).where(FollowUp.id == _ID).scalar_subquery(), "email",
                     _AT).values(updated_at=_AT)


def params(followup_id: int, at: datetime, note: str, *, tried: int, by_hand: bool, **guard) -> dict:
    return {"row_id": followup_id, "at": at, "reply": note[:200], "tried": tried, "by_hand": by_hand, **guard}


def mark_sent(conn, values: dict, guard: ColumnElement) -> bool:
    """Run "sent" on a Core connection (the session's: `db.session.connection()`; the caller
    commits); False, and nothing written, when the guard did not hold."""
    if conn.execute(row_statement(guard), values).rowcount != 1:
        return False
    conn.execute(LOG, values)
    conn.execute(TOUCH, values)
    return True


class Raw:
    """Statements compiled once for a DB-API connection of `dialect` (named or pyformat
    parameters); datetimes go through the column type's own bind processor, so they are stored
    exactly as the ORM stores them."""

    def __init__(self, dialect, *statements):
        if dialect.name == "sqlite":  # sqlite3 takes :name as well as ?
            dialect = type(dialect)(paramstyle="named")
        self.statements = []
        for statement in statements:
            compiled = statement.compile(dialect=dialect)
            self.statements.append((str(compiled), dict(compiled.params)))
        self.to_db = UTCDateTime().bind_processor(dialect) or (lambda value: value)

    def bound(self, values: dict) -> list[tuple[str, dict]]:
        """(sql, parameters) for each statement, in order."""
        values = {key: self.to_db(value) if isinstance(value, datetime) else value for key, value in values.items()}
        return [(sql, {**defaults, **values}) for sql, defaults in self.statements]


def raw_sent(dialect, guard: ColumnElement = FENCED) -> Raw:
    """"Sent" for a DB-API connection: the row, the Interaction and the touch, in that order."""
    return Raw(dialect, row_statement(guard), LOG, TOUCH)

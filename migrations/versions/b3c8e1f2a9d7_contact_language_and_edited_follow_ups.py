"""a contact's language (drafts are written in it) and whether a follow-up was edited since drafted

Revision ID: b3c8e1f2a9d7
Revises: f71ed59afe7a
Create Date: 2026-12-08 09:00:00.000000

contacts.language (ja or en) picks the template a contact's follow-ups are drafted from; new
contacts get a guess at capture (webapp/contacts/language.py). Existing contacts are guessed here
from their name, the notes of their meetings and what they wrote themselves when they shared their
contact back, with a frozen copy of that guess (the app's may change later; a migration must not).

follow_ups.is_edited says whether the user changed a draft's subject or body since it was drafted.
Nobody knows that of the follow-ups already there, so they are taken as edited: the review page
never claims a draft is untouched when it may not be.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3c8e1f2a9d7'
down_revision = 'b5d2e8c41a07'
branch_labels = None
depends_on = None

BATCH = 1000
_KANA = re.compile("[\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KANJI = re.compile("[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_VOWEL = "[aeiouāēīōūâêîôû]"
_MORA = rf"(?:(?:[kgsztdnhbpmr]y?|ch|sh|ts|[jywfv])?{_VOWEL}|n(?!{_VOWEL}|y)|[kstpgdbc](?=[kstpgdbc]))"
_ROMANISED = re.compile(rf"(?:{_MORA})+")


def _latin(text):
    return sum(1 for ch in text if ch.isalpha() and (ch < "\u0250" or "\uff21" <= ch <= "\uff5a"))


def _japanese(text):
    return bool(_KANA.search(text) or _KANJI.search(text))


def _guess(name, notes, their_words, fallback):
    """The guess of webapp.contacts.language as of this migration."""
    if _japanese(their_words):
        return "ja"
    kana, latin = len(_KANA.findall(name)), _latin(name)
    if _KANJI.search(name) or (kana and kana >= latin):
        return "ja"
    if latin:
        words = name.lower().split()
        romanised = len(words) >= 2 and all(_ROMANISED.fullmatch(word) for word in words)
        return "ja" if _japanese(notes) and romanised else "en"
    if _japanese(notes):
        return "ja"
    if _latin(notes):
        return "en"
    return fallback if fallback in ("ja", "en") else "ja"


def upgrade():
    op.add_column('contacts', sa.Column('language', sa.String(length=2), server_default='ja', nullable=False))
    op.add_column('follow_ups', sa.Column('is_edited', sa.Boolean(), server_default=sa.false(), nullable=False))
    follow_ups = sa.table('follow_ups', sa.column('is_edited', sa.Boolean))
    op.execute(follow_ups.update().values(is_edited=True))

    contacts = sa.table('contacts', sa.column('id', sa.Integer), sa.column('owner_id', sa.Integer),
                        sa.column('name', sa.String), sa.column('language', sa.String))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('locale', sa.String))
    encounters = sa.table('encounters', sa.column('contact_id', sa.Integer), sa.column('source', sa.String),
                          sa.column('conversation', sa.Text), sa.column('needs', sa.Text),
                          sa.column('memorable', sa.Text))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(contacts.c.id, contacts.c.name, users.c.locale)
                            .join(users, users.c.id == contacts.c.owner_id)
                            .where(contacts.c.id > last).order_by(contacts.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        notes, theirs = {}, {}
        for met in conn.execute(sa.select(encounters).where(encounters.c.contact_id.in_([r.id for r in rows]))):
            if met.source == 'share_back':
                theirs[met.contact_id] = theirs.get(met.contact_id, "") + "\n" + (met.conversation or "")
            else:
                notes[met.contact_id] = "\n".join(filter(None, [notes.get(met.contact_id, ""), met.conversation,
                                                                met.needs, met.memorable]))
        english = [{"contact_id": r.id} for r in rows
                   if _guess(r.name or "", notes.get(r.id, ""), theirs.get(r.id, ""), r.locale or "ja") == "en"]
        if english:
            conn.execute(contacts.update().where(contacts.c.id == sa.bindparam("contact_id")).values(language="en"),
                         english)


def downgrade():
    op.drop_column('follow_ups', 'is_edited')
    op.drop_column('contacts', 'language')

"""replies to the login email only by consent; follow-ups queued before go back to draft

Revision ID: a7e3c2d91f04
Revises: 6cba1c79a955
Create Date: 2026-12-05 12:00:00.000000

Until now every follow-up went out with Reply-To the user's login email (which the profile
promises is never shown) and the built-in templates pasted the contact's private need into the
body. A user now agrees to the login email in Settings (users.is_login_email_reply_to, default
no). Follow-ups still queued were composed under the old rules, with their MIME fixed at queue
time: they go back to draft with a note, so the user checks them and approves them again (which
composes them anew). Digests go to the user themself and are left alone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7e3c2d91f04'
down_revision = '6cba1c79a955'
branch_labels = None
depends_on = None

#: the same text as webapp.followups.outgoing.REDRAFTED_NOTE (pages show it translated)
REDRAFTED_NOTE = ("Approved before an update that changed where replies go and what goes into emails. "
                  "Check it and approve it again.")


def upgrade():
    # a plain ALTER TABLE, not batch mode: on SQLite batch would rebuild `users` (a server default
    # that is an expression forces it), and dropping the old table with foreign keys on deletes
    # every row that references a user (ON DELETE CASCADE)
    op.add_column('users', sa.Column('is_login_email_reply_to', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    follow_ups = sa.table('follow_ups', sa.column('status', sa.String), sa.column('purpose', sa.String),
                          sa.column('mime', sa.LargeBinary), sa.column('last_error', sa.Text))
    op.execute(follow_ups.update()
               .where(follow_ups.c.status == 'queued', follow_ups.c.purpose == 'followup')
               .values(status='draft', mime=None, last_error=REDRAFTED_NOTE))


def downgrade():
    op.drop_column('users', 'is_login_email_reply_to')  # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), no rebuild

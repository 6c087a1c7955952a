"""one display name: the profile's

The name on the card (profiles.name) is the user's one display name from now on: the home
screen, mails, the digest and the card all use it, and it is edited on the profile only.
users.name stays as a copy the profile keeps in sync. Each account takes the name its card and
mails already show, so nothing other people see changes; a profile without a name takes the
sign-up name only when it has no keyword either (so no card becomes public by this upgrade).

Revision ID: c4d2a7e9b1f3
Revises: f71ed59afe7a
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d2a7e9b1f3'
down_revision = 'f71ed59afe7a'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE users SET name = (SELECT p.name FROM profiles p WHERE p.user_id = users.id) "
        "WHERE EXISTS (SELECT 1 FROM profiles p WHERE p.user_id = users.id AND p.name <> '' AND p.name <> users.name)")
    op.execute(
        "UPDATE profiles SET name = (SELECT u.name FROM users u WHERE u.id = profiles.user_id) "
        "WHERE name = '' AND keyword = ''")


def downgrade():
    pass  # the names stay as they are: each was already the account's name somewhere

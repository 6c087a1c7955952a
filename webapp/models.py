"""Every model, imported in one place so Alembic and create_all see the whole schema."""
from webapp.auth.models import ApiToken, User  # noqa: F401
from webapp.profiles.models import Profile  # noqa: F401
from webapp.events.models import Event  # noqa: F401
from webapp.contacts.models import Contact, Encounter, Interaction, Promise  # noqa: F401
from webapp.followups.models import FollowUp, MessageTemplate  # noqa: F401
from webapp.relationships.models import CadencePolicy, ReminderSettings, ReminderSnooze  # noqa: F401

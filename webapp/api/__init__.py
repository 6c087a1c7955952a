"""The /api/v1 namespace: one thin module per resource, registered on the flask-smorest Api."""
from __future__ import annotations


def register_api(api) -> None:
    from webapp.api import auth, captures, contacts, events, followups, profile, scan, session
    from webapp.api import cadence, interactions, promises, readings, reminders, review

    api.register_blueprint(auth.bp, url_prefix="/api/v1/auth")
    api.register_blueprint(profile.bp, url_prefix="/api/v1/profile")
    api.register_blueprint(captures.bp, url_prefix="/api/v1/captures")
    api.register_blueprint(events.bp, url_prefix="/api/v1/events")
    api.register_blueprint(contacts.bp, url_prefix="/api/v1/contacts")
    api.register_blueprint(scan.bp, url_prefix="/api/v1/scan")
    api.register_blueprint(readings.bp, url_prefix="/api/v1/readings")
    api.register_blueprint(session.bp, url_prefix="/api/v1/session")
    api.register_blueprint(followups.bp, url_prefix="/api/v1")
    api.register_blueprint(reminders.bp, url_prefix="/api/v1/reminders")
    api.register_blueprint(cadence.bp, url_prefix="/api/v1/cadence")
    api.register_blueprint(interactions.bp, url_prefix="/api/v1/contacts")
    api.register_blueprint(promises.bp, url_prefix="/api/v1")
    api.register_blueprint(review.bp, url_prefix="/api/v1")
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/auth/tokens"}
    )
    api.spec.components.security_scheme(
        "cookie", {"type": "apiKey", "in": "cookie", "name": "session",
                   "description": "browser session; unsafe methods also need the X-CSRFToken header"}
    )

"""`flask --app wsgi reminders digest`: queue the opt-in digest emails that are due now (run it from cron)."""
from __future__ import annotations

import click
from flask import Blueprint, current_app

bp = Blueprint("reminders_cli", __name__, cli_group="reminders")


@bp.cli.command("digest")
def digest() -> None:
    """Queue each opted-in user's daily (08:00 local) or weekly (Monday 08:00 local) digest once per
    period; the follow-up worker sends them."""
    from webapp.db import utcnow
    from webapp.relationships.digest import enqueue_digests

    run = enqueue_digests(now=utcnow(), base_url=current_app.config.get("PUBLIC_BASE_URL") or "")
    click.echo(f"digests queued {run.queued}, nothing due {run.empty}")

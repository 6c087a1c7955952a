"""`flask --app wsgi followups worker [--once]`: the sender, as a click group on a blueprint."""
from __future__ import annotations

import logging
import signal

import click
from flask import Blueprint, current_app

bp = Blueprint("followups_cli", __name__, cli_group="followups")


@bp.cli.command("worker")
@click.option("--once", is_flag=True, help="Send everything due now, then exit.")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the queue.")
def worker(once: bool, poll: float) -> None:
    """Send queued follow-ups through MAIL_URL (SMTP or the local Maildir)."""
    from webapp.db_setup import WalCheckpoints
    from webapp.extensions import db
    from webapp.followups.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sender = Worker(current_app.config)
    with WalCheckpoints(db.engine):  # SQLite: its checkpoints off the sending path
        _work(sender, once, poll)


def _work(sender, once: bool, poll: float) -> None:
    if once:
        stats = sender.run_once()
        click.echo(f"sent {stats.sent}, retrying {stats.retried}, failed {stats.failed}, "
                   f"uncertain {stats.unknown}, held by limits {stats.deferred}")
        return
    stopping = {"now": False}

    def stop(signum, frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"Follow-up worker {sender.worker_id} sending through {current_app.config['MAIL_URL'].split('@')[-1]}")
    sender.run_forever(poll_seconds=poll, should_stop=lambda: stopping["now"])

"""A sender with the claim's locking taken out, for the tests that show why it is needed: no SKIP
LOCKED, no BEGIN IMMEDIATE, the look and the take in separate transactions, and the take not
re-checking the status, so two workers that look at about the same time both take, and send, the
same rows. Run like `flask followups worker`: `python -m tests.followups.unsafe_worker --poll 0.2`."""
from __future__ import annotations

import time

from sqlalchemy import select

from webapp.extensions import db
from webapp.followups.outbox import CLAIMED_COLUMNS, Claimed, due, take
from webapp.followups.models import FollowUp
from webapp.followups.worker import Worker


class UnsafeWorker(Worker):
    def claim(self) -> list[Claimed]:
        """The broken claim the tests must catch. A 0.25 s pause between look and take (what a
        loaded database or a GC pause can give; longer than the tests' 0.2 s poll) lets the race
        show in a short test."""
        now = self.clock()
        try:
            ids = list(db.session.scalars(
                select(FollowUp.id).where(due(now)).order_by(FollowUp.send_after, FollowUp.id).limit(self.batch_size)))
            db.session.commit()
            if not ids:
                return []
            time.sleep(0.25)
            db.session.execute(take(ids, self.worker_id, now, self.lease).execution_options(synchronize_session=False))
            rows = db.session.execute(select(*CLAIMED_COLUMNS).where(FollowUp.id.in_(ids))
                                      .order_by(FollowUp.send_after, FollowUp.id)).all()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return [Claimed(*row) for row in rows]


if __name__ == "__main__":
    import argparse
    import logging

    from webapp import create_app
    from webapp.db_setup import WalCheckpoints
    from webapp.followups.cli import _work

    parser = argparse.ArgumentParser()
    parser.add_argument("--poll", type=float, default=5.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context(), WalCheckpoints(db.engine):
        logging.getLogger(__name__).warning("claims take no locks (tests only)")
        _work(UnsafeWorker(app.config), False, args.poll)

"""The follow-up sender against a real SMTP server (aiosmtpd on loopback) with scripted replies:
what goes on the wire, retries, failures, uncertain deliveries, caps, schedules and fencing."""
from __future__ import annotations

import email.utils
from datetime import timedelta

import pytest
from sqlalchemy import case, select, update

from tests.conftest import build_app, make_user
from tests.followups.smtp_server import (DROP, Clock, Slow, SmtpSink, free_port, make_queued,  # noqa: F401
                                        smtp_sink, tls_cert)
from webapp.contacts.models import Contact, Interaction
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.followups.outbox import fenced_update
from webapp.followups.transport import parse_mail_url
from webapp.followups.worker import UNKNOWN_NOTE, Stats, Worker

MAIL_FROM = "followups@ichigo.test"


@pytest.fixture
def app(backend, tmp_path):
    app = build_app(backend, tmp_path, MAIL_FROM=MAIL_FROM)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def owner(app):
    return make_user(name="山田 太郎")


def worker_for(app, url: str, clock: Clock, **settings) -> Worker:
    worker_id = settings.pop("worker_id", "test-worker")
    config = {**app.config, "MAIL_URL": url, "MAIL_TIMEOUT": 5.0, **settings}
    return Worker(config, worker_id=worker_id, clock=clock)


def fresh(row_id: int) -> FollowUp:
    db.session.expire_all()
    row = db.session.get(FollowUp, row_id)
    db.session.commit()
    return row


def ids_of(received) -> list[str]:
    return [r.message_id for r in received]


# -- the delivered message ------------------------------------------------------------------
def test_queued_follow_up_goes_out_as_composed_and_is_logged(app, owner, smtp_sink, clock):
    contact = Contact(owner_id=owner.id, name="佐藤 花子", email="hanako@example.net")
    db.session.add(contact)
    db.session.flush()
    draft = FollowUp(owner_id=owner.id, contact_id=contact.id, to=contact.email, status="draft",
                     subject="昨日はありがとうございました", body="佐藤様\n\n名刺交換ありがとうございました。\n山田")
    db.session.add(draft)
    db.session.commit()
    row = services.update_followup(owner, draft.id, {"status": "queued"})  # the approve path
    assert row.status == "queued" and row.message_id and row.mime
    clock.now = max(clock.now, row.send_after)  # the service may push it past the quiet hours

    stats = worker_for(app, smtp_sink.url, clock).run_once()

    assert (stats.claimed, stats.sent) == (1, 1), (stats, fresh(row.id).last_error, smtp_sink.commands)
    [got] = smtp_sink.delivered
    assert got.mail_from == MAIL_FROM and got.rcpt_tos == ["hanako@example.net"]
    msg = got.message
    assert msg["Message-ID"] == row.message_id
    name, addr = email.utils.parseaddr(str(msg["From"]))
    assert (name, addr) == ("山田 太郎", MAIL_FROM)
    raw_from = next(line for line in got.data.split(b"\r\n") if line.startswith(b"From:"))
    assert raw_from.isascii() and b"=?utf-8?" in raw_from.lower()  # RFC 2047 encoded word
    assert "Reply-To" not in msg  # no public email, and the login email only with the user's consent
    assert email.utils.parseaddr(str(msg["To"])) == ("佐藤 花子", "hanako@example.net")
    assert str(msg["Subject"]) == "昨日はありがとうございました"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == "佐藤様\n\n名刺交換ありがとうございました。\n山田"

    row = fresh(row.id)
    assert (row.status, row.attempts, row.last_error, row.lease_owner) == ("sent", 1, "", "")
    assert row.sent_at == clock.now and row.data_started_at is not None
    [touch] = db.session.scalars(select(Interaction).where(Interaction.follow_up_id == row.id)).all()
    assert (touch.kind, touch.contact_id, touch.owner_id) == ("email", contact.id, owner.id)
    assert touch.occurred_at == clock.now and touch.note.startswith("250")
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).last_email_at == clock.now  # the email rhythm restarts


def test_one_connection_carries_a_whole_batch(app, owner, smtp_sink, clock):
    rows = make_queued(owner, 5)
    stats = worker_for(app, smtp_sink.url, clock).run_once()
    assert stats.sent == 5
    assert sorted(ids_of(smtp_sink.delivered)) == sorted(r.message_id for r in rows)
    assert {fresh(r.id).status for r in rows} == {"sent"}


def test_each_message_is_stamped_before_its_data_and_the_one_before_it_is_recorded_sent(app, owner,
                                                                                        smtp_sink, clock):
    """The worker writes while the server answers (the last "sent" during the next MAIL, the
    stamp during DATA), yet in the order a crash needs: when a message's content reaches the
    server, its row says the data began, and every message before it is recorded as sent."""
    rows = make_queued(owner, 4)
    by_message_id = {r.message_id: r.id for r in rows}
    engine = db.engine
    seen = {}

    def look(envelope):
        message_id = email.message_from_bytes(envelope.original_content)["Message-ID"]
        with engine.connect() as conn:
            seen[message_id] = dict(conn.execute(
                select(FollowUp.id, FollowUp.status + ":" + case((FollowUp.data_started_at.is_(None), "-"),
                                                                 else_="stamped"))).all())

    smtp_sink.on["data"] = look
    assert worker_for(app, smtp_sink.url, clock).run_once().sent == 4

    order = ids_of(smtp_sink.delivered)
    assert sorted(order) == sorted(by_message_id)
    for n, message_id in enumerate(order):
        states = seen[message_id]
        assert states[by_message_id[message_id]] == "sending:stamped"
        assert [states[by_message_id[earlier]] for earlier in order[:n]] == ["sent:stamped"] * n
    assert {fresh(r.id).status for r in rows} == {"sent"}


def test_a_row_taken_over_before_its_data_gets_no_data_and_the_rest_go_on(app, owner, smtp_sink, clock):
    first, second = make_queued(owner, 2)
    engine, first_id, first_to = db.engine, first.id, first.to

    def take_over(address):  # another worker takes the first row while we wait for RCPT's reply
        if address == first_to:
            with engine.begin() as conn:
                conn.execute(update(FollowUp).where(FollowUp.id == first_id)
                             .values(fence=FollowUp.fence + 1, lease_owner="worker-b"))

    smtp_sink.on["rcpt"] = take_over
    stats = worker_for(app, smtp_sink.url, clock).run_once()

    assert (stats.lost, stats.sent) == (1, 1)
    assert ids_of(smtp_sink.attempts) == [second.message_id]  # no content went out for the first
    taken = fresh(first.id)
    assert (taken.status, taken.lease_owner, taken.data_started_at) == ("sending", "worker-b", None)
    assert fresh(second.id).status == "sent"


def test_a_stop_request_ends_the_pass_after_the_batch_in_hand(app, owner, smtp_sink, clock):
    rows = make_queued(owner, 5)
    worker = worker_for(app, smtp_sink.url, clock, FOLLOWUP_BATCH_SIZE=2)
    batches = []
    real_claim = worker.claim

    def claim():
        batches.append(real_claim())
        return batches[-1]

    worker.claim = claim
    stats = worker.run_once(should_stop=lambda: len(batches) == 1)  # SIGTERM during the first batch

    assert (stats.claimed, stats.sent) == (2, 2)
    assert [fresh(r.id).status for r in rows] == ["sent"] * 2 + ["queued"] * 3  # the rest never claimed
    assert worker.run_once().sent == 3  # the next pass (or worker) sends them


# -- retries and failures -------------------------------------------------------------------
def test_451_is_retried_after_the_backoff_with_the_same_message_id(app, owner, smtp_sink, clock):
    [row] = make_queued(owner, 1)
    smtp_sink.add("data", "451 4.3.0 Mailbox busy, try again later")
    worker = worker_for(app, smtp_sink.url, clock)

    stats = worker.run_once()
    assert (stats.retried, stats.sent) == (1, 0)
    after_first = fresh(row.id)
    assert (after_first.status, after_first.attempts) == ("queued", 1)
    assert after_first.last_error == "451 4.3.0 Mailbox busy, try again later"
    wait = after_first.send_after - clock.now
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # 1 min backoff with jitter

    assert worker.run_once().claimed == 0  # not before the backoff is over
    clock.now = after_first.send_after - timedelta(seconds=1)
    assert worker.run_once().claimed == 0
    clock.now = after_first.send_after + timedelta(seconds=1)
    assert worker.run_once().sent == 1

    attempts = smtp_sink.attempts
    assert [a.reply[:3] for a in attempts] == ["451", "250"]
    assert ids_of(attempts) == [row.message_id, row.message_id]  # both carry the same Message-ID
    assert attempts[0].data == attempts[1].data
    done = fresh(row.id)
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, "")
    assert worker.run_once().claimed == 0 and len(smtp_sink.delivered) == 1


@pytest.mark.parametrize("stage, reply", [
    ("rcpt", "550 5.1.1 <hanako@example.net>: Recipient address rejected: User unknown"),
    ("data", "554 5.7.1 Message rejected as spam"),
])
def test_5xx_fails_at_once_with_the_server_reply(app, owner, smtp_sink, clock, stage, reply):
    [row, other] = make_queued(owner, 2)
    smtp_sink.add(stage, reply)
    worker = worker_for(app, smtp_sink.url, clock)

    stats = worker.run_once()
    assert (stats.failed, stats.sent, stats.retried) == (1, 1, 0)
    failed = fresh(row.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == reply  # the server's own words, shown to the user
    assert fresh(other.id).status == "sent"  # the connection stays usable after a refusal
    clock.advance(days=2)
    assert worker.run_once().claimed == 0  # a failure is final until the user resends
    assert ids_of(smtp_sink.delivered) == [other.message_id]


def test_reply_slower_than_the_timeout_leaves_the_row_unknown_and_not_resent(app, owner, smtp_sink, clock):
    [row] = make_queued(owner, 1)
    smtp_sink.add("data", Slow(2.0))  # the server accepts, but only after the client gave up
    worker = worker_for(app, smtp_sink.url, clock, MAIL_TIMEOUT=1.0)

    stats = worker.run_once()
    assert (stats.unknown, stats.sent, stats.retried) == (1, 0, 0)
    row = fresh(row.id)
    assert row.status == "unknown" and row.data_started_at is not None
    assert row.last_error.startswith(UNKNOWN_NOTE) and "timed out" in row.last_error.lower()
    smtp_sink.wait_for(lambda: len(smtp_sink.delivered) == 1, timeout=5, what="the slow reply")

    clock.advance(days=1)
    assert worker.run_once().claimed == 0  # "may have been sent" is never resent automatically
    assert fresh(row.id).status == "unknown"
    assert ids_of(smtp_sink.attempts) == [row.message_id]


@pytest.mark.parametrize("stage, step", [("rcpt", DROP), ("mail", "421 4.3.2 Service shutting down")],
                         ids=["connection-dropped", "421"])
def test_trouble_before_data_is_retried_and_the_rest_go_on(app, owner, smtp_sink, clock, stage, step):
    first, second = make_queued(owner, 2)
    smtp_sink.add(stage, step)
    worker = worker_for(app, smtp_sink.url, clock)

    stats = worker.run_once()
    assert (stats.retried, stats.sent) == (1, 1)
    retry = fresh(first.id)
    assert (retry.status, retry.attempts, retry.data_started_at) == ("queued", 1, None)
    assert retry.last_error and retry.send_after > clock.now
    if step != DROP:
        assert retry.last_error == step
    assert fresh(second.id).status == "sent"  # a new connection took the next one

    clock.now = retry.send_after
    assert worker.run_once().sent == 1
    assert sorted(ids_of(smtp_sink.attempts)) == sorted([first.message_id, second.message_id])
    assert fresh(first.id).status == "sent"


def test_unreachable_server_is_retried_then_given_up(app, owner, clock):
    [row] = make_queued(owner, 1)
    worker = worker_for(app, f"smtp://127.0.0.1:{free_port()}", clock, FOLLOWUP_MAX_ATTEMPTS=3)
    for attempt in (1, 2):
        assert worker.run_once().retried == 1
        row = fresh(row.id)
        assert (row.status, row.attempts) == ("queued", attempt)
        assert row.last_error.startswith("Could not connect to the mail server")
        assert row.send_after - clock.now <= timedelta(seconds=60 * 2 ** (attempt - 1))
        clock.now = row.send_after
    assert worker.run_once().failed == 1
    row = fresh(row.id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error.startswith("Gave up after 3 attempts: Could not connect")


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_login_over_tls(app, owner, clock, tls_cert, monkeypatch, tls):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert[0]))  # trust the throwaway certificate
    with SmtpSink(tls=tls, cert=tls_cert, login=("mailer", "p@ss:w/rd")) as sink:
        url = sink.url.replace("p@ss:w/rd", "p%40ss%3Aw%2Frd")  # as written in MAIL_URL
        assert parse_mail_url(url).password == "p@ss:w/rd"
        rows = make_queued(owner, 2)
        stats = worker_for(app, url, clock).run_once()
        assert stats.sent == 2, (stats, fresh(rows[0].id).last_error)
        assert sorted(ids_of(sink.delivered)) == sorted(r.message_id for r in rows)
        assert sink.logins == ["PLAIN mailer ok"]  # one login for the batch
        assert sink.tls_seen == [True, True]


def test_a_non_ascii_password_is_a_readable_error_not_a_crash(app, owner, clock, tls_cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert[0]))
    with SmtpSink(tls="starttls", cert=tls_cert, login=("mailer", "pässword")) as sink:
        [row] = make_queued(owner, 1)
        assert worker_for(app, sink.url.replace("ä", "%C3%A4"), clock).run_once().retried == 1
        row = fresh(row.id)
        assert row.status == "queued" and "must be ASCII" in row.last_error
        assert sink.received == []


def test_wrong_password_fails_with_the_server_reply(app, owner, clock, tls_cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert[0]))
    with SmtpSink(tls="starttls", cert=tls_cert, login=("mailer", "right")) as sink:
        [row] = make_queued(owner, 1)
        stats = worker_for(app, sink.url.replace(":right@", ":wrong@"), clock).run_once()
        assert stats.failed == 1, (stats, fresh(row.id).last_error, sink.logins)
        row = fresh(row.id)
        assert row.status == "failed" and row.last_error.startswith("535")
        assert sink.received == []


def test_untrusted_certificate_is_not_used(app, owner, clock, tls_cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with SmtpSink(tls="smtps", cert=tls_cert) as sink:
        [row] = make_queued(owner, 1)
        assert worker_for(app, sink.url, clock).run_once().retried == 1
        row = fresh(row.id)
        assert row.status == "queued" and "certificate verify failed" in row.last_error.lower()
        assert sink.received == []


def test_addresses_smtp_cannot_carry_fail_alone_and_idn_domains_are_encoded(app, owner, smtp_sink, clock):
    idn = Contact(owner_id=owner.id, name="田中", email="taro@例え.jp")
    db.session.add(idn)
    db.session.commit()
    [bad] = make_queued(owner, 1, send_after=clock.now - timedelta(minutes=2))
    bad.to = "山田@example.jp"  # approving refuses such an address now; a row queued before still fails alone
    [good] = make_queued(owner, 1, contact=idn)
    stats = worker_for(app, smtp_sink.url, clock).run_once()  # no crash half-way through the batch
    assert (stats.failed, stats.sent) == (1, 1)
    failed = fresh(bad.id)
    assert failed.status == "failed" and "山田@example.jp" in failed.last_error
    assert smtp_sink.delivered[0].rcpt_tos == ["taro@xn--r8jz45g.jp"]
    assert fresh(good.id).status == "sent"


# -- schedule, cancel, caps -----------------------------------------------------------------
def test_nothing_goes_before_its_time_or_after_it_was_cancelled(app, owner, smtp_sink, clock):
    [later] = make_queued(owner, 1, send_after=clock.now + timedelta(hours=2))
    [cancelled] = make_queued(owner, 1)
    services.update_followup(owner, cancelled.id, {"status": "cancelled"})
    worker = worker_for(app, smtp_sink.url, clock)

    assert worker.run_once().claimed == 0
    clock.advance(hours=1, minutes=59)
    assert worker.run_once().claimed == 0
    assert smtp_sink.commands == []
    clock.advance(minutes=1)
    assert worker.run_once().sent == 1
    clock.advance(days=30)
    assert worker.run_once().claimed == 0
    assert ids_of(smtp_sink.delivered) == [later.message_id]
    assert fresh(cancelled.id).status == "cancelled"


def test_hourly_cap_holds_back_the_rest_and_not_other_users(app, owner, smtp_sink, clock):
    busy = make_queued(owner, 5, send_after=clock.now - timedelta(minutes=10))
    other_user = make_user(name="Alice Example")
    others = make_queued(other_user, 2, send_after=clock.now - timedelta(minutes=5))  # after all of busy
    worker = worker_for(app, smtp_sink.url, clock, FOLLOWUP_MAX_PER_HOUR=3)

    stats = worker.run_once()
    assert (stats.sent, stats.deferred) == (5, 2)
    assert [fresh(r.id).status for r in busy] == ["sent"] * 3 + ["queued"] * 2
    assert [fresh(r.id).status for r in others] == ["sent", "sent"]
    held = [fresh(r.id) for r in busy[3:]]
    assert {h.send_after for h in held} == {clock.now + timedelta(hours=1)}  # when the first slot frees
    assert all(h.attempts == 0 and "limit" in h.last_error for h in held)

    clock.advance(minutes=59)
    assert worker.run_once().claimed == 0
    clock.advance(minutes=1, seconds=1)
    assert worker.run_once().sent == 2
    assert len(smtp_sink.delivered) == 7 and len(set(ids_of(smtp_sink.delivered))) == 7


def test_daily_cap_holds_back_a_day(app, owner, smtp_sink, clock):
    rows = make_queued(owner, 3)
    worker = worker_for(app, smtp_sink.url, clock, FOLLOWUP_MAX_PER_DAY=2)
    assert (worker.run_once().sent, fresh(rows[2].id).status) == (2, "queued")
    assert fresh(rows[2].id).send_after == clock.now + timedelta(days=1)


# -- leases and fencing ---------------------------------------------------------------------
class RecordingTransport:
    """Stands in for SMTP: asks before_data like the real one, and records what it would send."""

    def __init__(self, on_data=None):
        self.sent: list[bytes] = []
        self.on_data = on_data

    def send(self, sender, recipient, message, before_data, meanwhile=None):
        from webapp.followups.transport import LeaseLost

        if meanwhile is not None:
            meanwhile()
        if not before_data():
            raise LeaseLost()
        if self.on_data:
            self.on_data()
        self.sent.append(message)
        return "250 2.0.0 OK"

    def close(self):
        pass


def commit_fenced(item, **values) -> bool:
    ok = fenced_update(db.session, item, **values)
    db.session.commit()
    return ok


def test_an_expired_lease_is_taken_over_and_the_old_holder_changes_nothing(app, owner, smtp_sink, clock):
    [row] = make_queued(owner, 1)
    a = worker_for(app, smtp_sink.url, clock, worker_id="worker-a")
    b = worker_for(app, smtp_sink.url, clock, worker_id="worker-b")
    assert a.lease == timedelta(seconds=60)  # FOLLOWUP_LEASE_SECONDS default

    [item_a] = a.claim()  # … and then worker A stalls
    claimed = fresh(row.id)
    assert (claimed.status, claimed.lease_owner, claimed.fence) == ("sending", "worker-a", item_a.fence)
    assert claimed.lease_expires_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=59)
    assert b.claim() == []  # still A's
    clock.advance(seconds=2)
    [item_b] = b.claim()  # reclaimed within about a minute
    assert item_b.id == row.id and item_b.fence == item_a.fence + 1

    # A wakes up: its before_data check and its "sent" write both carry the old token
    transport = RecordingTransport()
    stats = Stats()
    a.send_batch(transport, [item_a], stats)
    assert (stats.lost, stats.sent, transport.sent) == (1, 0, [])
    assert commit_fenced(item_a, status="sent", sent_at=clock.now) is False
    assert commit_fenced(item_a, data_started_at=clock.now) is False
    taken = fresh(row.id)
    assert (taken.status, taken.lease_owner, taken.fence, taken.data_started_at) == (
        "sending", "worker-b", item_b.fence, None)

    stats = Stats()
    b.send_batch(transport, [item_b], stats)
    assert stats.sent == 1 and len(transport.sent) == 1
    done = fresh(row.id)
    assert (done.status, done.attempts) == ("sent", 1)
    assert db.session.scalar(select(Interaction.id).where(Interaction.follow_up_id == row.id)) is not None


def test_a_holder_whose_data_outlived_its_lease_cannot_mark_it_sent(app, owner, clock):
    [row] = make_queued(owner, 1)
    a = worker_for(app, "smtp://unused:25", clock, worker_id="worker-a")
    b = worker_for(app, "smtp://unused:25", clock, worker_id="worker-b")
    seen = {}

    def data_hangs_past_the_lease():  # meanwhile worker B looks at the queue
        clock.advance(seconds=61)
        seen["b_claimed"] = b.claim()
        seen["row"] = fresh(row.id)

    transport = RecordingTransport(on_data=data_hangs_past_the_lease)
    stats = Stats()
    a.send_batch(transport, a.claim(), stats)

    assert seen["b_claimed"] == []  # the data had begun: B must not send it again
    assert seen["row"].status == "unknown" and seen["row"].last_error == UNKNOWN_NOTE
    assert len(transport.sent) == 1 and stats.sent == 0  # A's "sent" write was fenced off
    final = fresh(row.id)
    assert final.status == "unknown" and final.sent_at is None
    assert db.session.scalar(select(Interaction.id).where(Interaction.follow_up_id == row.id)) is None
    clock.advance(days=1)
    assert b.run_once().claimed == 0


def test_a_worker_that_died_before_data_is_reclaimed_and_sent(app, owner, smtp_sink, clock):
    rows = make_queued(owner, 3)
    dead = worker_for(app, smtp_sink.url, clock, worker_id="dead")
    assert len(dead.claim()) == 3  # and then it was killed
    fresh_worker = worker_for(app, smtp_sink.url, clock, worker_id="fresh")
    assert fresh_worker.run_once().claimed == 0
    clock.advance(seconds=61)
    assert fresh_worker.run_once().sent == 3
    assert sorted(ids_of(smtp_sink.delivered)) == sorted(r.message_id for r in rows)

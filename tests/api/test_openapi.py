"""The OpenAPI document describes every endpoint and every error as the server writes it, and
schemathesis, running every phase (stateful included) with every check over the whole API, finds
no 5xx and no answer that disagrees with the document."""
from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server

from tests.conftest import bearer, build_app, make_user_with_token
from webapp.extensions import db

ERROR_REF = "#/components/schemas/ErrorOut"


def test_openapi_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(("api-docs.", "bench.")):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is missing from openapi.json"


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_every_error_answer_is_documented_as_the_error_envelope(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "fields"} and body["additionalProperties"] is False
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert "401" in responses and "default" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status == "default" or status.startswith("4"):
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]] \
                    if "$ref" in response else response
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (method, path, status)


@pytest.mark.parametrize("call", [
    lambda c, h: c.get("/api/v1/contacts/999", headers=h),  # 404
    lambda c, h: c.put("/api/v1/events/1", json={}, headers=h),  # 405
    lambda c, h: c.post("/api/v1/events", data="{", content_type="application/json", headers=h),  # 400
    lambda c, h: c.post("/api/v1/events", json={"name": ""}, headers=h),  # 422
    lambda c, h: c.get("/api/v1/profile", headers={"Authorization": "Bearer nope"}),  # 401
    lambda c, h: c.post("/api/v1/captures/batch", json={"not": "a list"}, headers=h),  # 422, by hand
])
def test_real_errors_match_the_documented_envelope(client, call):
    import jsonschema_rs  # schemathesis' own validator

    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    envelope = {**schemas["ErrorOut"], "properties": {"error": schemas["ErrorBody"]}}
    response = call(client, bearer(make_user_with_token().token))
    assert response.status_code >= 400
    jsonschema_rs.validate(envelope, response.get_json())


# -- schemathesis over the whole API


#: examples per operation and phase, and steps per stateful scenario: enough to walk every
#: operation and the links between them (create → read → change → delete) in under two minutes
MAX_EXAMPLES = 25
MAX_STEPS = 10
SEED = 20261205


#: rules no JSON Schema can state (they depend on stored data, the clock, or two fields at once). A
#: valid-looking request refused for one of them is accepted, but only when the 422 names nothing
#: but these fields of this operation; the operation's description says the rule.
EMAIL = "an address email_validator takes: no special-use domain (.test, .local…), a dot in the domain"
NEXT = "a token from a previous page's next link"
BEYOND_THE_DOCUMENT = {
    "POST /api/v1/auth/signup": {"email": EMAIL},
    "POST /api/v1/auth/tokens": {"email": EMAIL},
    "PUT /api/v1/profile": {"public_email": EMAIL},
    "POST /api/v1/captures": {"captured_at": "the last 30 years, not the future: the server's clock",
                              "event_id": "one of the caller's events", "email": EMAIL},
    "PATCH /api/v1/contacts/{contact_id}": {"email": EMAIL},
    "POST /api/v1/events": {"ends_at": "not before starts_at"},
    "PATCH /api/v1/events/{event_id}": {"ends_at": "not before starts_at (the stored one when not sent)"},
    "GET /api/v1/contacts": {"event_id": "one of the caller's events", "cursor": NEXT},
    "GET /api/v1/followups": {"event_id": "one of the caller's events"},
    "GET /api/v1/events": {"cursor": NEXT},
    "GET /api/v1/reminders": {"cursor": NEXT},
    "GET /api/v1/promises": {"contact_id": "one of the caller's contacts"},
    "PUT /api/v1/cadence/{tier}": {"rhythms": "within_days is at least every_days; one rhythm a channel"},
    "POST /api/v1/reminders/snooze": {"days": "either days or until", "channel": "a touch names its channel",
                                      "until": "in the future: the server's clock"},
    "POST /api/v1/scan": {"payload": "what the code holds must read as a card or a link"},
    "POST /api/v1/contacts/{contact_id}/merge": {"other_id": "another of the caller's contacts"},
    "POST /api/v1/contacts/{contact_id}/checkin": {"contact_id": "the contact has an email address"},
    "POST /api/v1/contacts/{contact_id}/interactions": {"occurred_at": "not in the future: the server's clock"},
}


class BeyondTheDocument:
    """schemathesis' filter_failure hook: drops (False) a refusal BEYOND_THE_DOCUMENT explains, and
    counts them by operation and field."""

    def __init__(self):
        self.counts = collections.Counter()

    def __call__(self, context, failure, case, response) -> bool:
        if "positive_data_acceptance" not in failure.checks or response.status_code != 422:
            return True
        try:
            named = set(response.json()["error"]["fields"])
        except (ValueError, KeyError, TypeError):
            return True
        if not named or not named <= set(BEYOND_THE_DOCUMENT.get(failure.operation, {})):
            return True
        self.counts[(failure.operation, ",".join(sorted(named)))] += 1
        return False


@dataclass
class Outcome:
    requests: int = 0
    by_phase: collections.Counter = field(default_factory=collections.Counter)
    accepted: collections.Counter = field(default_factory=collections.Counter)  # BEYOND_THE_DOCUMENT
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: dict = field(default_factory=dict)  # (check, operation, title) -> first message
    errors: list = field(default_factory=list)
    phases: dict = field(default_factory=dict)
    seconds: float = 0.0

    def report(self) -> str:
        lines = [f"{self.requests} requests in {self.seconds:.0f} s; statuses {dict(sorted(self.statuses.items()))}; "
                 f"{sum(self.accepted.values())} refusals for rules beyond the document: {dict(self.accepted)}",
                 f"phases: {self.phases}; requests by phase {dict(self.by_phase)}"]
        lines += [f"FAIL {check} {operation}: {title}\n    {message}"
                  for (check, operation, title), message in self.failures.items()]
        lines += [f"ERROR {error}" for error in self.errors]
        return "\n".join(lines)


def _example(recorder, case_id: str) -> str:
    """The request that failed and the answer, short."""
    case = recorder.cases[case_id].value
    interaction = recorder.interactions.get(case_id)
    body = getattr(case, "body", None)
    answer = interaction.response if interaction else None
    return (f"{case.method} {case.formatted_path} query={case.query} body={str(body)[:300]!s} -> "
            f"{answer.status_code if answer else None} {(answer.content or b'')[:300] if answer else ''}")


def run_schemathesis(base_url: str, email: str, password: str, *, max_examples=MAX_EXAMPLES) -> Outcome:
    """Every phase (examples, coverage, fuzzing, stateful) and every check, authenticated by a
    Bearer token fetched from POST /api/v1/auth/tokens (fetched again whenever an answer is 401:
    the stateful phase revokes tokens it finds)."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "workers": 1,
        "generation": {"max-examples": max_examples, "deterministic": True, "mode": "all"},
        "checks": {"enabled": True},
        "phases": {"stateful": {"max-steps": MAX_STEPS}},
        "suppress-health-check": ["all"],
        "cache": {"enabled": False},
        "request-timeout": 30,
        "auth": {"dynamic": {"openapi": {"bearer": {
            "path": "/api/v1/auth/tokens", "payload": {"email": email, "password": password},
            "extract_selector": "/token", "retry_on": [401]}}}},
    })
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    beyond = BeyondTheDocument()
    schema.hook("filter_failure")(beyond)
    outcome = Outcome()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            outcome.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            outcome.errors.append(str(getattr(event, "value", None) or getattr(event, "exception", None))[:500])
        elif isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    outcome.requests += 1
                    outcome.by_phase[str(getattr(event, "phase", "fuzzing"))] += 1
                    outcome.statuses[interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        key = (check.name, failure.operation, failure.title)
                        outcome.failures.setdefault(key, f"{failure.message[:600]}\n    {_example(recorder, case_id)}")
    outcome.seconds = time.monotonic() - started
    outcome.accepted = beyond.counts
    return outcome


@pytest.fixture
def served(backend, tmp_path):
    """The app on a real HTTP server in a thread (schemathesis' in-process WSGI transport trips
    over its own redirect option in the coverage phase), with log-in rate limits out of the way."""
    app = build_app(backend, tmp_path, AUTH_RATE_LIMIT="100000 per minute")
    with app.app_context():
        user = make_user_with_token()
        from webapp.profiles.services import update_profile

        update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
        email, password = user.email, user.plain_password
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", email, password
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_disagreement_with_the_document(served):
    outcome = run_schemathesis(*served)
    print(outcome.report())
    assert outcome.requests > 1000 and outcome.phases.get("stateful") == "success", outcome.report()
    assert outcome.by_phase["stateful"] > 100, outcome.report()  # linked calls really ran
    assert not [status for status in outcome.statuses if status >= 500], outcome.report()
    assert not outcome.failures and not outcome.errors, outcome.report()

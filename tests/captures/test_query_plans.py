"""A capture looks a person up by email and by card through the partial unique indexes, so its
cost does not grow with the size of the user's network (it read every contact before)."""
import pytest

from webapp.captures.services import _lookups
from webapp.extensions import db


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_capture_lookups_use_the_unique_indexes(app):
    statement = _lookups("active", True, True, True, True)
    compiled = statement.compile(dialect=db.engine.dialect)
    params = {"owner_id": 1, "client_id": "x", "event_id": None, "email": "a@example.com",
              "card_key": "example.com/c/x", "name_key": "a", "reading_key": "a"}
    values = compiled.construct_params(params)
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                    tuple(values[name] for name in compiled.positiontup)).all()
    details = [row[-1] for row in plan]
    assert any("uq_contacts_owner_email" in d for d in details), details
    assert any("uq_contacts_owner_card_url" in d for d in details), details
    assert not any(d.startswith("SCAN") and d != "SCAN CONSTANT ROW" for d in details), details

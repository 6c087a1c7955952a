"""Quick capture at the event: one person and what was said, idempotent by the client's id."""

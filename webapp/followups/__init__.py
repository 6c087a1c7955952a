"""The follow-up queue: personal drafts after an event, review, scheduling and a crash-safe sender."""

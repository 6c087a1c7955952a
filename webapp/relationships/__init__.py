"""Keeping in touch: tiers, cadence, reminders, promises, the yearly review, matches, feed and digest."""

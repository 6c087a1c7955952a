"""Events the user goes to: the card's per-event "why I'm here", and where people were met."""

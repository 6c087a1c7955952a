"""People the user met, each meeting (encounter) and the promises made."""

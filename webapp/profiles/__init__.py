"""The brand profile and the public card built from it."""

"""Item pipelines: validate → sanitise → dedupe → write post (and commit state)."""

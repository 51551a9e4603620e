"""The support chat: `retry-dispute support RUN_DIR` hands a run that did not open to support."""

"""The flow of a run: retry policy, retry budget, journal, one attempt, one order, a batch."""

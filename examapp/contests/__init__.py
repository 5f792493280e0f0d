"""Public contests: registration without an account, rounds, predictions, entries and boards."""

"""Profile: the account-and-workspace settings app of an ML experiment-tracking server."""

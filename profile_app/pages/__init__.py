"""Pages: login, signup, profile, invitation join."""

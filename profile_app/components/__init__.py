"""Render-only pieces: they read state vars and bind events, and hold no rules."""

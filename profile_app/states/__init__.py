"""Thin Reflex states: resolve the signed-in user, call one service, map errors to messages."""

"""Helpers shared by the end-to-end tests, the screenshots script and benchmarks (not tests themselves)."""

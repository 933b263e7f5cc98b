"""Reflex configuration. The app's own settings live in profile_app/config.py (PROFILE_* variables)."""

import os

import reflex as rx

config = rx.Config(
    app_name="profile_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("PROFILE_PORT", "3000")),
    backend_port=int(os.environ.get("PROFILE_BACKEND_PORT", "8000")),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
)

"""Reflex configuration. The app's own settings live in profile_app/config.py (PROFILE_* variables)."""

import os

import reflex as rx

from profile_app.config import public_urls, web_origins

WEB_URL, BACKEND_URL = public_urls()
# One socket.io message carries at most a form submit; the default (1 MB) let a client make the server parse
# megabytes of JSON per event.
os.environ.setdefault("REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE", str(256 * 1024))

config = rx.Config(
    app_name="profile_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("PROFILE_PORT", "3000")),
    backend_port=int(os.environ.get("PROFILE_BACKEND_PORT", "8000")),
    # The frontend connects to the backend the operator published (one port in production); both the API's CORS
    # and socket.io accept only the web app's own origin.
    **({"api_url": BACKEND_URL} if os.environ.get("PROFILE_BACKEND_URL") else {}),
    cors_allowed_origins=list(web_origins(WEB_URL)),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
)

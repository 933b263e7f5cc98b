"""Hold the server's answers on a page's socket, to see what the page does while it waits (a slow network)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from playwright.sync_api import Page


class HeldAnswers:
    """Install before the page connects. While `holding`, frames from the server are kept back; `release` sends
    them on in order."""

    def __init__(self, page: Page):
        self.holding = False
        self.held: list = []  # (socket to the page, frame)
        page.route_web_socket(re.compile(r".*/_event.*"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))
        server.on_message(lambda message: self._from_server(ws, message))

    def _from_server(self, ws, message) -> None:
        if self.holding:
            self.held.append((ws, message))
        else:
            ws.send(message)

    @contextmanager
    def hold(self):
        self.holding = True
        try:
            yield self
        finally:
            self.release()

    def release(self) -> None:
        self.holding = False
        held, self.held = self.held, []
        for ws, message in held:
            ws.send(message)

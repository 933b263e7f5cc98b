"""What a User-Agent header says about a browser, in words a person recognises ("Safari on macOS"), parsed by
the maintained ua-parser library (uap-core's regexes) rather than by hand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

UNKNOWN = "Unknown browser"


@dataclass(frozen=True)
class Device:
    browser: str  # "Safari", "Chrome", "" when unknown
    os: str  # "macOS", "Windows", "" when unknown

    @property
    def summary(self) -> str:
        if self.browser and self.os:
            return f"{self.browser} on {self.os}"
        return self.browser or (f"{UNKNOWN} on {self.os}" if self.os else UNKNOWN)


# uap-core's family names, as people say them.
_OS_NAMES = {"Mac OS X": "macOS", "Mac OS": "macOS"}


@lru_cache(maxsize=512)
def describe(user_agent: str) -> Device:
    result = parse((user_agent or "")[:512])
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    os_name = result.os.family if result.os and result.os.family != "Other" else ""
    return Device(browser=browser, os=_OS_NAMES.get(os_name, os_name))

"""How the section states are wired, checked without a browser: every handler a person can trigger is dropped
(not queued) while the connection is lost, pending flags are cleared whatever a handler does, and a cloud form
error about an input the provider's form does not show is reported for the whole form."""

from __future__ import annotations

import pytest

from profile_app.states import cloud_access, credentials, password_reset, preferences, workspaces
from profile_app.states.busy import UNEXPECTED_FAILURE, Pending, settles
from profile_app.states.cloud_access import PROVIDER_FIELDS, _form_errors

SECTION_STATES = [
    preferences.PreferencesState,
    workspaces.WorkspacesState,
    workspaces.JoinState,
    credentials.CredentialsState,
    cloud_access.CloudAccessState,
    password_reset.ForgotPasswordState,
    password_reset.ResetPasswordState,
]


def _own_handlers(state):
    inherited = set(state.get_parent_state().event_handlers) if state.get_parent_state() else set()
    return {name: handler for name, handler in state.event_handlers.items() if name not in inherited}


@pytest.mark.parametrize("state", SECTION_STATES, ids=lambda state: state.__name__)
def test_every_handler_is_dropped_while_offline(state):
    handlers = _own_handlers(state)
    assert handlers, "no handlers found: the check proves nothing"
    not_temporal = [name for name, handler in handlers.items() if not handler.event_actions.get("temporal")]
    assert not not_temporal, f"{state.__name__} handlers that would be replayed after a reconnect: {not_temporal}"


class _Host:
    pass


def _script(event) -> str:
    return str(event.args)


def test_settles_clears_the_pending_flag_on_every_path():
    flag = Pending("unit_check")

    @settles(flag)
    def returns_nothing(self):
        return None

    @settles(flag)
    def returns_events(self):
        return ["first", "second"]

    @settles(flag)
    def fails(self):
        raise RuntimeError("boom")

    expected = _script(flag.settled())
    assert [_script(e) for e in returns_nothing(_Host())] == [expected]
    events = returns_events(_Host())
    assert events[:2] == ["first", "second"] and _script(events[2]) == expected
    failed = fails(_Host())
    assert _script(failed[-1]) == expected
    assert UNEXPECTED_FAILURE in str(failed[0].args) and "boom" not in str(failed[0].args)


@pytest.mark.parametrize(
    ("provider", "errors", "expected"),
    [
        ("azure", {"bucket": "Container name…"}, {"bucket": "Container name…"}),
        ("azure", {"key": "Leave Key empty"}, {"form": "Leave Key empty"}),
        ("s3", {"host": "Leave Host empty"}, {"form": "Leave Host empty"}),
        ("s3", {"provider": "Choose one"}, {"provider": "Choose one"}),
        ("gcs", {"token": "a", "region": "b"}, {"form": "a", "region": "b"}),
    ],
)
def test_cloud_errors_land_under_a_shown_input_or_on_the_form(provider, errors, expected):
    assert _form_errors(errors, PROVIDER_FIELDS[provider]) == expected

"""ClearML's server.* and debug.ping: what this server is, and the anonymous-usage choice (the Profile page's
Usage data section: everyone may read it, administrators may set it, self-hosted servers only)."""

from __future__ import annotations

from profile_app.api.auth import timestamp
from profile_app.api.registry import Auth, Call, endpoint, max_version
from profile_app.config import APP_VERSION, get_settings
from profile_app.services import usage_stats


@endpoint("server.info", versions=("1.0", "2.8", "2.12"), auth=Auth.NONE)
def info(call: Call) -> dict:
    """Public: the server's version, the highest API version it serves and its installation id."""
    return {
        "version": APP_VERSION,
        "build": "",
        "commit": "",
        "uid": usage_stats.installation_id(),
        "api_version": max_version(),
        "mode": get_settings().mode,
    }


@endpoint("server.report_stats_option", fields={"enabled": bool})
def report_stats_option(call: Call) -> dict:
    """Read the anonymous-usage choice, or set it with `enabled` (administrators only)."""
    enabled = call.payload.get("enabled")
    try:
        if enabled is None:
            state = usage_stats.get_usage_state(call.caller.user_id)
        else:
            state = usage_stats.set_usage_enabled(call.caller.user_id, enabled)
    except usage_stats.UsageDataUnavailable:
        return {"supported": False}
    answer = {"supported": True, "enabled": state.enabled, "current_version": state.app_version}
    if state.decided:
        answer |= {
            "enabled_time": timestamp(state.decided_at),
            "enabled_version": state.decided_version,
            "enabled_user": state.decided_by_public_id,
        }
    return answer


@endpoint("debug.ping", auth=Auth.NONE, fields={})
def ping(call: Call) -> dict:
    """Public: the server answers, echoing what it was sent (as clearml-server does)."""
    return {"msg": "ClearML server", **call.payload}

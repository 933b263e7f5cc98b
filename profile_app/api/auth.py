"""ClearML's auth.* for app credentials: log in for a token, and the App credentials section's list, create, edit
label and revoke. Each handler calls one credentials service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from profile_app.api import errors
from profile_app.api.registry import Call, endpoint
from profile_app.services import credentials
from profile_app.services.credentials import CredentialSummary


def timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    """ClearML leaves out a field that has no value (never used, never expires) rather than sending null."""
    return {key: value for key, value in values.items() if value is not None}


def _credential_json(summary: CredentialSummary) -> dict[str, Any]:
    return without_nulls(
        {
            "access_key": summary.access_key,
            "label": summary.label,
            "created": timestamp(summary.created_at),
            "last_used": timestamp(summary.last_used_at),
            "last_used_from": summary.last_used_from,
            "expires": timestamp(summary.expires_at),
        }
    )


@endpoint("auth.login", fields={"expiration_sec": int})
async def login(call: Call) -> dict:
    """A token for HTTP Basic `access_key:secret_key` (or for a still-valid bearer token). The caller was checked
    against the database a moment ago; signing the token reads nothing, so it runs on the event loop instead of
    paying another hop to the thread pool."""
    return {"token": credentials.issue_token(call.caller, call.payload.get("expiration_sec"))}


@endpoint("auth.create_credentials", fields={"label": str, "expiry_days": int})
def create_credentials(call: Call) -> dict:
    """New credentials in the token's workspace; the only answer that ever carries the secret key."""
    created = credentials.create_credentials(
        call.caller.user_id,
        label=call.payload.get("label") or "",
        expiry_days=call.payload.get("expiry_days"),
        workspace_id=call.caller.workspace_id,
    )
    return {
        "credentials": without_nulls(
            {
                "access_key": created.access_key,
                "secret_key": created.secret_key,
                "label": created.label,
                "created": timestamp(created.created_at),
                "expires": timestamp(created.expires_at),
            }
        )
    }


@endpoint("auth.get_credentials", closed=True)
def get_credentials(call: Call) -> dict:
    """The caller's active credentials in the token's workspace (never a secret)."""
    rows = credentials.list_credentials(call.caller.user_id, workspace_id=call.caller.workspace_id)
    return {"credentials": [_credential_json(row) for row in rows], "additional_credentials": {}}


@endpoint(
    "auth.edit_credentials",
    fields={"access_key": str, "label": str},
    required=("access_key",),
    not_found=errors.INVALID_ACCESS_KEY,
)
def edit_credentials(call: Call) -> dict:
    """Change the label of one of the caller's credentials."""
    credentials.edit_label(call.caller.user_id, call.payload["access_key"], call.payload.get("label") or "")
    return {"updated": 1}


@endpoint(
    "auth.revoke_credentials",
    fields={"access_key": str},
    required=("access_key",),
    not_found=errors.INVALID_USER,
)
def revoke_credentials(call: Call) -> dict:
    """Revoke one of the caller's credentials: its logins and tokens stop working at once."""
    credentials.revoke_credentials(call.caller.user_id, call.payload["access_key"])
    return {"revoked": 1}

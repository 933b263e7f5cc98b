"""ClearML's users.*: who the caller is, their name (the Profile page's rename) and their preferences document
(whose views.theme and views.disableHidpi are the page's Appearance and HiDPI switches)."""

from __future__ import annotations

from profile_app.api import errors
from profile_app.api.auth import timestamp
from profile_app.api.errors import ApiError
from profile_app.api.registry import Call, endpoint
from profile_app.services import credentials, preferences

# clearml-server's default for the web app's CSV downloads (services.organization.download.max_download_items).
MAX_DOWNLOAD_ITEMS = 1000


@endpoint("users.get_current_user", closed=True)
def get_current_user(call: Call) -> dict:
    """The caller: public id, name, email, workspace (ClearML's company), role, when and by which version the
    account was created, and the preferences document."""
    user = credentials.get_current_user(call.caller)
    first, _, last = user.name.partition(" ")
    return {
        "user": {
            "id": user.public_id,
            "name": user.name,
            "given_name": first,
            "family_name": last,
            "email": user.email,
            "company": {"id": str(user.workspace_id), "name": user.workspace_name},
            "role": "admin" if user.is_admin or user.role == "owner" else "user",
            "created": timestamp(user.created_at),
            "created_in_version": user.created_in_version,
            "preferences": preferences.get_preferences_document(user.id),
        },
        "getting_started": {},
        "settings": {"max_download_items": MAX_DOWNLOAD_ITEMS},
    }


@endpoint(
    "users.update",
    fields={"user": str, "name": str, "given_name": str, "family_name": str, "avatar": str},
    required=("user",),
    not_found=errors.INVALID_USER_ID,
)
def update(call: Call) -> dict:
    """Rename the caller (the only user a caller may update), with the Profile page's rules. `name` wins over
    `given_name` + `family_name`."""
    user = credentials.get_current_user(call.caller)
    if call.payload["user"] != user.public_id:
        raise ApiError(errors.INVALID_USER_ID, "Invalid user id: you can only update your own user")
    if call.payload.get("avatar"):
        raise ApiError(errors.VALIDATION_ERROR, "Validation error: this server keeps no avatars")
    name = call.payload.get("name")
    if name is None and (call.payload.get("given_name") is not None or call.payload.get("family_name") is not None):
        name = " ".join(filter(None, (call.payload.get("given_name"), call.payload.get("family_name"))))
    if name is None:
        return {"updated": 0, "fields": {}}
    renamed = preferences.rename_user(user.id, name)
    updated = int(renamed.name != user.name)
    return {"updated": updated, "fields": {"name": renamed.name} if updated else {}}


@endpoint("users.get_preferences")
def get_preferences(call: Call) -> dict:
    """The caller's preferences document."""
    return {"preferences": preferences.get_preferences_document(call.caller.user_id)}


@endpoint("users.set_preferences", fields={"preferences": dict}, required=("preferences",))
def set_preferences(call: Call) -> dict:
    """Replace top-level keys of the caller's preferences document (keys cannot start with '$' or contain '.')."""
    result = preferences.update_preferences_document(call.caller.user_id, call.payload["preferences"])
    return {"updated": int(result.updated), "fields": {"preferences": result.document} if result.updated else {}}

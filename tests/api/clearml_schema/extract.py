"""Regenerates endpoints.json from a clearml-server checkout:

    python tests/api/clearml_schema/extract.py /path/to/clearml-server > tests/api/clearml_schema/endpoints.json

For each endpoint this app implements, every version's request and response schema from
apiserver/schema/services/<service>.conf, with `$ref`s resolved and descriptions dropped: field names, types,
required fields, enums and whether other fields are allowed. Parsed with the HOCON reader the clearml SDK ships."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clearml.utilities.pyhocon import ConfigFactory

ENDPOINTS = (
    "auth.login",
    "auth.create_credentials",
    "auth.get_credentials",
    "auth.edit_credentials",
    "auth.revoke_credentials",
    "users.get_current_user",
    "users.update",
    "users.get_preferences",
    "users.set_preferences",
    "server.info",
    "server.report_stats_option",
    "login.supported_modes",
    "login.logout",
    "storage.get_settings",
    "storage.set_settings",
    "debug.ping",
)
KEPT = ("type", "properties", "required", "enum", "additionalProperties", "items", "format")


def _plain(tree):
    return tree.as_plain_ordered_dict() if hasattr(tree, "as_plain_ordered_dict") else tree


def _resolve(node, definitions):
    """Inline `$ref`s (a sibling `properties` extends the referenced object, as clearml-server's loader does)."""
    if isinstance(node, list):
        return [_resolve(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = dict(definitions[node.pop("$ref").rsplit("/", 1)[-1]])
        extra = node.pop("properties", None)
        target.update(node)
        if extra:
            target["properties"] = {**target.get("properties", {}), **extra}
        node = target
    result = {}
    for key, value in node.items():
        if key == "properties":
            result[key] = {name: _resolve(spec, definitions) for name, spec in value.items()}
        elif key in KEPT:
            result[key] = _resolve(value, definitions)
    return result


def main(root: str) -> None:
    services = Path(root) / "apiserver" / "schema" / "services"
    commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = {"source": f"allegroai/clearml-server@{commit} apiserver/schema/services/*.conf", "endpoints": {}}
    for name in ENDPOINTS:
        service, action = name.split(".")
        conf = ConfigFactory.parse_file(str(services / f"{service}.conf"))
        definitions = _plain(conf.get("_definitions", {}))
        versions = {}
        for version, spec in _plain(conf[action]).items():
            if not isinstance(spec, dict) or not version[0].isdigit():
                continue
            versions[version] = {part: _resolve(spec.get(part, {}), definitions) for part in ("request", "response")}
        out["endpoints"][name] = versions
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

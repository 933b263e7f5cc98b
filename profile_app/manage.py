"""Operator commands: `python -m profile_app.manage <command>`."""

from __future__ import annotations

import argparse
import sys

from profile_app.config import get_settings


def _migrate(_args: argparse.Namespace) -> int:
    from profile_app.migrations import upgrade_to_head

    upgrade_to_head()
    print(f"Database at revision head ({get_settings().database_backend}).")
    return 0


def _rotate_encryption_key(_args: argparse.Namespace) -> int:
    """Re-encrypt stored cloud secrets and two-factor secrets with the first key of PROFILE_ENCRYPTION_KEYS; the
    others still decrypt."""
    from profile_app.services import two_factor
    from profile_app.services.cloud_access import reencrypt_all_secrets
    from profile_app.services.errors import DomainError

    try:
        report = reencrypt_all_secrets()
        totp_report = two_factor.reencrypt_all_secrets()
    except DomainError as error:
        print(f"Rotation stopped: {error.message}", file=sys.stderr)
        return 1
    print(
        f"Re-encrypted {report.reencrypted} of {report.rows} cloud access rows and {totp_report.reencrypted} of "
        f"{totp_report.rows} two-factor secrets with key {report.key_id!r}. "
        "Keys after the first in PROFILE_ENCRYPTION_KEYS can now be removed."
    )
    return 0


COMMANDS = {
    "migrate": (_migrate, "upgrade the database schema to the newest revision"),
    "rotate-encryption-key": (
        _rotate_encryption_key,
        "re-encrypt every stored cloud and two-factor secret with the current (first) key of PROFILE_ENCRYPTION_KEYS",
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m profile_app.manage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    return COMMANDS[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())

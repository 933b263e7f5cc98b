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
    """Re-encrypt stored cloud secrets with the first key of PROFILE_ENCRYPTION_KEYS; the others still decrypt."""
    from profile_app.services.cloud_access import reencrypt_all_secrets
    from profile_app.services.errors import DomainError

    try:
        report = reencrypt_all_secrets()
    except DomainError as error:
        print(f"Rotation stopped: {error.message}", file=sys.stderr)
        return 1
    print(
        f"Re-encrypted {report.reencrypted} of {report.rows} cloud access rows with key {report.key_id!r}. "
        "Keys after the first in PROFILE_ENCRYPTION_KEYS can now be removed."
    )
    return 0


def _reset_link(args: argparse.Namespace) -> int:
    """Print a one-hour, single-use password reset link for the account with this email (for servers without
    mail, or a person who cannot receive it). Anyone holding the link can set the password: hand it over privately."""
    from profile_app.services.errors import DomainError
    from profile_app.services.password_reset import create_reset_link_for_email

    try:
        link = create_reset_link_for_email(args.email)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 1
    print("Password reset link (valid for 1 hour, works once):", file=sys.stderr)
    print(link)
    return 0


COMMANDS = {
    "migrate": (_migrate, "upgrade the database schema to the newest revision"),
    "rotate-encryption-key": (
        _rotate_encryption_key,
        "re-encrypt every stored cloud secret with the current (first) key of PROFILE_ENCRYPTION_KEYS",
    ),
    "reset-link": (_reset_link, "print a password reset link for the account with this email"),
}
# Arguments of the commands that take any (name: ((argument, help), ...)).
ARGUMENTS = {"reset-link": (("email", "the account's email address"),)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m profile_app.manage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        for argument, argument_help in ARGUMENTS.get(name, ()):
            command.add_argument(argument, help=argument_help)
    args = parser.parse_args(argv)
    return COMMANDS[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())

"""AES-GCM for third-party secrets (cloud keys, SAS, session tokens) that we must give back to their owner's
provider, so they cannot be hashed. Each ciphertext names its format version and key id, so keys can rotate; the
associated data binds it to one row and field, so a ciphertext copied to another row does not decrypt."""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from profile_app.config import get_settings
from profile_app.services.errors import DomainError

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionFailed(DomainError):
    """A stored secret cannot be read: unknown key id, wrong key, tampered text, or text from another row.
    The message never includes the ciphertext."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def row_associated_data(table: str, row_id: int, user_id: int, field: str) -> str:
    """The identity a ciphertext is bound to; any change (row, owner, field) makes decryption fail."""
    if not row_id:
        raise ValueError("encrypt after the row has an id (flush first)")
    return f"{table}:{row_id}:{user_id}:{field}"


def encrypt(plaintext: str, associated_data: str, key_id: str | None = None) -> str:
    """`v1.<kid>.<nonce>.<ciphertext+tag>` (base64url parts); an empty plaintext stays empty (nothing stored)."""
    if plaintext == "":
        return ""
    settings = get_settings()
    kid = key_id or settings.current_encryption_key_id
    key = settings.encryption_keys[kid]
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), associated_data.encode())
    return ".".join((VERSION, kid, _b64(nonce), _b64(sealed)))


def key_id_of(ciphertext: str) -> str:
    parts = ciphertext.split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        raise DecryptionFailed("A stored secret is not in a format this server knows (expected v1).")
    return parts[1]


def decrypt(ciphertext: str, associated_data: str) -> str:
    if ciphertext == "":
        return ""
    kid = key_id_of(ciphertext)
    _, _, nonce_text, sealed_text = ciphertext.split(".")
    key = get_settings().encryption_keys.get(kid)
    if key is None:
        raise DecryptionFailed(
            f"A stored secret was encrypted with key {kid!r}, which is not in PROFILE_ENCRYPTION_KEYS. "
            "Add that key back (after the current one) and run the rotation command."
        )
    try:
        plaintext = AESGCM(key).decrypt(_unb64(nonce_text), _unb64(sealed_text), associated_data.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed(
            f"A stored secret could not be decrypted with key {kid!r}: the key is wrong, or the stored text "
            "was altered or belongs to another row. Enter the secret again."
        ) from exc
    return plaintext.decode()


def needs_rotation(ciphertext: str) -> bool:
    return ciphertext != "" and key_id_of(ciphertext) != get_settings().current_encryption_key_id

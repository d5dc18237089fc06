"""Decrypting a file a user sent: AES-256-CBC, key = base64 aeskey, IV = the key's first 16 bytes, PKCS#7."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # the platform pads to 32-byte blocks (PKCS#7 with a 32-byte block)


class DecryptError(ValueError):
    """The file or its key is not what the platform sends."""


def aes_key(encoded: str) -> bytes:
    """The 32-byte key from its base64 form (the platform drops the '=' padding)."""
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError("aeskey is not base64") from exc
    if len(key) != 32:
        raise DecryptError("aeskey is not 32 bytes")
    return key


def decrypt(data: bytes, encoded_key: str) -> bytes:
    """The plain file; DecryptError if the length, key or padding is wrong."""
    key = aes_key(encoded_key)
    if not data or len(data) % 16:
        raise DecryptError("ciphertext is not whole AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(data) + dec.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise DecryptError("bad padding")
    return plain[:-pad]


def encrypt(plain: bytes, encoded_key: str) -> bytes:
    """The platform's encryption (for the test stand-in): PKCS#7 to 32 bytes, AES-256-CBC."""
    key = aes_key(encoded_key)
    pad = BLOCK - len(plain) % BLOCK
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return enc.update(plain + bytes([pad]) * pad) + enc.finalize()

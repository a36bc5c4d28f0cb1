"""Signing and verifying envelopes with a `Keyring`.

A signature covers every field of the envelope but the signature itself and the credibility a
guardian sets on receipt — ids, conversation,
parent, sender, recipients, payload, hops, path, budget, time — as the JSON this version of
agora writes (fields at their default left out, so a field added later with a default does not
change what older envelopes signed). It reads ``"<kind>:<sender>:<base64>"``: the signer's
name is bound into it and must be the envelope's sender.

What verification catches: a spoofed sender (no key signs as it, or the signature is another
agent's), a tampered field, a message signed for another conversation. A replayed envelope
carries a valid signature; the conversation rejects it by its id (seen before) or by its
conversation id. See `agora.protocols.Conversation` (``verifier=``).

Example:
    >>> from agora.protocols import Envelope, Task
    >>> ring = Keyring.generate(["geo"])
    >>> env = sign(Envelope(sender="user", recipients=["geo"], payload=Task(text="Hi")), ring)
    >>> env.signature.startswith("hmac:user:"), verify(env, ring) is env
    (True, True)
    >>> forged = env.model_copy(update={"sender": "geo"})
    >>> verify(forged, ring)
    Traceback (most recent call last):
    ...
    agora.errors.IdentityError: envelope ... from 'geo' fails verification: signed as 'user', ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from agora.errors import IdentityError
from agora.identity.keyring import Keyring
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Alert

__all__ = ["Verifier", "signed_bytes", "sign", "signature_of", "verify", "verifier"]

#: What `agora.protocols.Conversation` calls on each envelope before accepting it.
Verifier = Callable[[Envelope], Any]
_DOMAIN = b"agora-envelope-v1\n"


def signed_bytes(env: Envelope) -> bytes:
    """The bytes a signature of `env` covers."""
    unsigned = {"signature", "credibility"}  # a guardian's score is set after signing
    return _DOMAIN + env.model_dump_json(exclude=unsigned, exclude_defaults=True).encode()


def signature_of(env: Envelope, keyring: Keyring) -> str:
    """`env`'s signature by its sender (the envelope itself is not changed).

    Raises:
        ConfigError: the keyring cannot sign as the sender.
    """
    return keyring.sign_bytes(env.sender, signed_bytes(env))


def sign(env: Envelope, keyring: Keyring) -> Envelope:
    """`env` with its sender's signature.

    Raises:
        ConfigError: the keyring cannot sign as the sender.
    """
    return env.model_copy(update={"signature": signature_of(env, keyring)})


def verify(env: Envelope, keyring: Keyring) -> Envelope:
    """Return `env` when its sender signed it, else raise `IdentityError`.

    Raises:
        IdentityError: unsigned, signed by another agent, tampered with, or from a sender the
            keyring has no key for; ``error.alert`` is an `Alert` to pass on.
    """
    signature = env.signature
    if signature is None:
        _reject(env, "it is not signed")
    problem = keyring.check_bytes(env.sender, signed_bytes(env), signature)
    if problem is not None:
        _reject(env, problem)
    return env


def verifier(keyring: Keyring) -> Verifier:
    """`verify` bound to `keyring`, for ``Conversation(verifier=...)``."""

    def check(env: Envelope) -> Envelope:
        return verify(env, keyring)

    return check


def _reject(env: Envelope, problem: str) -> NoReturn:
    message = (
        f"envelope {env.id!r} from {env.sender!r} fails verification: {problem}. It was not "
        "accepted; check the sender's key in the keyring (agora keys), or treat the message "
        "as forged"
    )
    alert = Alert(level="critical", text=message)
    raise IdentityError(message, field="signature", alert=alert, envelope_id=env.id)

"""Identity between agents: keyrings, signed envelopes, authenticated journals.

- `Keyring`: who may sign as whom (HMAC keys of a shared trust domain, or Ed25519 key pairs),
  loaded from a file or ``AGORA_KEYRING``; ``agora keys new`` writes one.
- `sign`, `verify`, `verifier`: an envelope's signature by its sender, checked on receipt
  (``Conversation(verifier=...)``, ``Team(keyring=...)``).

Example:
    >>> from agora.identity import Keyring, sign, verify
    >>> from agora.protocols import Envelope, Task
    >>> ring = Keyring.generate(["geo"])
    >>> env = sign(Envelope(sender="user", recipients=["geo"], payload=Task(text="Hi")), ring)
    >>> verify(env, ring).sender
    'user'
"""

from agora.identity.keyring import ENV_KEYRING, KeyKind, Keyring
from agora.identity.signing import Verifier, sign, signature_of, signed_bytes, verifier, verify

__all__ = [
    "ENV_KEYRING",
    "KeyKind",
    "Keyring",
    "Verifier",
    "sign",
    "signature_of",
    "signed_bytes",
    "verifier",
    "verify",
]

"""`Keyring`: who may sign as whom — agents' keys, loaded from a file or the environment.

Two kinds of key, chosen per agent:

- ``hmac``: a MAC key derived from a shared secret of one trust domain (a team in one process
  or one operator's machines). Cheap (about 2 µs a message), but whoever holds the secret can
  sign as any agent of the domain.
- ``ed25519``: a key pair; the keyring holds the private key of the agents it signs for and
  only the public key of the others (remote agents, other teams), so a verifier cannot forge.

The file is JSON, written with mode 0600 (`Keyring.save`); ``agora keys new FILE --agents ...``
makes one, and `Keyring.from_env` reads the file ``AGORA_KEYRING`` names. Keys never come from
code: a keyring is generated (`Keyring.generate`) or loaded.

Example:
    >>> ring = Keyring.generate(["geo", "math"])
    >>> sorted(ring.agents), ring.kind("geo"), ring.can_sign("user")
    (['geo', 'math', 'user'], 'hmac', True)
    >>> peers = ring.public()  # what another team may hold: nothing secret, so nothing here
    >>> peers.can_verify("geo")
    False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agora._checks import check_text
from agora.errors import ConfigError, MissingDependencyError

__all__ = ["ENV_KEYRING", "KeyKind", "Keyring"]

#: Environment variable naming the keyring file `Keyring.from_env` loads.
ENV_KEYRING = "AGORA_KEYRING"
#: How an agent signs.
KeyKind = Literal["hmac", "ed25519"]
_VERSION = 1
_USER = "user"


@dataclass(frozen=True, slots=True)
class _AgentKey:
    kind: KeyKind
    domain: str = ""  # hmac: the secret's name
    private: bytes | None = None  # ed25519 seed (32 bytes)
    public: bytes | None = None  # ed25519 public key (32 bytes)


class Keyring:
    """Agents' signing and verifying keys, plus a local secret that authenticates journals.

    Build one with `generate`, `load` or `from_env`; pass it as ``Team(keyring=...)``.

    Attributes:
        agents: the names the keyring knows (signs for, or verifies only).
    """

    def __init__(
        self,
        *,
        secrets_: Mapping[str, bytes],
        agents: Mapping[str, _AgentKey],
        local: bytes,
    ) -> None:
        self._secrets = dict(secrets_)
        self._agents = dict(agents)
        self._local = local
        self._mac_keys: dict[str, bytes] = {}
        self._ed_private: dict[str, Any] = {}
        self._ed_public: dict[str, Any] = {}

    # -- building -------------------------------------------------------------------------

    @classmethod
    def generate(
        cls, agents: Iterable[str], *, kind: KeyKind = "hmac", domain: str = "team"
    ) -> Keyring:
        """A new keyring with fresh random keys for `agents` (and ``"user"``, the caller).

        Args:
            agents: the agents it signs for.
            kind: ``"hmac"`` (one shared secret, `domain`) or ``"ed25519"`` (a key pair each).
            domain: the name of the shared secret of ``hmac`` keys.

        Raises:
            ConfigError: an empty or repeated name, or an unknown kind.
            MissingDependencyError: ``ed25519`` without the ``cryptography`` package.
        """
        names = _names(agents)
        if _USER not in names:
            names.append(_USER)
        if kind == "hmac":
            check_text(domain, "domain", empty=False)
            return cls(
                secrets_={domain: secrets.token_bytes(32)},
                agents={name: _AgentKey("hmac", domain=domain) for name in names},
                local=secrets.token_bytes(32),
            )
        if kind == "ed25519":
            keys = {}
            for name in names:
                seed = secrets.token_bytes(32)
                keys[name] = _AgentKey("ed25519", private=seed, public=_ed_public_bytes(seed))
            return cls(secrets_={}, agents=keys, local=secrets.token_bytes(32))
        raise ConfigError(f"kind must be 'hmac' or 'ed25519', got {kind!r}")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        """Read a keyring file written by `save` (or ``agora keys new``).

        Raises:
            ConfigError: the file is missing, unreadable, readable by others than its owner,
                or not a keyring; the message says how to fix it.
        """
        file = Path(path)
        try:
            mode = file.stat().st_mode
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read keyring {file}: {exc.strerror or exc}. Create one with "
                f"'agora keys new {file} --agents NAME,...'"
            ) from None
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"keyring {file} is readable by other users (mode {stat.S_IMODE(mode):o}); "
                f"run 'chmod 600 {file}'"
            )
        try:
            return cls._from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{file} is not an agora keyring: {exc}") from None

    @classmethod
    def from_env(cls, variable: str = ENV_KEYRING) -> Keyring:
        """Load the keyring file that environment variable `variable` names.

        Raises:
            ConfigError: the variable is unset or the file cannot be loaded.
        """
        path = os.environ.get(variable, "").strip()
        if not path:
            raise ConfigError(
                f"{variable} is not set; point it at a keyring file "
                f"(make one with 'agora keys new keys.json --agents NAME,...')"
            )
        return cls.load(path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the keyring to `path` atomically, readable by its owner only (mode 0600)."""
        file = Path(path)
        data = json.dumps(self._to_json(), indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(tmp, file)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        return file

    def public(self) -> Keyring:
        """The part others may hold: Ed25519 public keys only (no secret, no private key).

        Give it to a team that must verify these agents; it cannot sign as them.
        """
        agents = {
            name: _AgentKey("ed25519", public=key.public)
            for name, key in self._agents.items()
            if key.kind == "ed25519"
        }
        return Keyring(secrets_={}, agents=agents, local=secrets.token_bytes(32))

    def merged(self, other: Keyring) -> Keyring:
        """This keyring plus the agents and secrets of `other` (ours win on a clash)."""
        return Keyring(
            secrets_={**other._secrets, **self._secrets},
            agents={**other._agents, **self._agents},
            local=self._local,
        )

    # -- asking ---------------------------------------------------------------------------

    @property
    def agents(self) -> tuple[str, ...]:
        """Every agent the keyring knows."""
        return tuple(self._agents)

    def kind(self, agent: str) -> KeyKind | None:
        """How `agent` signs (``None``: unknown agent)."""
        key = self._agents.get(agent)
        return None if key is None else key.kind

    def can_sign(self, agent: str) -> bool:
        """Whether this keyring holds a key that signs as `agent`."""
        key = self._agents.get(agent)
        if key is None:
            return False
        return key.domain in self._secrets if key.kind == "hmac" else key.private is not None

    def can_verify(self, agent: str) -> bool:
        """Whether this keyring can check `agent`'s signatures."""
        key = self._agents.get(agent)
        if key is None:
            return False
        return key.domain in self._secrets if key.kind == "hmac" else key.public is not None

    # -- the primitives the signing module uses -----------------------------------------

    def sign_bytes(self, agent: str, data: bytes) -> str:
        """The signature of `data` by `agent`: ``"<kind>:<agent>:<base64>"``.

        Raises:
            ConfigError: the keyring cannot sign as `agent`.
        """
        key = self._agents.get(agent)
        if key is None or not self.can_sign(agent):
            raise ConfigError(
                f"the keyring cannot sign as {agent!r}; add its key "
                f"('agora keys new FILE --agents {agent},...' or Keyring.generate)"
            )
        if key.kind == "hmac":
            raw = hmac.new(self._mac_key(agent, key), data, hashlib.sha256).digest()
        else:
            raw = self._ed_signer(agent, key).sign(data)
        return f"{key.kind}:{agent}:{base64.b64encode(raw).decode()}"

    def check_bytes(self, agent: str, data: bytes, signature: str) -> str | None:
        """``None`` when `signature` is `agent`'s over `data`, else why not."""
        kind, _, rest = signature.partition(":")
        signer, _, encoded = rest.partition(":")
        key = self._agents.get(agent)
        if key is None or not self.can_verify(agent):
            return f"no key for {agent!r} in the keyring"
        if signer != agent:
            return f"signed as {signer!r}, sent as {agent!r}"
        if kind != key.kind:
            return f"a {kind or 'missing'} signature, but {agent!r} signs with {key.kind}"
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            return "the signature is not base64"
        if key.kind == "hmac":
            expected = hmac.new(self._mac_key(agent, key), data, hashlib.sha256).digest()
            return None if hmac.compare_digest(raw, expected) else "the MAC does not match"
        return None if self._ed_verify(agent, key, raw, data) else "the signature does not match"

    def mac(self, data: bytes) -> str:
        """A MAC of `data` under the keyring's local secret (journals use it)."""
        return hmac.new(self._local, b"agora-local\n" + data, hashlib.sha256).hexdigest()

    def check_mac(self, data: bytes, mac: str) -> bool:
        """Whether `mac` is `mac(data)`."""
        return hmac.compare_digest(self.mac(data), mac)

    # -- internals ------------------------------------------------------------------------

    def _mac_key(self, agent: str, key: _AgentKey) -> bytes:
        cached = self._mac_keys.get(agent)
        if cached is None:  # one key per agent: its name is bound into every MAC it makes
            secret = self._secrets[key.domain]
            cached = hmac.new(secret, b"agora-agent\n" + agent.encode(), hashlib.sha256).digest()
            self._mac_keys[agent] = cached
        return cached

    def _ed_signer(self, agent: str, key: _AgentKey) -> Any:
        signer = self._ed_private.get(agent)
        if signer is None:
            assert key.private is not None
            signer = self._ed_private[agent] = _ed25519().Ed25519PrivateKey.from_private_bytes(
                key.private
            )
        return signer

    def _ed_verify(self, agent: str, key: _AgentKey, raw: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        verifier = self._ed_public.get(agent)
        if verifier is None:
            assert key.public is not None
            verifier = self._ed_public[agent] = _ed25519().Ed25519PublicKey.from_public_bytes(
                key.public
            )
        try:
            verifier.verify(raw, data)
        except InvalidSignature:
            return False
        return True

    def _to_json(self) -> dict[str, Any]:
        agents: dict[str, Any] = {}
        for name, key in self._agents.items():
            entry: dict[str, Any] = {"kind": key.kind}
            if key.kind == "hmac":
                entry["domain"] = key.domain
            if key.private is not None:
                entry["private"] = _b64(key.private)
            if key.public is not None:
                entry["public"] = _b64(key.public)
            agents[name] = entry
        return {
            "agora_keyring": _VERSION,
            "local": _b64(self._local),
            "secrets": {name: _b64(value) for name, value in self._secrets.items()},
            "agents": agents,
        }

    @classmethod
    def _from_json(cls, data: Any) -> Keyring:
        if not isinstance(data, dict) or data.get("agora_keyring") != _VERSION:
            raise ValueError(f"expected {{'agora_keyring': {_VERSION}, ...}}")
        agents = {}
        for name, entry in data["agents"].items():
            kind = entry["kind"]
            if kind not in ("hmac", "ed25519"):
                raise ValueError(f"agent {name!r} has unknown key kind {kind!r}")
            agents[str(name)] = _AgentKey(
                kind,
                domain=str(entry.get("domain", "")),
                private=_unb64(entry["private"]) if "private" in entry else None,
                public=_unb64(entry["public"]) if "public" in entry else None,
            )
        secrets_ = {str(k): _unb64(v) for k, v in data.get("secrets", {}).items()}
        return cls(secrets_=secrets_, agents=agents, local=_unb64(data["local"]))


def _names(agents: Iterable[str]) -> list[str]:
    if isinstance(agents, str) or not isinstance(agents, Iterable):
        raise ConfigError(f"agents must be a list of names, got {agents!r}")
    names = list(agents)
    for name in names:
        check_text(name, "an agent name", empty=False)
    if len(set(names)) != len(names):
        raise ConfigError(f"agents holds a name twice: {names}")
    return names


def _ed25519() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - cryptography is a dependency
        raise MissingDependencyError(
            "Ed25519 keys need the cryptography package: pip install cryptography"
        ) from None
    return ed25519


def _ed_public_bytes(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    private = _ed25519().Ed25519PrivateKey.from_private_bytes(seed)
    raw: bytes = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("a key must be base64 text")
    return base64.b64decode(text, validate=True)

"""Who may ask what: the keys and consents of the store, held in memory and refreshed when the
store's generation changes, and a token bucket per key.

Authenticating and checking a consent happen on every request: reading the database each time
would cost more than the answer. The service keeps both in memory and asks the store for its
generation counter at most every ``refresh_seconds`` (0: before every request); a revocation
takes effect within that delay, in every process of the service.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import threading
import time
from dataclasses import dataclass

from bank_api.db import today_china
from bank_api.errors import ApiError
from bank_api.store import Store, consent_decision, secret_hash, split_key

log = logging.getLogger("bank_api.access")


@dataclass(frozen=True)
class Principal:
    """The owner of the key a request came with."""

    key_id: str
    kind: str  # bank, firm or official
    principal_id: str
    name: str
    rate_per_s: float
    burst: int


def _epoch(iso: str | None) -> float | None:
    return None if iso is None else dt.datetime.fromisoformat(iso).timestamp()


class Directory:
    """Keys and consents in memory, refreshed from ``store``."""

    def __init__(self, store: Store, refresh_seconds: float = 0.5) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._keys: dict[str, dict] = {}
        self._consents: dict[tuple[str, str], dict[str, dict]] = {}
        self._seen = -1
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return
        with self._lock:
            self._checked = now
            generation = self.store.generation()
            if generation == self._seen:
                return
            for row in self.store.keys_since(self._seen):
                row["expires_epoch"] = _epoch(row["expires_at"])
                self._keys[row["key_id"]] = row
            for row in self.store.consents_since(self._seen):
                slot = self._consents.setdefault((row["bank_id"], row["firm_id"]), {})
                slot[row["consent_id"]] = row
            self._seen = generation

    def authenticate(self, raw: str | None) -> Principal:
        """Return the key's owner, or raise ApiError (401) for a missing, unknown, wrong,
        revoked or expired key."""
        if not raw:
            raise ApiError("missing_key")
        self.refresh()
        parts = split_key(raw.strip())
        row = self._keys.get(parts[0]) if parts else None
        if row is None or not hmac.compare_digest(row["secret_sha256"], secret_hash(parts[1])):
            raise ApiError("invalid_key")
        if row["revoked_at"] is not None:
            raise ApiError("key_revoked")
        if row["expires_epoch"] is not None and time.time() >= row["expires_epoch"]:
            raise ApiError("key_revoked" if row["replaced_by"] else "key_expired")
        return Principal(
            row["key_id"],
            row["kind"],
            row["principal_id"],
            row["name"],
            row["rate_per_s"],
            row["burst"],
        )

    def names(self) -> dict[str, str]:
        """Return {principal_id: name} of every key's owner."""
        return {row["principal_id"]: row["name"] for row in self._keys.values()}

    def consent(self, bank_id: str, firm_id: str, purpose: str) -> tuple[str, dict | None]:
        """Return ("ok", consent) or (the 403 code, the closest consent) for a bank's query."""
        rows = list(self._consents.get((bank_id, firm_id), {}).values())
        return consent_decision(rows, purpose, today_china().isoformat())


class RateLimiter:
    """A token bucket per key: ``rate_per_s`` tokens a second, at most ``burst`` saved up."""

    def __init__(self) -> None:
        self._buckets: dict[str, list[float]] = {}

    def take(self, principal: Principal, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens of the key, or raise ApiError 429 with Retry-After."""
        now = time.monotonic()
        bucket = self._buckets.get(principal.key_id)
        if bucket is None:
            bucket = self._buckets[principal.key_id] = [float(principal.burst), now]
        tokens = min(float(principal.burst), bucket[0] + (now - bucket[1]) * principal.rate_per_s)
        bucket[1] = now
        if tokens < cost:
            bucket[0] = tokens
            wait = (cost - tokens) / principal.rate_per_s if principal.rate_per_s > 0 else 60
            raise ApiError("rate_limited", headers={"Retry-After": str(max(1, int(wait + 0.999)))})
        bucket[0] = tokens - cost

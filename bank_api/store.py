"""Keys, principals and consents: SQLAlchemy Core on SQLite (WAL, the default) or PostgreSQL.

The same statements run on both; only the connection setup differs (SQLite gets WAL,
``synchronous=FULL`` and ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing).
Every change to a key or a consent takes a new value of the store's generation counter in the
same transaction, so a running service reloads only what changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bank_api import audit
from bank_api.db import default_url, make_engine, now_utc, reading

PURPOSES: dict[str, str] = {
    "pre_loan": "贷前审查",
    "post_loan": "贷后管理",
    "credit_approval": "授信审批",
    "guarantee": "担保审查",
}
KINDS = ("bank", "firm", "official")
KEY_PREFIX = "ehk"

metadata = sa.MetaData()
principals = sa.Table(
    "principals",
    metadata,
    sa.Column("principal_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("principal_id", sa.String(64), nullable=False, index=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32)),
    sa.Column("revoked_at", sa.String(32)),
    sa.Column("revoked_reason", sa.String(200)),
    sa.Column("replaced_by", sa.String(32)),
    sa.Column("rate_per_s", sa.Float, nullable=False),
    sa.Column("burst", sa.Integer, nullable=False),
    sa.Column("change_seq", sa.BigInteger, nullable=False, index=True),
)
consents = sa.Table(
    "consents",
    metadata,
    sa.Column("consent_id", sa.String(32), primary_key=True),
    sa.Column("firm_id", sa.String(18), nullable=False),
    sa.Column("bank_id", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("valid_from", sa.String(10), nullable=False),
    sa.Column("valid_until", sa.String(10), nullable=False),
    sa.Column("evidence", sa.String(500)),
    sa.Column("granted_at", sa.String(32), nullable=False),
    sa.Column("granted_by", sa.String(64), nullable=False),
    sa.Column("revoked_at", sa.String(32)),
    sa.Column("revoked_by", sa.String(64)),
    sa.Column("change_seq", sa.BigInteger, nullable=False, index=True),
    sa.Index("ix_consents_bank_firm", "bank_id", "firm_id"),
    sa.Index("ix_consents_firm", "firm_id"),
)
store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def secret_hash(secret: str) -> str:
    """Return the stored form of a key's secret (SHA-256: the secret is 256 random bits, so a
    slow password hash adds nothing but latency)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """Return (key_id, secret) of ``ehk_<key_id>_<secret>``, or None when malformed."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True)
class NewKey:
    key_id: str
    principal_id: str
    api_key: str  # shown once, never stored


def consent_decision(rows: list[dict], purpose: str, today: str) -> tuple[str, dict | None]:
    """Return ("ok", consent) when one of a bank's consents for a firm covers ``purpose`` on
    ``today`` (YYYY-MM-DD), else (error code, the closest consent or None).

    >>> c = {"purpose": "pre_loan", "valid_from": "2026-01-01", "valid_until": "2026-12-31",
    ...      "revoked_at": None}
    >>> consent_decision([c], "pre_loan", "2026-06-01")[0], consent_decision([c], "post_loan",
    ...     "2026-06-01")[0], consent_decision([c], "pre_loan", "2027-01-01")[0]
    ('ok', 'consent_wrong_purpose', 'consent_expired')
    """
    if not rows:
        return "no_consent", None
    same = [r for r in rows if r["purpose"] == purpose]
    for r in same:
        if r["revoked_at"] is None and r["valid_from"] <= today <= r["valid_until"]:
            return "ok", r
    live = [r for r in same if r["revoked_at"] is None]
    if live:
        return "consent_expired", live[-1]
    if same:
        return "consent_revoked", same[-1]
    return "consent_wrong_purpose", rows[-1]


class Store:
    """The keys, principals and consents of one database."""

    def __init__(
        self, url: str | None = None, engine: Engine | None = None, service: bool = False
    ) -> None:
        self.url = url or default_url()
        self.engine = engine or make_engine(self.url, background_checkpoints=service)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def create_all(self) -> None:
        """Create the tables (idempotent), the generation counter and the audit log."""
        metadata.create_all(self.engine)
        audit.audit_metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            for name in ("generation",):
                if conn.execute(sa.select(store_meta).where(store_meta.c.name == name)).first():
                    continue
                conn.execute(sa.insert(store_meta).values(name=name, value=0))
            audit.install_guards(conn)

    def _bump(self, conn) -> int:
        conn.execute(
            sa.update(store_meta)
            .where(store_meta.c.name == "generation")
            .values(value=store_meta.c.value + 1)
        )
        return conn.execute(
            sa.select(store_meta.c.value).where(store_meta.c.name == "generation")
        ).scalar_one()

    def generation(self) -> int:
        with reading(self.engine) as conn:
            value = conn.execute(
                sa.select(store_meta.c.value).where(store_meta.c.name == "generation")
            ).scalar_one_or_none()
        return value or 0

    # principals and keys ----------------------------------------------------------------
    def ensure_principal(self, conn, kind: str, principal_id: str, name: str | None) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        row = conn.execute(
            sa.select(principals).where(principals.c.principal_id == principal_id)
        ).first()
        if row is None:
            conn.execute(
                sa.insert(principals).values(
                    principal_id=principal_id,
                    kind=kind,
                    name=name or principal_id,
                    created_at=now_utc(),
                )
            )
        elif row.kind != kind:
            raise ValueError(f"{principal_id} is a {row.kind}, not a {kind}")
        elif name and name != row.name:
            conn.execute(
                sa.update(principals)
                .where(principals.c.principal_id == principal_id)
                .values(name=name)
            )

    def _insert_key(self, conn, principal_id: str, rate: float, burst: int, seq: int) -> NewKey:
        key_id = secrets.token_hex(5)
        secret = secrets.token_urlsafe(32)
        conn.execute(
            sa.insert(api_keys).values(
                key_id=key_id,
                principal_id=principal_id,
                secret_sha256=secret_hash(secret),
                created_at=now_utc(),
                rate_per_s=rate,
                burst=burst,
                change_seq=seq,
            )
        )
        return NewKey(key_id, principal_id, f"{KEY_PREFIX}_{key_id}_{secret}")

    def create_key(
        self,
        kind: str,
        principal_id: str,
        name: str | None = None,
        rate_per_s: float = 50.0,
        burst: int = 100,
    ) -> NewKey:
        """Create a key for a bank, a firm (principal_id = its USCC) or an official."""
        with self.engine.begin() as conn:
            self.ensure_principal(conn, kind, principal_id, name)
            return self._insert_key(conn, principal_id, rate_per_s, burst, self._bump(conn))

    def list_keys(self) -> list[dict]:
        """Return every key (never a secret): id, owner, state, limits."""
        query = (
            sa.select(
                api_keys.c.key_id,
                api_keys.c.principal_id,
                principals.c.kind,
                principals.c.name,
                api_keys.c.created_at,
                api_keys.c.expires_at,
                api_keys.c.revoked_at,
                api_keys.c.revoked_reason,
                api_keys.c.replaced_by,
                api_keys.c.rate_per_s,
                api_keys.c.burst,
            )
            .join(principals, principals.c.principal_id == api_keys.c.principal_id)
            .order_by(api_keys.c.created_at, api_keys.c.key_id)
        )
        with reading(self.engine) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return rows

    def _key(self, conn, key_id: str):
        row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        if row is None:
            raise KeyError(f"no key {key_id}")
        return row

    def rotate_key(self, key_id: str, grace_seconds: int = 0) -> NewKey:
        """Issue a new key to the same owner; the old one stops working after ``grace_seconds``
        (0: at once)."""
        with self.engine.begin() as conn:
            old = self._key(conn, key_id)
            if old.revoked_at is not None:
                raise ValueError(f"key {key_id} is revoked")
            seq = self._bump(conn)
            new = self._insert_key(conn, old.principal_id, old.rate_per_s, old.burst, seq)
            now = dt.datetime.now(dt.UTC)
            values = {"replaced_by": new.key_id, "change_seq": seq}
            if grace_seconds > 0:
                later = now + dt.timedelta(seconds=grace_seconds)
                values["expires_at"] = later.isoformat(timespec="milliseconds")
            else:
                values.update(revoked_at=now_utc(), revoked_reason="rotated")
            conn.execute(sa.update(api_keys).where(api_keys.c.key_id == key_id).values(**values))
            return new

    def revoke_key(self, key_id: str, reason: str = "revoked") -> None:
        with self.engine.begin() as conn:
            self._key(conn, key_id)
            conn.execute(
                sa.update(api_keys)
                .where(api_keys.c.key_id == key_id)
                .values(revoked_at=now_utc(), revoked_reason=reason, change_seq=self._bump(conn))
            )

    def keys_since(self, seq: int) -> list[dict]:
        """Keys changed after generation ``seq``, with their owner's kind and name."""
        query = (
            sa.select(api_keys, principals.c.kind, principals.c.name)
            .join(principals, principals.c.principal_id == api_keys.c.principal_id)
            .where(api_keys.c.change_seq > seq)
        )
        with reading(self.engine) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return rows

    def principal(self, principal_id: str) -> dict | None:
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(principals).where(principals.c.principal_id == principal_id)
            ).first()
        return dict(row._mapping) if row else None

    # consents ---------------------------------------------------------------------------
    def grant_consent(
        self,
        firm_id: str,
        bank_id: str,
        purpose: str,
        valid_from: str,
        valid_until: str,
        granted_by: str,
        evidence: str | None = None,
    ) -> dict:
        """Record that ``firm_id`` authorises ``bank_id`` for ``purpose`` between two dates."""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}")
        dt.date.fromisoformat(valid_from), dt.date.fromisoformat(valid_until)
        if valid_until < valid_from:
            raise ValueError("valid_until is before valid_from")
        with self.engine.begin() as conn:
            bank = conn.execute(
                sa.select(principals.c.kind).where(principals.c.principal_id == bank_id)
            ).scalar_one_or_none()
            if bank != "bank":
                raise LookupError(f"no bank {bank_id}")
            row = {
                "consent_id": "c" + secrets.token_hex(8),
                "firm_id": firm_id,
                "bank_id": bank_id,
                "purpose": purpose,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "evidence": evidence,
                "granted_at": now_utc(),
                "granted_by": granted_by,
                "revoked_at": None,
                "revoked_by": None,
                "change_seq": self._bump(conn),
            }
            conn.execute(sa.insert(consents).values(**row))
        return row

    def revoke_consent(self, consent_id: str, revoked_by: str) -> dict:
        """Revoke a consent (kept, with who revoked it and when); return it."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(consents).where(consents.c.consent_id == consent_id)
            ).first()
            if row is None:
                raise KeyError(consent_id)
            if row.revoked_at is None:
                conn.execute(
                    sa.update(consents)
                    .where(consents.c.consent_id == consent_id)
                    .values(
                        revoked_at=now_utc(), revoked_by=revoked_by, change_seq=self._bump(conn)
                    )
                )
            row = conn.execute(
                sa.select(consents).where(consents.c.consent_id == consent_id)
            ).first()
        return dict(row._mapping)

    def consent(self, consent_id: str) -> dict | None:
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(consents).where(consents.c.consent_id == consent_id)
            ).first()
        return dict(row._mapping) if row else None

    def list_consents(self, firm_id: str | None = None, bank_id: str | None = None) -> list[dict]:
        query = sa.select(consents).order_by(consents.c.granted_at, consents.c.consent_id)
        if firm_id:
            query = query.where(consents.c.firm_id == firm_id)
        if bank_id:
            query = query.where(consents.c.bank_id == bank_id)
        with reading(self.engine) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return rows

    def consents_since(self, seq: int) -> list[dict]:
        with reading(self.engine) as conn:
            rows = [
                dict(r._mapping)
                for r in conn.execute(sa.select(consents).where(consents.c.change_seq > seq))
            ]
        return rows

    def grant_many(self, rows: list[dict], granted_by: str) -> int:
        """Record many consents in one transaction (benchmarks, bulk imports of signed forms)."""
        with self.engine.begin() as conn:
            seq = self._bump(conn)
            now = now_utc()
            conn.execute(
                sa.insert(consents),
                [
                    {
                        "consent_id": "c" + secrets.token_hex(8),
                        "evidence": None,
                        "granted_at": now,
                        "granted_by": granted_by,
                        "revoked_at": None,
                        "revoked_by": None,
                        "change_seq": seq,
                        **r,
                    }
                    for r in rows
                ],
            )
        return len(rows)

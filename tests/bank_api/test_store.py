"""Keys, consents and the audit chain on SQLite and on PostgreSQL (same code)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from bank_api import audit
from bank_api.access import Directory
from bank_api.cli import main
from bank_api.errors import ApiError
from tests.bank_api.conftest import days


def rows(n: int, firm: str = "913303020UY2RM9Q0C", principal: str = "icbc-wz") -> list[dict]:
    return [
        {
            "at": f"2026-12-01T08:00:{i % 60:02d}.000+00:00",
            "request_id": f"r{i}",
            "key_id": "k1",
            "principal_kind": "bank",
            "principal_id": principal,
            "firm_id": firm,
            "purpose": "pre_loan",
            "endpoint": "firms.current",
            "http_status": 200,
            "outcome": "ok",
            "snapshot_id": "s1",
        }
        for i in range(n)
    ]


def tamper(store, sql: str) -> None:
    """What an intruder with database access does: switch the guard off, change, switch on."""
    with store.engine.begin() as conn:
        if store.is_sqlite:
            conn.exec_driver_sql("drop trigger audit_log_no_update")
            conn.exec_driver_sql("drop trigger audit_log_no_delete")
            conn.exec_driver_sql(sql)
        else:
            conn.exec_driver_sql("alter table audit_log disable trigger audit_log_append_only")
            conn.exec_driver_sql(sql)
            conn.exec_driver_sql("alter table audit_log enable trigger audit_log_append_only")


def test_keys_authenticate_until_revoked_or_rotated(store):
    directory = Directory(store, refresh_seconds=0)
    first = store.create_key("bank", "icbc-wz", "工商银行温州分行")
    assert directory.authenticate(first.api_key).principal_id == "icbc-wz"
    second = store.rotate_key(first.key_id)
    with pytest.raises(ApiError) as err:
        directory.authenticate(first.api_key)
    assert err.value.code == "key_revoked"
    assert directory.authenticate(second.api_key).name == "工商银行温州分行"
    store.revoke_key(second.key_id)
    with pytest.raises(ApiError):
        directory.authenticate(second.api_key)
    assert [k["revoked_at"] is not None for k in store.list_keys()] == [True, True]


def test_consents_are_decided_by_purpose_dates_and_revocation(store):
    directory = Directory(store, refresh_seconds=0)
    store.create_key("bank", "icbc-wz")
    firm = "913303020UY2RM9Q0C"
    assert directory.consent("icbc-wz", firm, "pre_loan")[0] == "no_consent"
    c = store.grant_consent(firm, "icbc-wz", "pre_loan", days(-1), days(1), "t", "授权书1")
    directory.refresh(force=True)
    assert directory.consent("icbc-wz", firm, "pre_loan")[0] == "ok"
    assert directory.consent("icbc-wz", firm, "post_loan")[0] == "consent_wrong_purpose"
    store.revoke_consent(c["consent_id"], "t")
    directory.refresh(force=True)
    assert directory.consent("icbc-wz", firm, "pre_loan")[0] == "consent_revoked"
    with pytest.raises(LookupError):
        store.grant_consent(firm, "no-such-bank", "pre_loan", days(0), days(1), "t")
    assert store.list_consents(firm_id=firm)[0]["evidence"] == "授权书1"


def test_the_audit_chain_verifies_and_refuses_updates_and_deletes(store):
    audit.append(store.engine, rows(5))
    audit.append(store.engine, rows(3))
    result = audit.verify(store.engine)
    assert result.ok and result.rows == 8 and result.last_seq == 8
    for sql in (
        "update audit_log set outcome = 'x' where seq = 2",
        "delete from audit_log where seq = 2",
    ):
        with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
            conn.exec_driver_sql(sql)
    assert audit.verify(store.engine).ok


@pytest.mark.parametrize(
    "sql, found",
    [
        ("update audit_log set principal_id = 'abc-wz' where seq = 3", "row 3: content changed"),
        ("update audit_log set http_status = 403 where seq = 1", "row 1: content changed"),
        ("delete from audit_log where seq = 4", "rows 4..4 are missing"),
        ("delete from audit_log where seq >= 5", "rows 5..6 are missing"),
    ],
)
def test_verify_finds_a_changed_or_deleted_row(store, sql, found):
    audit.append(store.engine, rows(6))
    tamper(store, sql)
    result = audit.verify(store.engine)
    assert not result.ok
    assert any(found in p for p in result.problems), result.problems


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(store):
    audit.append(store.engine, rows(4))
    with store.engine.connect() as conn:
        row = dict(
            conn.execute(sa.select(audit.audit_log).where(audit.audit_log.c.seq == 2))
            .one()
            ._mapping
        )
    row["outcome"] = "forged"
    forged = audit.row_hash(row["prev_hash"], row)
    tamper(store, f"update audit_log set outcome = 'forged', row_hash = '{forged}' where seq = 2")
    problems = audit.verify(store.engine).problems
    assert any("row 3: link to the previous row is broken" in p for p in problems), problems


def test_concurrent_writers_keep_one_unbroken_chain(store):
    def write(i):
        for _ in range(10):
            audit.append(store.engine, rows(7, principal=f"bank-{i}"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.verify(store.engine)
    assert result.ok and result.rows == 4 * 10 * 7


def test_cli_manages_keys_consents_and_the_audit_log(store, tmp_path, capsys):
    db = ["--db", store.url]
    assert (
        main(
            [
                *db,
                "keys",
                "create",
                "--kind",
                "bank",
                "--id",
                "icbc-wz",
                "--name",
                "工商银行温州分行",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    key_id = out.split("key_id: ")[1].split()[0]
    assert "api_key: ehk_" in out
    assert main([*db, "keys", "list"]) == 0
    assert "工商银行温州分行" in capsys.readouterr().out
    assert main([*db, "keys", "rotate", key_id]) == 0
    assert "retired" in capsys.readouterr().out
    firm = "913303020UY2RM9Q0C"
    grant = [*db, "consents", "grant", "--firm", firm, "--bank", "icbc-wz", "--purpose", "pre_loan"]
    assert main([*grant, "--until", days(30), "--evidence", "WZ-0001"]) == 0
    consent_id = capsys.readouterr().out.split("consent_id: ")[1].split()[0]
    assert main([*grant[:-6], "--firm", firm[:17] + "0", *grant[-4:], "--until", days(3)]) == 2
    assert main([*db, "consents", "revoke", consent_id]) == 0
    capsys.readouterr()
    audit.append(store.engine, rows(3))
    month = rows(1)[0]["at"][:7]
    out_csv = tmp_path / "audit.csv"
    assert (
        main([*db, "audit", "export", "--bank", "icbc-wz", "--month", month, "--out", str(out_csv)])
        == 0
    )
    lines = out_csv.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 4 and lines[0].startswith("seq,at,request_id")
    assert main([*db, "audit", "verify"]) == 0
    tamper(store, "delete from audit_log where seq = 2")
    assert main([*db, "audit", "verify"]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_the_service_answers_and_audits_on_either_store(published, store):
    from tests.bank_api.conftest import audit_rows, make_world

    world = make_world(published, store)
    with world.client:
        ok = world.get(f"/v1/firms/{world.healthy}?purpose=pre_loan")
        refused = world.get(f"/v1/firms/{world.unconsented}?purpose=pre_loan")
        batch = world.post(
            "/v1/firms/batch", json={"purpose": "pre_loan", "firm_ids": [world.healthy] * 50}
        )
    assert (ok.status_code, refused.status_code, batch.status_code) == (200, 403, 200)
    outcomes = [(r["http_status"], r["outcome"]) for r in audit_rows(store)]
    assert outcomes[:2] == [(200, "ok"), (403, "no_consent")] and len(outcomes) == 52
    assert audit.verify(store.engine).ok

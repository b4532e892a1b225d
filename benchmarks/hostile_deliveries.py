"""Replay hostile deliveries against a small simulated region and say which were handled right.

    python benchmarks/hostile_deliveries.py [--firms 300] [--months 8] [--only NAME]

For each case: a fresh warehouse loads the clean landing zone (every feed), one fault is put into
one file (or one file is added), every feed is loaded again, and the outcome is judged as a data
team would:

- accounted: every file under landing/ is in the file log, and every loaded file has
  received = accepted + quarantined, matching the rows in raw.<feed> and raw.quarantine;
- isolated: every other feed's table is identical to the clean run;
- expected: the case's own outcome (a status and reason for the file, a reason at a line for a
  row, the period's rows kept or replaced).

Prints one line per case and "handled N of M". The cases follow docs/bad_input.md; the
department files are the simulator's, so the faults sit in realistic files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.contracts import CONTRACTS  # noqa: E402
from ingest.landing import survey  # noqa: E402
from ingest.load import FeedError, ingest_feed, log_unrecognised  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_cases import Case, cases  # noqa: E402

CONTRACT_LIST = list(CONTRACTS.values())


def load_all(con, landing: Path) -> dict:
    out = {}
    for c in CONTRACT_LIST:
        try:
            out[c.feed_id] = ingest_feed(con, c, landing)
        except FeedError as exc:
            out[c.feed_id] = exc.result
    log_unrecognised(con, survey(landing, CONTRACT_LIST), landing)
    return out


def table_state(con, feed: str) -> list:
    return sorted(con.execute(f"select * exclude (_line) from raw.{feed}").fetchall(), key=str)


def run_case(case: Case, clean: Path, base: dict, work: Path) -> tuple[bool, str]:
    landing = work / "landing"
    shutil.copytree(clean, landing)
    with duckdb.connect(str(work / "w.duckdb")) as con:
        load_all(con, landing)
        touched = case.inject(landing)
        load_all(con, landing)
        problems = []
        on_disk = {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}
        logged = {f for (f,) in con.execute("select file from raw.ingest_files").fetchall()}
        if on_disk - logged:
            problems.append(f"not in the log: {sorted(on_disk - logged)[:3]}")
        for feed, file, received, accepted, quarantined in con.execute(
            "select feed_id, file, received, accepted, quarantined from raw.ingest_files "
            "where status = 'loaded'"
        ).fetchall():
            rows = con.execute(
                f"select count(*) from raw.{feed} where _file = ?", [file]
            ).fetchone()[0]
            q = con.execute(
                "select count(*) from raw.quarantine where feed_id = ? and file = ?", [feed, file]
            ).fetchone()[0]
            if received != accepted + quarantined or (rows, q) != (accepted, quarantined):
                problems.append(f"accounting broken for {file}")
        for feed, state in base.items():
            if feed != case.feed and table_state(con, feed) != state:
                problems.append(f"{feed} changed")
        verdict = case.expect(con, touched, {})
        if verdict:
            problems.append(verdict)
    return not problems, "; ".join(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--months", type=int, default=8)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    from simulator import simulate

    root = Path(tempfile.mkdtemp(prefix="hostile-"))
    t0 = time.perf_counter()
    simulate(root / "sim", firms=args.firms, months=args.months, seed=5, fault_rate=0.0,
             progress=False)  # fmt: skip
    clean = root / "sim" / "landing"
    with duckdb.connect(str(root / "base.duckdb")) as con:
        load_all(con, clean)
        base = {c.feed_id: table_state(con, c.feed_id) for c in CONTRACT_LIST}
    selected = [c for c in cases() if not args.only or args.only in c.name]
    ok = 0
    for i, case in enumerate(selected, start=1):
        work = root / f"case{i:02d}"
        work.mkdir()
        good, why = run_case(case, clean, base, work)
        ok += good
        print(f"{'ok  ' if good else 'FAIL'} {case.name:<48} {why}", flush=True)
        shutil.rmtree(work)
    print(
        f"handled {ok} of {len(selected)} hostile deliveries "
        f"({args.firms} firms x {args.months} months, {time.perf_counter() - t0:,.0f} s)"
    )
    shutil.rmtree(root)
    return 0 if ok == len(selected) else 1


if __name__ == "__main__":
    raise SystemExit(main())

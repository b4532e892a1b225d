"""``python -m simulator --firms 20000 --months 36 --end 2026-09 --seed 42 --out data/sim``"""

from __future__ import annotations

import argparse
import sys
import time

from simulator import simulate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Write simulated department feeds (landing/) and ground truth (truth/).",
    )
    ap.add_argument("--firms", type=int, default=20_000, help="number of firms (default 20000)")
    ap.add_argument("--months", type=int, default=36, help="months of feeds (default 36)")
    ap.add_argument("--end", default="2026-09", help="last month, YYYY-MM (default 2026-09)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument(
        "--fault-rate", type=float, default=0.01, help="row fault rate (default 0.01; 0 = clean)"
    )
    ap.add_argument(
        "--out", default="data/sim", help="output root; its landing/ and truth/ are replaced"
    )
    ap.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    s = simulate(
        args.out,
        firms=args.firms,
        months=args.months,
        end=args.end,
        seed=args.seed,
        fault_rate=args.fault_rate,
        progress=not args.no_progress,
    )
    dt = time.perf_counter() - t0
    print(
        f"simulated {s['firms']:,} firms, {s['start']}..{s['end']} (seed {s['seed']}, "
        f"fault rate {s['fault_rate']}) -> {args.out} in {dt:.1f}s"
    )
    print(f"  files written: {s['files_written']}")
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in s["rows"].items()))
    print("  faults: " + ", ".join(f"{k} {v:,}" for k, v in s["faults"].items()))
    print("  distress events: " + ", ".join(f"{k} {v:,}" for k, v in s["events"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

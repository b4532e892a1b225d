"""One module per guarded table, each defining ``SUITE``; ``ALL_SUITES`` finds them all (raw
suites first, in the order of the feed contracts). A feed without a module of its own is guarded
by ``_common.volume_suite``, built from its contract, so a new feed is checked from the start."""

import importlib
import pkgutil

from expectations.suites._common import volume_suite
from ingest.contracts import CONTRACTS


def _discover() -> list:
    suites = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "SUITE"):
            suites.append(module.SUITE)
    have = {s.name for s in suites}
    suites += [volume_suite(c) for feed, c in CONTRACTS.items() if f"raw_{feed}" not in have]
    order = {f"raw_{feed}": i for i, feed in enumerate(CONTRACTS)}
    return sorted(suites, key=lambda s: (order.get(s.name, len(order)), s.name))


ALL_SUITES = _discover()

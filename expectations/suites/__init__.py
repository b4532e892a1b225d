"""One module per guarded table, each defining ``SUITE``; ``ALL_SUITES`` finds them all, so a
new feed's suite is one new file (raw suites first, in the order of the feed contracts)."""

import importlib
import pkgutil

from ingest.contracts import CONTRACTS


def _discover() -> list:
    suites = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "SUITE"):
            suites.append(module.SUITE)
    order = {f"raw_{feed}": i for i, feed in enumerate(CONTRACTS)}
    return sorted(suites, key=lambda s: (order.get(s.name, len(order)), s.name))


ALL_SUITES = _discover()

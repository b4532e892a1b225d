"""How `make test` shares the suite between its two processes (pytest-xdist, `--dist loadgroup`).

Each test module runs whole on one process, so a module's fixtures (a simulated region, a built
warehouse, the PostgreSQL database of the store tests) are built and used by one process only;
the modules that read the shared pipeline build (tests/integration/conftest.py::pipeline) run on
the same process, so it is built once too.
"""

import sys

import pytest


def _group(item: pytest.Item) -> str:
    uses_pipeline = "pipeline" in getattr(item, "fixturenames", ())
    return "pipeline" if uses_pipeline else item.nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(_group(item)))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker, check that pytest-xdist really put each test in its group (it does so
    by renaming the test; a pytest release that stores ids elsewhere silently undoes it)."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    ungrouped = [item.nodeid for item in session.items if "@" not in item.nodeid]
    if ungrouped:
        message = (
            f"pytest-xdist ignored the test groups ({ungrouped[0]} has none): the two processes "
            "would share modules and their databases. Install the pytest pinned in pyproject.toml."
        )
        sys.stderr.write(message + "\n")  # a worker's exception reaches the terminal truncated
        raise pytest.UsageError(message)

"""How `make test` shares the suite between its two processes (pytest-xdist, `--dist loadgroup`).

Each test module runs whole on one process, so a module's fixtures (a simulated region, a built
warehouse) are built once; the modules that read the shared pipeline build
(tests/integration/conftest.py::pipeline) run on the same process, so it is built once too.
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        uses_pipeline = "pipeline" in getattr(item, "fixturenames", ())
        group = "pipeline" if uses_pipeline else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))

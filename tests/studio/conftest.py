"""Studio tests poll quickly and start from a simulator with an empty request log."""

import pytest

from playground.simulator.app import application as simulator


@pytest.fixture(autouse=True)
def _quick_polls(settings):
    settings.STUDIO_POLL_FIRST_SECONDS = 0.05
    settings.STUDIO_POLL_MAX_SECONDS = 0.2
    simulator.reset()

"""Studio fixtures: the task worker, run in the test's own process against the test database."""

import threading
import time

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from playground.simulator.app import application as simulator


def _worker(**options) -> Worker:
    return Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        **options,
    )


@pytest.fixture(autouse=True)
def _quick_polls(settings):
    settings.STUDIO_POLL_FIRST_SECONDS = 0.05
    settings.STUDIO_POLL_MAX_SECONDS = 0.2
    simulator.reset()


@pytest.fixture
def run_tasks():
    """Run due tasks until `done()` holds (jobs re-enqueue their polls a little later)."""

    def run(done, *, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while True:
            _worker(interval=0, batch=True).run()
            if done():
                return
            if time.monotonic() > deadline:
                raise AssertionError("the jobs did not finish in time")
            time.sleep(0.05)

    return run


@pytest.fixture
def worker_thread():
    """A worker running in the background, as `make run` starts one beside the server."""
    worker = _worker(interval=0.05, batch=False)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(10)

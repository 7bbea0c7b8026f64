"""The task worker's health probe: unhealthy exactly when due tasks are left waiting."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from playground.studio.tasks import poll_generation, submit_generation

pytestmark = pytest.mark.django_db


def probe(*args) -> str:
    out = StringIO()
    call_command("worker_health", *args, stdout=out)
    return out.getvalue().strip()


def age(minutes: float) -> None:
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_a_task_just_enqueued_is_no_sign_of_trouble():
    assert probe() == "ok"
    submit_generation.enqueue(1)
    assert probe() == "ok"


def test_a_due_task_left_waiting_makes_the_worker_unhealthy():
    submit_generation.enqueue(1)
    age(minutes=10)
    with pytest.raises(CommandError, match="1 task"):
        probe()
    assert probe("--max-wait", "900") == "ok"


def test_a_poll_scheduled_for_later_is_not_waiting():
    later = timezone.now() + dt.timedelta(minutes=5)
    poll_generation.using(run_after=later).enqueue(1, 1)
    age(minutes=10)
    assert probe() == "ok"


@pytest.mark.django_db(transaction=True)  # the worker closes its connections
def test_healthy_again_once_a_worker_has_taken_the_task(run_tasks):
    submit_generation.enqueue(1)  # no such job: the task ends at once
    age(minutes=10)
    run_tasks(lambda: not DBTaskResult.objects.ready().exists())
    assert probe() == "ok"

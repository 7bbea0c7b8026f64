"""`manage.py worker_health`: the task worker's health probe (compose.yaml, docs/deploy.md).

A worker that is down, stuck in a task or cut off from the database leaves ready tasks
waiting, so healthy means: the database answers, and no task that is due has waited longer
than --max-wait seconds. Exits 0 with "ok", or 1 with the reason.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


class Command(BaseCommand):
    help = "Exit 0 if the database answers and no due task has waited too long, else 1."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-wait",
            type=float,
            default=300.0,
            help="Seconds a due task may wait for a worker (default: %(default)s).",
        )

    def handle(self, *args, max_wait: float, **options):
        cutoff = timezone.now() - dt.timedelta(seconds=max_wait)
        # A task is due from its run_after, or from enqueueing when it has none (date max).
        overdue = (
            DBTaskResult.objects.ready()
            .filter(enqueued_at__lt=cutoff)
            .filter(Q(run_after__lt=cutoff) | Q(run_after=get_date_max()))
        )
        try:
            waiting = overdue.count()
        except DatabaseError as error:
            raise CommandError(f"the database does not answer: {error}") from error
        if waiting:
            raise CommandError(
                f"{waiting} task(s) due for more than {max_wait:g} s: no worker is taking them"
            )
        self.stdout.write("ok")

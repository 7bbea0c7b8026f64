"""Background tasks: thin wrappers, so the work itself lives in services."""

from django.tasks import task

from playground.files import services


@task()
def create_upstream_file(upstream_file_id: int) -> None:
    services.upstream_file_submit(upstream_file_id=upstream_file_id)


@task()
def poll_upstream_file(upstream_file_id: int, attempt: int) -> None:
    services.upstream_file_poll(upstream_file_id=upstream_file_id, attempt=attempt)

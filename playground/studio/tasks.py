"""Background tasks: thin wrappers, so the work itself lives in services."""

from django.tasks import task

from playground.studio import services


@task()
def submit_generation(generation_id: int) -> None:
    services.generation_submit(generation_id=generation_id)


@task()
def poll_generation(generation_id: int, attempt: int) -> None:
    services.generation_poll(generation_id=generation_id, attempt=attempt)

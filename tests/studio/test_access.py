"""Every studio URL: the owner gets it, another user gets 404, an anonymous visitor is sent
to the login page; media files are never reachable without the owner's session."""

import pytest
from django.urls import reverse

from playground.studio.models import Generation
from tests.studio.factories import finished_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return finished_generation(owner=owner)


def object_urls(job):
    generation, output, reference = job
    return [
        ("get", reverse("studio:generation", args=[generation.pk])),
        ("get", reverse("studio:card", args=[generation.pk])),
        ("get", reverse("studio:tile", args=[generation.pk])),
        ("get", reverse("studio:output-file", args=[output.pk])),
        ("get", reverse("studio:output-preview", args=[output.pk])),
        ("get", reverse("studio:input-file", args=[reference.pk])),
        ("get", reverse("studio:studio") + f"?from={generation.pk}"),
        ("get", reverse("studio:studio") + f"?ref={output.pk}"),
        ("post", reverse("studio:remix", args=[generation.pk])),
        ("post", reverse("studio:delete", args=[generation.pk])),
    ]


def test_the_owner_reaches_every_object(client, owner, job):
    client.force_login(owner)
    for method, url in object_urls(job):
        if url.endswith("/delete/"):
            continue  # checked last, below
        response = getattr(client, method)(url)
        assert response.status_code in (200, 400), url  # remix of an image: 400 with a reason
    generation = job[0]
    response = client.post(reverse("studio:delete", args=[generation.pk]))
    assert response.status_code == 302
    assert not Generation.objects.filter(pk=generation.pk).exists()


def test_another_user_gets_404_everywhere(client, other_user, job):
    client.force_login(other_user)
    for method, url in object_urls(job):
        assert getattr(client, method)(url).status_code == 404, url
    assert Generation.objects.filter(pk=job[0].pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, job):
    pages = [
        ("get", reverse("studio:studio")),
        ("get", reverse("studio:gallery")),
        ("get", reverse("studio:options")),
        ("get", reverse("studio:estimate")),
        ("post", reverse("studio:create")),
        *object_urls(job),
    ]
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert Generation.objects.filter(pk=job[0].pk).exists()


def test_stored_files_are_not_served_from_a_public_path(client, owner, job, settings):
    """Media lives under random names and is only served through the owner's views."""
    _, output, _ = job
    client.force_login(owner)
    assert settings.MEDIA_URL not in ("", "/")
    response = client.get("/" + settings.MEDIA_URL.strip("/") + "/" + output.file.name)
    assert response.status_code == 404
    assert len(output.file.name.rsplit("/", 1)[-1].split(".")[0]) == 32  # a uuid4 hex


def test_the_gallery_lists_only_the_users_own_jobs(client, owner, other_user, job):
    finished_generation(owner=other_user, prompt="someone else's secret")
    client.force_login(owner)
    page = client.get(reverse("studio:gallery")).content.decode()
    assert "a lighthouse" in page
    assert "secret" not in page

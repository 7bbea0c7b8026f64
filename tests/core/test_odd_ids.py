"""A link whose query names an object by something that is not an id (a hand-edited or
mangled link) gets a 400 that says which value is wrong, not a page that quietly ignores it."""

import pytest
from django.urls import reverse

from tests.studio.factories import finished_generation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (reverse("studio:studio"), "from"),
        (reverse("studio:studio"), "ref"),
        (reverse("compare:leaderboard"), "team"),
    ],
)
@pytest.mark.parametrize("value", ["²", "abc", "-1", "9" * 5000])
def test_a_query_id_that_is_not_a_number_is_refused_by_name(owner_client, url, name, value):
    response = owner_client.get(url, {name: value})
    assert response.status_code == 400
    assert f"“{name}” must be the number of" in response.content.decode()


def test_an_htmx_request_gets_the_message_as_a_notice(owner_client):
    response = owner_client.get(reverse("studio:studio"), {"from": "²"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_a_real_id_and_an_empty_value_still_work(owner, owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    generation, output, _ = finished_generation(owner=owner)
    assert owner_client.get(reverse("studio:studio"), {"from": generation.pk}).status_code == 200
    assert owner_client.get(reverse("studio:studio"), {"ref": output.pk}).status_code == 200
    assert owner_client.get(reverse("studio:studio"), {"from": ""}).status_code == 200
    assert owner_client.get(reverse("compare:leaderboard"), {"team": ""}).status_code == 200


def test_other_bad_requests_keep_djangos_page_without_details(owner_client):
    response = owner_client.get(reverse("studio:studio"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


def test_the_page_says_what_is_wrong_and_links_to_the_page_without_it(owner_client):
    response = owner_client.get(reverse("compare:leaderboard"), {"team": "abc"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "This link does not work" in page
    assert f'href="{reverse("compare:leaderboard")}"' in page

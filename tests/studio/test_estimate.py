"""Cost before you click: beside Generate, what the job would cost at the administrator's
prices, for one result and for the number chosen, or “not priced”; the same amount the budget
then reserves."""

from decimal import Decimal

import pytest
from django.urls import reverse

from playground.studio.models import Generation
from playground.usage.models import MediaPrice, Reservation

pytestmark = pytest.mark.django_db


def estimate(client, **fields) -> str:
    response = client.get(reverse("studio:estimate"), fields)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_a_model_without_a_price_says_so(owner_client):
    text = estimate(owner_client, model="image:kling-v2-1", opt_n="2")
    assert "not priced" in text
    assert "$" not in text


def test_an_image_price_scales_with_the_count(owner_client):
    MediaPrice.objects.create(model="kling-v2-1", per_image=Decimal("0.04"))
    one = estimate(owner_client, model="image:kling-v2-1", mode="text", opt_n="1")
    assert "<strong>$0.04</strong>" in one and "for 1 image" in one and "each" not in one
    three = estimate(owner_client, model="image:kling-v2-1", mode="text", opt_n="3")
    assert "<strong>$0.12</strong>" in three and "for 3 images, $0.04 each" in three


def test_a_video_is_priced_by_its_length_resolution_and_count(owner_client):
    MediaPrice.objects.create(model="veo-3.1-generate-preview", per_video_second=Decimal("0.25"))
    MediaPrice.objects.create(
        model="veo-3.1-generate-preview", resolution="1080p", per_video_second=Decimal("0.5")
    )
    fields = {"model": "video:veo-3.1-generate-preview", "mode": "text", "opt_duration": "6"}
    text = estimate(owner_client, **fields, opt_n="2")
    assert "<strong>$3.00</strong>" in text and "for 2 videos of 6 s, $1.50 each" in text
    sharper = estimate(owner_client, **fields, opt_n="2", opt_resolution="1080p")
    assert "<strong>$6.00</strong>" in sharper


def test_a_length_the_mode_fixes_is_the_one_priced(owner_client):
    """Kling v2.1's first-and-last-frame videos are always 10 seconds, whatever the form
    says: the estimate counts 10."""
    MediaPrice.objects.create(model="kling-v2-1", per_video_second=Decimal("0.1"))
    text = estimate(owner_client, model="video:kling-v2-1", mode="first_last", opt_duration="5")
    assert "<strong>$1.00</strong>" in text and "of 10 s" in text


def test_the_form_shows_the_estimate_and_the_budget_reserves_it(owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    MediaPrice.objects.create(model="kling-v2-1", per_image=Decimal("0.04"))
    page = owner_client.get(reverse("studio:studio"), {"model": "image:kling-v2-1"})
    assert 'id="estimate"' in page.content.decode()
    assert "$0.04" in page.content.decode()
    response = owner_client.post(
        reverse("studio:create"),
        {"model": "image:kling-v2-1", "mode": "text", "prompt": "a fox", "opt_n": "3"},
    )
    assert response.status_code == 302
    generation = Generation.objects.get()
    reserved = Reservation.objects.get(source=f"generation:{generation.pk}")
    assert reserved.estimate == Decimal("0.12")

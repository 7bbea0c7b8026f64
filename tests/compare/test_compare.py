"""Side-by-side comparisons through the app's views, against the simulator: one SSE
connection for every column, each model's own thread, metrics, blind votes, teams, sharing,
the leaderboard, image comparisons and export."""

import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse

from playground.chat.models import ModelPrice, Run
from playground.compare.forms import ComparisonForm
from playground.compare.models import Comparison, ShareLink, Vote
from playground.simulator.answers import answer_tokens
from playground.simulator.app import application as simulator
from playground.studio.models import Generation, Output
from playground.teams.services import member_add, team_create
from tests.chat.streaming import iter_stream, stream_url_of

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}
MODELS = ["deepseek-v3", "claude-4.5-sonnet", "openai/gpt-5"]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STUDIO_POLL_FIRST_SECONDS = 0.05
    settings.STUDIO_POLL_MAX_SECONDS = 0.2
    simulator.reset()


def form(prompt, models=MODELS, **extra):
    data = {"kind": "chat", "prompt": prompt, **extra}
    for index, model in enumerate(models):
        data[f"model_{index}"] = model
    return data


async def _follow(client, pk):
    """Open the comparison's page, then its stream (if an answer is being written), to the
    end."""
    page = await client.get(reverse("compare:comparison", args=[pk]))
    url = stream_url_of(page.content)
    if url is None:
        return []
    response = await client.get(url)
    assert response["Content-Type"] == "text/event-stream"
    return [event async for event in iter_stream(response)]


def compare(user, prompt, models=MODELS, **extra):
    """Create a comparison and follow its answers to the end over its one SSE stream."""

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.post(reverse("compare:create"), form(prompt, models, **extra))
        assert response.status_code == 302, response.content[:800]
        comparison = await Comparison.objects.alatest("id")
        return comparison, await _follow(client, comparison.pk)

    return async_to_sync(scenario)()


def follow_up(user, comparison, prompt):
    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.post(
            reverse("compare:turn", args=[comparison.pk]), {"prompt": prompt}
        )
        assert response.status_code == 302
        return await _follow(client, comparison.pk)

    return async_to_sync(scenario)()


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_every_column_streams_over_one_connection_interleaved(owner):
    comparison, events = compare(owner, "Explain tides [sim tokens=30 rate=60 reasoning=off]")
    runs = Run.objects.filter(message__conversation__comparison_column__comparison=comparison)
    assert runs.count() == 3
    names = [event.event for event in events]
    first_done = next(i for i, name in enumerate(names) if name.startswith("done-"))
    streaming_before = {
        name.split("-")[1] for name in names[:first_done] if name.startswith("text-")
    }
    assert len(streaming_before) == 3  # all three were streaming before any finished
    assert names[-1] == "end"
    assert {name for name in names if name.startswith("done-")} == {
        f"done-{run.pk}" for run in runs
    }
    assert all(run.status == Run.Status.DONE for run in runs.all())


def test_a_follow_up_sends_each_model_its_own_thread(owner):
    # Long enough for each model's answer to go on in words of its own (simulator/answers.py).
    comparison, _ = compare(owner, "Name a lake [sim tokens=160 reasoning=off]")
    answers = {
        model: "".join(answer_tokens("Name a lake", model=model, tokens=160)) for model in MODELS
    }
    assert len(set(answers.values())) == len(MODELS)
    follow_up(owner, comparison, "And a mountain? [sim tokens=8 reasoning=off]")
    follow_ups = [r for r in simulator.received if "mountain" in json.dumps(r["json"])]
    assert len(follow_ups) == 3
    for request in follow_ups:
        body = request["json"]
        earlier = [m for m in body["messages"] if m["role"] == "assistant"]
        assert [m["content"] for m in earlier] == [answers[body["model"]]]  # its own answer


def test_metrics_and_a_server_drawn_chart(owner):
    ModelPrice.objects.create(model="deepseek-v3", input_per_million=1, output_per_million=2)
    comparison, _ = compare(owner, "Compare me [sim tokens=10 reasoning=off]")
    page = (
        logged_in(owner).get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    )
    assert page.count("First token") == 3 and page.count("tokens/s") >= 3
    assert page.count("10 out") == 3
    assert page.count("<dt>Cost</dt>") == 3
    assert page.count("<dd>not priced</dd>") == 2  # the models without a price say so
    assert page.count("<dt>Duration</dt>") == 3
    for column in comparison.columns.all():  # each column can go on alone as a chat
        assert reverse("chat:conversation", args=[column.conversation_id]) in page
    svg = re.findall(r"<svg[^>]*>", page)
    assert svg and 'role="img"' in svg[0]
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    # The chart gives the time to first token in ms, as the cards above it do.
    for column in comparison.columns.all():
        run = Run.objects.get(message__conversation=column.conversation_id)
        shown = re.search(rf"{re.escape(column.model)}: ([\d.,]+) ms", page)
        assert shown and float(shown[1].replace(",", "")) == run.time_to_first_token_ms


def test_blind_comparisons_hide_names_until_the_vote_and_shuffle_columns(owner):
    comparison, _ = compare(owner, "Blind test [sim tokens=4 reasoning=off]", blind="on")
    client = logged_in(owner)
    url = reverse("compare:comparison", args=[comparison.pk])
    heads = re.findall(
        r'<div class="compare__head">(.*?)</div>', client.get(url).content.decode(), re.S
    )
    assert [re.sub(r"\s+", " ", h).strip() for h in heads] == [
        "<strong>Model A</strong>", "<strong>Model B</strong>", "<strong>Model C</strong>"
    ]  # fmt: skip
    turn = comparison.turns.get()
    column = comparison.columns.get(position=1)
    vote_url = reverse("compare:vote", args=[comparison.pk, turn.pk])
    assert client.post(vote_url, {"outcome": "winner", "winner": column.pk}).status_code == 302
    vote = Vote.objects.get()
    assert vote.blind and vote.winner == column
    page = client.get(url).content.decode()
    assert all(model in page for model in MODELS)  # revealed after the vote
    again = client.post(vote_url, {"outcome": "tie"}, **HTMX)
    assert again.status_code == 409 and b"already voted" in again.content

    firsts = set()
    for attempt in range(12):
        created, _ = compare(owner, f"Shuffle {attempt} [sim tokens=1 reasoning=off]", blind="on")
        firsts.add(created.columns.get(position=0).model)
        if len(firsts) > 1:
            break
    assert len(firsts) > 1, "the column order should be random"


def test_the_leaderboard_ranks_blind_votes_with_intervals(owner):
    for attempt in range(3):
        comparison, _ = compare(
            owner,
            f"Round {attempt} [sim tokens=2 reasoning=off]",
            models=MODELS[:2],
            blind="on",
            tags="coding",
        )
        turn = comparison.turns.get()
        winner = comparison.columns.get(model="claude-4.5-sonnet")
        logged_in(owner).post(
            reverse("compare:vote", args=[comparison.pk, turn.pk]),
            {"outcome": "winner", "winner": winner.pk},
        )
    page = logged_in(owner).get(reverse("compare:leaderboard")).content.decode()
    table = page.split('<table class="leaderboard">', 1)[1]
    assert table.index("claude-4.5-sonnet") < table.index("deepseek-v3")
    assert "3 blind votes" in page and "–" in table  # counts and an interval
    assert (
        "No blind votes"
        in logged_in(owner).get(reverse("compare:leaderboard"), {"tag": "poetry"}).content.decode()
    )


def test_teams_open_comparisons_read_only_and_outsiders_get_404(
    owner, other_user, django_user_model
):
    member = django_user_model.objects.create_user(username="bob", password="x" * 12)
    team = team_create(user=owner, name="Research")
    member_add(team=team, by=owner, username="bob")
    comparison, _ = compare(
        owner, "Team work [sim tokens=3 reasoning=off]", models=MODELS[:2], team=str(team.pk)
    )
    turn = comparison.turns.get()
    reads = [
        reverse("compare:comparison", args=[comparison.pk]),
        reverse("compare:export", args=[comparison.pk, "md"]),
        reverse("compare:export", args=[comparison.pk, "json"]),
        reverse("compare:cell", args=[comparison.pk, turn.entries.first().pk]),
    ]
    writes = [
        reverse("compare:turn", args=[comparison.pk]),
        reverse("compare:share", args=[comparison.pk]),
        reverse("compare:delete", args=[comparison.pk]),
    ]
    as_member, as_outsider, anonymous = logged_in(member), logged_in(other_user), Client()
    for url in reads:
        assert as_member.get(url).status_code == 200, url
        assert as_outsider.get(url).status_code == 404, url
        assert anonymous.get(url).status_code == 302, url
    page = as_member.get(reads[0]).content.decode()
    assert "Read-only" in page and "Send to all" not in page
    for url in writes:
        assert as_member.post(url, {"prompt": "x"}).status_code == 404, url
        assert as_outsider.post(url, {"prompt": "x"}).status_code == 404, url
        assert anonymous.post(url, {"prompt": "x"}).status_code == 302, url
    vote = reverse("compare:vote", args=[comparison.pk, turn.pk])
    assert as_member.post(vote, {"outcome": "tie"}).status_code == 302  # members vote
    assert as_outsider.post(vote, {"outcome": "tie"}).status_code == 404
    events = reverse("compare:events", args=[comparison.pk])
    assert as_outsider.get(events).status_code == 404
    assert Comparison.objects.filter(pk=comparison.pk).exists()


def test_share_links_are_unguessable_read_only_and_revocable(owner, other_user):
    comparison, _ = compare(owner, "Share me [sim tokens=3 reasoning=off]", models=MODELS[:2])
    client = logged_in(owner)
    client.post(reverse("compare:share", args=[comparison.pk]))
    link = ShareLink.objects.get()
    assert len(link.token) >= 32
    url = reverse("compare:shared", args=[link.token])
    assert logged_in(other_user).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # login required unless public
    client.post(reverse("compare:share", args=[comparison.pk]), {"public": "on"})
    public = ShareLink.objects.get(public=True)
    page = Client().get(reverse("compare:shared", args=[public.token]))
    assert page.status_code == 200 and b"Send to all" not in page.content
    client.post(reverse("compare:share-revoke", args=[comparison.pk, public.pk]))
    assert Client().get(reverse("compare:shared", args=[public.token])).status_code == 404
    assert Client().get(reverse("compare:shared", args=["not-a-token"])).status_code == 404


def test_an_image_comparison_runs_through_the_studio_jobs(owner, other_user, run_tasks):
    client = logged_in(owner)
    response = client.post(
        reverse("compare:create"),
        {
            "kind": "image",
            "prompt": "A lighthouse [sim job=0.3]",
            "image_model_0": "kling-v2-1",
            "image_model_1": "gemini-2.5-flash-image",
            "blind": "on",
        },
    )
    assert response.status_code == 302
    comparison = Comparison.objects.get()
    generations = Generation.objects.filter(owner=owner)
    assert generations.count() == 2
    run_tasks(lambda: not any(g.is_active for g in generations.all()))
    page = client.get(reverse("compare:comparison", args=[comparison.pk])).content.decode()
    images = re.findall(r'src="(/compare/\d+/media/\d+/)"', page)
    assert len(images) == 2
    assert client.get(images[0]).status_code == 200
    assert logged_in(other_user).get(images[0]).status_code == 404
    assert "Which is best?" in page


def test_export_has_every_columns_settings_and_metrics(owner):
    comparison, _ = compare(
        owner,
        "Export me [sim tokens=5 reasoning=off]",
        models=MODELS[:2],
        **{"c0-p_temperature": "0.3"},
    )
    client = logged_in(owner)
    data = json.loads(client.get(reverse("compare:export", args=[comparison.pk, "json"])).content)
    assert [c["model"] for c in data["columns"]] == MODELS[:2]
    assert data["columns"][0]["settings"] == {"temperature": "0.3"}
    answers = data["turns"][0]["answers"]
    assert all(a["metrics"]["output_tokens"] == 5 for a in answers)
    markdown = client.get(reverse("compare:export", args=[comparison.pk, "md"])).content.decode()
    assert "deepseek-v3 (temperature=0.3)" in markdown and "output tokens 5" in markdown


def test_bad_input_is_explained(owner):
    client = logged_in(owner)
    one_model = client.post(reverse("compare:create"), form("hi", models=MODELS[:1]))
    assert one_model.status_code == 400 and b"between 2 and 6" in one_model.content
    no_prompt = client.post(reverse("compare:create"), form(""))
    assert no_prompt.status_code == 400 and b"Type a prompt first." in no_prompt.content
    bad_setting = client.post(reverse("compare:create"), form("hi", **{"c0-p_temperature": "9"}))
    assert bad_setting.status_code == 400 and b"Temperature must be between" in bad_setting.content
    assert not Comparison.objects.exists()


def test_a_follow_up_after_a_column_chat_was_deleted_says_why_it_cannot_go_on(owner):
    comparison, _ = compare(owner, "Name a river [sim tokens=5 reasoning=off]")
    column = comparison.columns.get(position=1)
    column.conversation.delete()  # from the chat sidebar
    response = logged_in(owner).post(
        reverse("compare:turn", args=[comparison.pk]), {"prompt": "And a lake?"}, **HTMX
    )
    assert response.status_code == 409
    assert "The chat of column B was deleted" in response.content.decode()
    assert comparison.turns.count() == 1


def test_stop_and_retry_one_column(owner):
    async def scenario():
        client = AsyncClient()
        await client.aforce_login(owner)
        await client.post(
            reverse("compare:create"),
            form("Slow one [sim tokens=40 rate=20 reasoning=off]", models=MODELS[:2]),
        )
        comparison = await Comparison.objects.alatest("id")
        turn = await comparison.turns.aget()
        entries = [e async for e in turn.entries.select_related("run")]
        stopped = await client.post(reverse("chat:run-stop", args=[entries[0].run_id]))
        assert stopped.status_code == 302
        await _follow(client, comparison.pk)
        retry = await client.post(reverse("compare:retry", args=[comparison.pk, entries[0].pk]))
        assert retry.status_code == 302
        await _follow(client, comparison.pk)
        return entries

    entries = async_to_sync(scenario)()
    first, second = (entry.refresh_from_db() or entry for entry in entries)
    assert first.run.status == Run.Status.DONE  # the retried attempt
    assert first.run.message.parent.run.status == Run.Status.STOPPED  # the stopped one stays
    assert second.run.status == Run.Status.DONE


def test_the_leaderboard_of_a_team_is_for_its_members_only(owner, other_user):
    team = team_create(user=owner, name="Private")
    url = reverse("compare:leaderboard")
    assert logged_in(owner).get(url, {"team": team.pk}).status_code == 200
    assert logged_in(other_user).get(url, {"team": team.pk}).status_code == 404
    assert Client().get(url).status_code == 302


def test_images_show_through_a_share_link_and_only_there(owner, other_user, run_tasks):
    client = logged_in(owner)
    client.post(
        reverse("compare:create"),
        {
            "kind": "image",
            "prompt": "A kite [sim job=0.2]",
            "image_model_0": "kling-v2-1",
            "image_model_1": "kling-v1",
        },
    )
    comparison = Comparison.objects.get()
    run_tasks(lambda: not any(g.is_active for g in Generation.objects.all()))
    client.post(reverse("compare:share", args=[comparison.pk]), {"public": "on"})
    link = ShareLink.objects.get()
    page = Client().get(reverse("compare:shared", args=[link.token])).content.decode()
    images = re.findall(rf'src="(/s/{link.token}/media/\d+/)"', page)
    assert len(images) == 2
    assert Client().get(images[0]).status_code == 200
    services_revoke = reverse("compare:share-revoke", args=[comparison.pk, link.pk])
    client.post(services_revoke)
    assert Client().get(images[0]).status_code == 404
    assert logged_in(other_user).get(images[0]).status_code == 404


def test_an_image_comparison_asks_every_model_for_the_same_shape_and_size(owner, run_tasks):
    client = logged_in(owner)
    response = client.post(
        reverse("compare:create"),
        {
            "kind": "image",
            "prompt": "A tall lighthouse [sim job=0.2]",
            "image_model_0": "kling-v2-1",
            "image_model_1": "gemini-3.0-pro-image-preview",
            "image_model_2": "kling-image-o1",
            "aspect_ratio": "9:16",
        },
    )
    assert response.status_code == 302
    comparison = Comparison.objects.get()
    run_tasks(lambda: not any(g.is_active for g in Generation.objects.all()))

    submitted = {
        r["json"].get("model") or "kling-image-o1": r["json"]
        for r in simulator.received
        if r["method"] == "POST" and r["json"] and "lighthouse" in r["json"].get("prompt", "")
    }
    assert set(submitted) == {"kling-v2-1", "gemini-3.0-pro-image-preview", "kling-image-o1"}
    kling, gemini, o1 = (submitted[m] for m in ("kling-v2-1", "gemini-3.0-pro-image-preview",
                                                "kling-image-o1"))  # fmt: skip
    assert kling["aspect_ratio"] == gemini["image_config"]["aspect_ratio"] == o1["aspect_ratio"]
    assert kling["aspect_ratio"] == "9:16"
    assert gemini["image_config"]["image_size"] == o1["resolution"] == "1K"  # Kling has no size
    assert kling["n"] == o1["num_images"] == 1  # one picture each, none gets a second try
    sizes = {(o.width, o.height) for o in Output.objects.filter(generation__owner=owner)}
    assert len(sizes) == 1
    ((width, height),) = sizes
    assert width * 16 == height * 9

    url = reverse("compare:comparison", args=[comparison.pk])
    page = client.get(url).content.decode()
    assert page.count('class="compare__frame compare__frame--9-16"') == 3
    assert "Next prompt for every model" in page  # not "each model sees its earlier answers"
    assert "earlier pictures are not sent" in page
    # A follow-up turn keeps the shape.
    assert (
        client.post(
            reverse("compare:turn", args=[comparison.pk]), {"prompt": "Now red"}
        ).status_code
        == 302
    )
    latest = Generation.objects.filter(prompt="Now red")
    assert latest.count() == 3 and {g.params["aspect_ratio"] for g in latest} == {"9:16"}


def test_an_aspect_ratio_a_model_cannot_make_is_explained(owner):
    response = logged_in(owner).post(
        reverse("compare:create"),
        {
            "kind": "image",
            "prompt": "A lighthouse",
            "image_model_0": "kling-v2-1",
            "image_model_1": "gemini-2.5-flash-image",
            "aspect_ratio": "5:4",
        },
    )
    assert response.status_code == 400
    assert "Pick one of the listed shapes: every model makes those." in response.content.decode()
    assert (
        'name="prompt"' in response.content.decode() and "A lighthouse" in response.content.decode()
    )
    assert not Comparison.objects.exists()


def test_a_first_visit_says_what_to_try_with_one_click_examples(owner):
    client = logged_in(owner)
    page = client.get(reverse("compare:list")).content.decode()
    assert "What to try" in page and "nothing is billed" in page
    examples = [
        dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
        for form in re.findall(
            r'<form method="post" action="/compare/new/">(.*?)</form>', page, re.S
        )
    ]
    assert [example["kind"] for example in examples] == ["chat", "chat", "image"]
    for example in examples:  # each one starts as it is, with the models offered here
        assert ComparisonForm(example, user=owner).is_valid(), example

    assert client.post(reverse("compare:create"), examples[2]).status_code == 302
    comparison = Comparison.objects.get()
    assert comparison.blind and comparison.kind == "image"
    assert {c.params["aspect_ratio"] for c in comparison.columns.all()} == {"1:1"}
    assert "What to try" not in client.get(reverse("compare:list")).content.decode()

"""Runs in Chromium: an answer survives reloads and a closed tab, and can be stopped or retried."""

import re
import time

import pytest
from playwright.sync_api import expect

from playground.chat.models import Message
from playground.nexconn.client import reset_clients
from playground.simulator.answers import answer_tokens
from playground.simulator.app import application as simulator
from playground.simulator.app import split_directive
from tests.conftest import serve_in_thread, signup_in_browser

pytestmark = pytest.mark.browser

CHAT_PATH = "/v1/chat/completions"
MODEL = "deepseek-v3"


def full_answer(text: str, *, tokens: int) -> str:
    """The simulator's whole answer to a message typed as `text` (directive removed)."""
    prompt, _ = split_directive(text)
    return "".join(answer_tokens(prompt, model=MODEL, tokens=tokens))


def normalised(text: str) -> str:
    """The letters and digits of an answer, as its raw text has them and as its Markdown
    shows them while it is written (a fence's language is a class there, not text)."""
    return re.sub(r"[\W_]+", "", re.sub(r"```[^\n`]+", "```", text))


def chat_requests() -> int:
    return sum(1 for request in simulator.received if request["path"] == CHAT_PATH)


def send(page, text: str) -> None:
    page.get_by_label("Model").select_option(MODEL)
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/c/\d+/$"))


def shown_text(page) -> str:
    """The live text of the latest answer right now ("" once it has been replaced)."""
    shown = (
        page.locator("article.message--assistant").last.locator(".live-answer").all_inner_texts()
    )  # no waiting: the element goes away at the end
    return shown[0] if shown else ""


def wait_for_text(page, *, at_least: int, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while len(text := shown_text(page)) < at_least:
        assert time.monotonic() < deadline, f"the answer did not reach {at_least} chars: {text!r}"
        page.wait_for_timeout(30)
    return text


def assert_grows_as_a_prefix(page, full: str, *, after: str, timeout: float = 3.0) -> str:
    """Every text seen is a prefix of the whole answer, and it gets longer than `after`."""
    deadline = time.monotonic() + timeout
    while True:
        text = shown_text(page)
        assert normalised(full).startswith(normalised(text)), f"not the answer's start: {text!r}"
        if len(normalised(text)) > len(normalised(after)):
            return text
        assert time.monotonic() < deadline, f"the answer stopped growing at {after!r}"
        page.wait_for_timeout(30)


def the_answer() -> Message:
    return Message.objects.get(role=Message.Role.ASSISTANT)


def event_streams(page) -> list[str]:
    """The paths of the SSE streams the page opens from now on (with their queries)."""
    streams = []
    page.on(
        "request",
        lambda request: (
            streams.append(request.url.split("/", 3)[3]) if "/events/" in request.url else None
        ),
    )
    return streams


def start_an_answer(
    page, text: str, *, tokens: int, page_stream: bool = True
) -> tuple[list[str], str]:
    """A fresh simulator, a new account, and `text` sent from the chat page, once the page's
    own stream listens (unless `page_stream` is False: a send that may come before that).
    Returns the SSE streams the page opens (see event_streams) and the answer the simulator
    will give."""
    simulator.reset()
    streams = event_streams(page)
    signup_in_browser(page)
    if page_stream:
        expect(page.locator("#page-stream-state [data-listening]")).to_be_attached()
    send(page, text)
    return streams, full_answer(text, tokens=tokens)


def assert_finished_as_sent(page, full: str, *, tokens: int) -> None:
    """The answer ends rendered, with its figures, and what was stored is the whole of it."""
    answer = page.locator("article.message--assistant").last
    expect(answer.locator(".message__footer")).to_contain_text(f"{tokens} out", timeout=15_000)
    expect(answer.locator(".markdown strong").first).to_have_text("Simulated answer")
    assert the_answer().content == full


def test_reloading_mid_answer_shows_it_so_far_and_never_restarts_it(browser_page):
    page = browser_page
    text = "Explain how tides work [sim tokens=250 rate=50]"
    _, full = start_an_answer(page, text, tokens=250)
    wait_for_text(page, at_least=20)

    for _ in range(2):
        page.reload()
        streaming = page.locator("article.message--assistant .live-answer")
        expect(streaming).not_to_be_empty()
        after_reload = shown_text(page)
        assert after_reload.strip(), "nothing shown right after the reload"
        assert normalised(full).startswith(normalised(after_reload)), (
            f"not the answer's start after the reload: {after_reload!r}"
        )
        assert_grows_as_a_prefix(page, full, after=after_reload)
        page.wait_for_timeout(1200)  # the second reload comes later, with more text

    assert_finished_as_sent(page, full, tokens=250)
    expect(page.locator("article.message--assistant .markdown pre code")).to_be_visible()
    assert chat_requests() == 1, simulator.received
    assert simulator.disconnects == 0


@pytest.fixture(params=["in process", "over HTTP"])
def upstream(request, settings):
    """Demo mode's simulator in process, or, with a key set, the simulator over a real
    connection: the path a deployment's answers take."""
    if request.param == "in process":
        yield
        return
    url, stop = serve_in_thread(simulator)
    settings.NEXCONN_API_KEY, settings.DEMO_MODE = "sk-browser-test", False
    settings.NEXCONN_BASE_URL = url
    reset_clients()
    yield
    reset_clients()
    stop()


def test_stop_cancels_the_upstream_and_keeps_the_text_so_far(upstream, browser_page):
    page = browser_page
    text = "Describe the water cycle [sim tokens=300 rate=40]"
    _, full = start_an_answer(page, text, tokens=300)
    assert_grows_as_a_prefix(page, full, after=wait_for_text(page, at_least=40))

    answer = page.locator("article.message--assistant").last
    answer.get_by_role("button", name="■ Stop").click()
    clicked = time.monotonic()
    while simulator.disconnects < 1:
        assert time.monotonic() - clicked < 1.0, "the upstream request was not cancelled"
        time.sleep(0.02)

    expect(answer.locator(".message__note")).to_have_text("Stopped.")
    expect(answer.locator(".markdown")).not_to_be_empty()
    expect(answer.get_by_role("button", name="↻ Retry")).to_be_visible()
    expect(answer.locator(".message__footer")).to_be_visible()
    content = the_answer().content
    assert content, "the partial text was not kept"
    assert full.startswith(content) and content != full, content
    assert normalised(answer.locator(".markdown").inner_text())
    assert chat_requests() == 1


def test_a_failed_answer_can_be_tried_again_below_it(browser_page):
    page = browser_page
    simulator.reset()
    signup_in_browser(page)
    text = "What is a quasar? [sim error=503 fail_times=3 retry_after=0 tokens=30 rate=30]"
    send(page, text)

    answers = page.locator("article.message--assistant")
    failed = answers.first
    expect(failed.locator(".message__error")).to_contain_text("503")
    assert chat_requests() == 3  # the first attempt and two automatic retries
    expect(answers).to_have_count(1)
    failed.get_by_role("button", name="↻ Retry").click()

    expect(answers).to_have_count(2)
    retried = answers.nth(1)
    expect(retried.locator(".message__footer")).to_contain_text("30 out")
    expect(retried.locator(".markdown")).not_to_be_empty()
    expect(retried.locator(".message__error")).to_have_count(0)
    # The failed attempt stays above, with its error, and can no longer be retried.
    expect(failed.locator(".message__error")).to_contain_text("503")
    expect(failed.get_by_role("button", name="↻ Retry")).not_to_be_visible()
    assert chat_requests() == 4
    contents = list(
        Message.objects.filter(role=Message.Role.ASSISTANT).values_list("content", flat=True)
    )
    assert contents == ["", full_answer(text, tokens=30)]


def test_a_notice_says_the_answer_is_being_retried(browser_page):
    page = browser_page
    simulator.reset()
    signup_in_browser(page)
    text = "Why do cats purr? [sim error=503 fail_times=1 retry_after=2 tokens=30 rate=30]"
    send(page, text)

    answer = page.locator("article.message--assistant").last
    expect(answer.locator(".run__status")).to_contain_text("Retrying", timeout=3_000)
    expect(answer.locator(".message__footer")).to_contain_text("30 out", timeout=8_000)
    expect(answer.locator(".message__error")).to_have_count(0)
    assert the_answer().content == full_answer(text, tokens=30)
    assert chat_requests() == 2


def test_closing_the_tab_mid_answer_does_not_stop_it(browser_page):
    page = browser_page
    text = "How do volcanoes form? [sim tokens=200 rate=50]"
    _, full = start_an_answer(page, text, tokens=200)
    wait_for_text(page, at_least=20)

    second = page.context.new_page()
    second.set_default_timeout(10_000)
    second.goto(page.url)
    expect(second.locator("article.message--assistant .live-answer")).not_to_be_empty()
    page.close()

    answer = second.locator("article.message--assistant").last
    expect(answer.locator(".message__footer")).to_contain_text("200 out", timeout=10_000)
    expect(answer.locator(".message__error")).to_have_count(0)
    expect(answer.locator(".message__note")).to_have_count(0)
    assert the_answer().content == full
    assert chat_requests() == 1
    assert simulator.disconnects == 0


def test_an_answer_sent_from_the_page_comes_on_the_pages_own_stream(browser_page):
    """No second request between sending and the first token: the page's stream, opened
    when the page loaded, carries the answer from its first piece to the end."""
    page = browser_page
    text = "Explain how rainbows form [sim tokens=120 rate=60]"
    streams, full = start_an_answer(page, text, tokens=120)
    streamed = assert_grows_as_a_prefix(page, full, after="")
    assert_grows_as_a_prefix(page, full, after=streamed)
    assert_finished_as_sent(page, full, tokens=120)
    # The page's stream keeps listening: the next answer comes on it too.
    follow_up = "And why are they curved? [sim tokens=30 rate=200]"
    page.get_by_label("Message").fill(follow_up)
    page.get_by_label("Message").press("Enter")
    expect(page.locator("article.message--assistant .message__footer")).to_have_count(2)
    expect(page.locator("article.message--assistant").last.locator(".markdown")).to_contain_text(
        "Simulated answer to"
    )
    assert len(streams) == 1 and streams[0].startswith("pages/"), streams


def test_a_send_before_the_pages_stream_listens_streams_all_the_same(browser_page):
    """The page's stream fails to connect at first (the send goes meanwhile): the answer is
    drawn by the send's response, and the stream, once connected, takes it up from a
    snapshot."""
    page = browser_page
    refused = []

    def refuse_the_first(route):
        if refused:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/pages/*/events/**", refuse_the_first)
    page.expected_problems.append("console: [object Event]")  # htmx logs the refused stream
    text = "Explain how snow forms [sim tokens=150 rate=50]"
    streams, full = start_an_answer(page, text, tokens=150, page_stream=False)
    assert_grows_as_a_prefix(page, full, after=wait_for_text(page, at_least=10))
    assert_finished_as_sent(page, full, tokens=150)
    assert refused and len(streams) >= 2, streams


def test_when_the_pages_stream_ends_mid_answer_nothing_is_lost(browser_page, settings):
    """The page's stream ends (its time is up, as a dropped connection would end it); the
    answer goes on in the server, and the page's stream, opened again, takes it up from a
    snapshot: no gap, nothing twice."""
    # Counted from the page's load: room for the answer to start on it on a slow run, and
    # the answer (6 s) goes on well after it ends.
    settings.PAGE_STREAM_SECONDS = 4
    page = browser_page
    page.expected_problems.append("console: [object Event]")  # htmx logs the stream's end
    text = "Explain how glaciers move [sim tokens=300 rate=50]"
    streams, full = start_an_answer(page, text, tokens=300)
    before = wait_for_text(page, at_least=30)
    assert len(streams) == 1, streams

    # Sampled while the page's stream ends and opens again.
    shown = before
    for _ in range(12):
        shown = assert_grows_as_a_prefix(page, full, after=shown, timeout=3.0)

    assert_finished_as_sent(page, full, tokens=300)
    assert chat_requests() == 1 and simulator.disconnects == 0
    assert len(streams) >= 2 and all(path.startswith("pages/") for path in streams), streams

"""Walk through a running Playground in demo mode over HTTP, as a person would.

Signs up through the form, streams a chat answer (POST /send/, then the stream of a page
that shows the answer until its `done`), and runs a studio image job until its card says
done and the image is served. `make container-check` runs it against the containers
(scripts/container-check.sh); it works against any deployment in demo mode. Only the app's
HTTP surface is used.

Usage: python scripts/container_smoke.py http://127.0.0.1:8000
Prints each step; exits 1 at the first one that fails.
"""

import re
import secrets
import sys
import time
from contextlib import contextmanager

import httpx

CHAT_MODEL = "deepseek-v3"  # a plain chat model of the catalog: the answer is all text
IMAGE_MODEL = "image:kling-v2-1"  # an asynchronous job: submitted, polled, downloaded
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUN_ON_PAGE = re.compile(r'sse-swap="text-(\d+)"')  # an answer being written, as drawn
OUTPUT_FILE = re.compile(r'"(/studio/files/\d+/)"')
JOB_ENDED = re.compile(r"status--(succeeded|failed|cancelled|expired|timed_out)\b")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Failed(Exception):
    pass


@contextmanager
def step(name: str):
    print(f"  {name} ...", end=" ", flush=True)
    started, notes = time.monotonic(), []
    try:
        yield notes
    except (Failed, httpx.HTTPError) as error:
        print(f"FAILED: {error}")
        raise SystemExit(1) from None
    print(f"ok ({time.monotonic() - started:.1f} s)", *(f"- {note}" for note in notes))


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def csrf_token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    expect(page.status_code == 200, f"GET {path}: HTTP {page.status_code}")
    match = CSRF_INPUT.search(page.text)
    expect(match is not None, f"GET {path}: no CSRF token in the form")
    return match.group(1)


def sse_events(response: httpx.Response):
    """(event, data) pairs of a text/event-stream response, as they arrive."""
    event, data = "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def sign_up(client: httpx.Client) -> None:
    token = csrf_token(client, "/accounts/signup/")
    password = secrets.token_urlsafe(18)
    response = client.post(
        "/accounts/signup/",
        data={
            "username": f"check-{secrets.token_hex(4)}",
            "password1": password,
            "password2": password,
            "csrfmiddlewaretoken": token,
        },
    )
    expect(response.status_code == 302, f"sign-up: HTTP {response.status_code}")
    expect("sessionid" in client.cookies, "sign-up: no session cookie")
    home = client.get("/")
    expect(home.status_code == 200, f"GET / after sign-up: HTTP {home.status_code}")


def stream_answer(client: httpx.Client) -> str:
    response = client.post(
        "/send/",
        data={"text": "Container check [sim tokens=30 rate=60]", "model": CHAT_MODEL},
        headers={"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"]},
    )
    expect(response.status_code == 200, f"POST /send/: HTTP {response.status_code}")
    match = RUN_ON_PAGE.search(response.text)
    expect(match is not None, "POST /send/: no answer being written in the response")
    run_id = match.group(1)
    # The stream of a page that shows the answer (as after a reload): a snapshot, the live
    # pieces, then the final rendering, each event named with the run's id.
    url = f"/pages/{secrets.token_urlsafe(18)}/events/?run={run_id}"
    pieces, final = 0, None
    headers = {"Accept": "text/event-stream"}
    with client.stream("GET", url, headers=headers, timeout=60) as stream:
        expect(stream.status_code == 200, f"GET {url}: HTTP {stream.status_code}")
        for event, data in sse_events(stream):
            if event in (f"text-{run_id}", f"snapshot-{run_id}"):
                pieces += 1
            elif event == f"done-{run_id}":
                final = data
                break
    expect(final is not None, f"{url} ended without the answer's done event")
    expect(pieces > 0, "no piece of the answer came before done")
    expect("Simulated answer" in final, "the finished answer is not the simulator's text")
    return f"{pieces} pieces, then done"


def image_job(client: httpx.Client, timeout: float = 120.0) -> str:
    token = csrf_token(client, "/studio/")
    response = client.post(
        "/studio/generate/",
        data={
            "model": IMAGE_MODEL,
            "mode": "text",
            "prompt": "a lighthouse at dusk [sim job=1]",
            "csrfmiddlewaretoken": token,
        },
    )
    expect(response.status_code == 302, f"POST /studio/generate/: HTTP {response.status_code}")
    job = response.headers["location"]  # /studio/g/<id>/
    deadline = time.monotonic() + timeout
    while True:
        card = client.get(f"{job}card/")
        expect(card.status_code == 200, f"GET {job}card/: HTTP {card.status_code}")
        ended = JOB_ENDED.search(card.text)
        if ended:
            expect(ended.group(1) == "succeeded", f"the job ended {ended.group(1)}")
            break
        expect(time.monotonic() < deadline, f"the job was not done after {timeout:g} s")
        time.sleep(1)
    page = client.get(job)
    output = OUTPUT_FILE.search(page.text)
    expect(output is not None, f"GET {job}: no result file on the page")
    image = client.get(output.group(1))
    expect(image.status_code == 200, f"GET {output.group(1)}: HTTP {image.status_code}")
    expect(image.content.startswith(PNG_MAGIC), f"{output.group(1)} is not a PNG image")
    gallery = client.get("/gallery/")
    expect(job in gallery.text, "the job is not in the gallery")
    return f"{job} done, {len(image.content)} bytes of PNG served"


def main() -> None:
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        with step("health: GET /healthz"):
            response = client.get("/healthz")
            expect(response.status_code == 200, f"HTTP {response.status_code}")
        with step("sign up through the form"):
            sign_up(client)
        with step("chat: POST /send/, stream the answer until done") as notes:
            notes.append(stream_answer(client))
        with step("studio: an image job, polled until done, image served") as notes:
            notes.append(image_job(client))


if __name__ == "__main__":
    main()

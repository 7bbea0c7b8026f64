"""The simulator's Files API (docs/api/files.md): shapes, knobs, and state kept in the id."""

import asyncio
import re

import httpx
import pytest

from playground.simulator.app import Simulator
from playground.simulator.transport import StreamingASGITransport

MODEL = "gemini-3.0-pro-preview"
ID_SHAPE = re.compile(r"^qfile-\d+-\d{19}-[A-Za-z0-9_-]+$")


def client(simulator: Simulator, key: str = "sk-test") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=StreamingASGITransport(app=simulator),
        base_url="http://simulator.local",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def run(coroutine):
    return asyncio.run(coroutine)


async def create(http: httpx.AsyncClient, source_url: str, **fields) -> httpx.Response:
    return await http.post("/v1/files", json={"model": MODEL, "source_url": source_url} | fields)


def test_a_file_is_pending_then_ready_and_any_instance_can_answer():
    async def scenario():
        async with client(Simulator()) as first, client(Simulator()) as second:
            created = await create(first, "https://example.com/talk.mp4#sim_ready_after=0.3")
            assert created.status_code == 200
            body = created.json()
            assert ID_SHAPE.match(body["id"]), body["id"]
            assert body["object"] == "file"
            assert body["status"] == "pending"
            assert body["model"] == MODEL
            assert body["expires_at"] - body["created_at"] == 172800  # the reference's sample
            assert "file_name" not in body
            pending = (await second.get(f"/v1/files/{body['id']}")).json()
            assert pending["status"] == "pending"
            await asyncio.sleep(0.35)
            ready = (await second.get(f"/v1/files/{body['id']}")).json()
            assert ready["status"] == "ready"
            assert ready["file_name"] == "talk.mp4"
            assert ready["content_type"] == "video/mp4"
            assert ready["file_size"] > 15 * 1024 * 1024
            assert ready["created_at"] <= ready["synced_at"] <= ready["expires_at"]

    run(scenario())


def test_expires_in_and_the_knobs_shape_the_file():
    async def scenario():
        async with client(Simulator()) as http:
            short = (await create(http, "https://example.com/a.pdf", expires_in=3600)).json()
            assert short["expires_at"] - short["created_at"] == 3600
            url = "https://example.com/a.bin?sim_ready_after=0&sim_size=1234&sim_type=text/csv"
            made = (await create(http, url)).json()
            assert made["status"] == "ready"
            assert (made["file_size"], made["content_type"]) == (1234, "text/csv")
            gone = (await create(http, "https://example.com/a.pdf#sim_expires_in=0")).json()
            assert gone["status"] == "expired"

    run(scenario())


@pytest.mark.parametrize(
    ("knobs", "code"),
    [
        ("#sim=fail&sim_ready_after=0", "file_adapter_sync_failed"),
        (f"?sim_size={2 * 1024**3 + 1}&sim_ready_after=0", "file_too_large"),
    ],
)
def test_a_failed_import_carries_the_error_object(knobs, code):
    async def scenario():
        async with client(Simulator()) as http:
            body = (await create(http, f"https://example.com/a.pdf{knobs}")).json()
            assert body["status"] == "failed"
            assert body["error"]["code"] == code
            assert body["error"]["type"] == "invalid_request_error"
            assert body["error"]["param"] == "source_url"
            assert body["error"]["message"]

    run(scenario())


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": MODEL, "source_url": "ftp://example.com/a.pdf"}, "source_url"),
        ({"model": MODEL, "source_url": "file:///etc/passwd"}, "source_url"),
        ({"model": MODEL, "source_url": "http://10.0.0.1/a.pdf"}, "source_url"),
        ({"model": MODEL, "source_url": "http://[::1]/a.pdf"}, "source_url"),
        ({"model": MODEL, "source_url": "http://localhost:8000/a.pdf"}, "source_url"),
        ({"model": MODEL, "source_url": "http://printer.local/a.pdf"}, "source_url"),
        ({"model": MODEL}, "source_url"),
        ({"source_url": "https://example.com/a.pdf"}, "model"),
        ({"model": MODEL, "source_url": "https://e.com/a.pdf", "expires_in": 0}, "expires_in"),
        ({"model": MODEL, "source_url": "https://e.com/a.pdf", "expires_in": 3599}, "expires_in"),
        ({"model": MODEL, "source_url": "https://e.com/a.pdf", "expires_in": 604801}, "expires_in"),
        ({"model": MODEL, "source_url": "https://e.com/a.pdf", "expires_in": "1h"}, "expires_in"),
    ],
)
def test_bad_requests_get_a_400_in_the_file_error_shape(body, param):
    async def scenario():
        async with client(Simulator()) as http:
            return await http.post("/v1/files", json=body)

    response = run(scenario())
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message", "type", "param"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


@pytest.mark.parametrize("knob", ["?sim=explode", "#sim_ready_after=soon", "?sim_colour=red"])
def test_bad_knobs_are_refused(knob):
    async def scenario():
        async with client(Simulator()) as http:
            return await create(http, f"https://example.com/a.pdf{knob}")

    response = run(scenario())
    assert response.status_code == 400
    assert "sim" in response.json()["error"]["message"]


def test_sim_error_makes_the_create_call_fail():
    async def scenario():
        async with client(Simulator()) as http:
            return await create(http, "https://example.com/a.pdf?sim_error=503")

    response = run(scenario())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["type"] == "server_error"


def test_the_list_shows_this_accounts_files_newest_first():
    async def scenario():
        simulator = Simulator()
        async with client(simulator) as mine, client(simulator, key="sk-other") as theirs:
            first = (await create(mine, "https://example.com/one.pdf")).json()["id"]
            second = (await create(mine, "https://example.com/two.pdf")).json()["id"]
            await create(theirs, "https://example.com/secret.pdf")
            listed = (await mine.get("/v1/files")).json()
            assert listed["object"] == "list"
            assert [item["id"] for item in listed["data"]] == [second, first]
            assert (listed["first_id"], listed["last_id"], listed["has_more"]) == (
                second,
                first,
                False,
            )
            assert (await theirs.get(f"/v1/files/{first}")).status_code == 404

    run(scenario())


def test_delete_and_the_nodelete_knob():
    async def scenario():
        async with client(Simulator()) as http:
            kept = (await create(http, "https://example.com/a.pdf#sim=nodelete")).json()["id"]
            gone = (await create(http, "https://example.com/b.pdf")).json()["id"]
            refused = await http.delete(f"/v1/files/{kept}")
            assert refused.status_code == 405
            assert (await http.get(f"/v1/files/{kept}")).status_code == 200
            deleted = await http.delete(f"/v1/files/{gone}")
            assert deleted.json() == {"id": gone, "object": "file", "deleted": True}
            assert (await http.get(f"/v1/files/{gone}")).status_code == 404
            assert (await http.delete(f"/v1/files/{gone}")).status_code == 404
            assert [item["id"] for item in (await http.get("/v1/files")).json()["data"]] == [kept]

    run(scenario())


@pytest.mark.parametrize("file_id", ["qfile-1-2-!!!", "qfile-x-1-abc", "file-abc", "qfile-"])
def test_unknown_ids_are_404(file_id):
    async def scenario():
        async with client(Simulator()) as http:
            return await http.get(f"/v1/files/{file_id}")

    response = run(scenario())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "file_not_found"


def test_the_files_api_needs_a_key():
    async def scenario():
        async with httpx.AsyncClient(
            transport=StreamingASGITransport(app=Simulator()), base_url="http://s"
        ) as http:
            return await http.get("/v1/files")

    assert run(scenario()).status_code == 401

"""The Files API client through the real client, with respx standing in for Nexconn."""

import asyncio
import json
from datetime import UTC, datetime

import pytest
import respx

from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError
from playground.nexconn.files import (
    EXPIRED_MESSAGE,
    FAILED_MESSAGE,
    FileDeleteNotSupported,
    create_file,
    delete_file,
    get_file,
    list_files_page,
    read_file,
)

FILE_ID = "qfile-12345-1770727746152401856-01d742"


def run(job):
    """Run `job(client)` on a fresh client that makes no retries of its own."""

    async def main():
        client = NexconnClient(base_url="https://api.test", api_key="sk-key", max_retries=0)
        try:
            return await job(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


@respx.mock(base_url="https://api.test")
def test_create_sends_the_link_and_reads_the_pending_file(respx_mock):
    route = respx_mock.post("/v1/files").respond(
        json={
            "id": FILE_ID,
            "object": "file",
            "status": "pending",
            "model": "gemini-3.0-pro-preview",
            "created_at": 1770727746,
            "expires_at": 1770900546,
        }
    )
    created = run(
        lambda client: create_file(
            client,
            source_url="https://example.com/talk.mp4",
            model="gemini-3.0-pro-preview",
            expires_in=172800,
        )
    )
    assert json.loads(route.calls.last.request.content) == {
        "model": "gemini-3.0-pro-preview",
        "source_url": "https://example.com/talk.mp4",
        "expires_in": 172800,
    }
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-key"
    assert created.id == FILE_ID
    assert created.state == "pending"
    assert created.expires_at == datetime(2026, 2, 12, 12, 49, 6, tzinfo=UTC)


@respx.mock(base_url="https://api.test")
def test_create_leaves_out_expires_in_unless_given(respx_mock):
    route = respx_mock.post("/v1/files").respond(json={"id": FILE_ID})
    created = run(lambda client: create_file(client, source_url="https://e.com/a.pdf", model="m"))
    assert "expires_in" not in json.loads(route.calls.last.request.content)
    assert created.state == "pending"  # no status at all on a create answer: just started


@respx.mock(base_url="https://api.test")
def test_a_ready_file_carries_its_name_size_type_and_expiry(respx_mock):
    respx_mock.get(f"/v1/files/{FILE_ID}").respond(
        json={
            "id": FILE_ID,
            "object": "file",
            "status": "ready",
            "created_at": 1770727746,
            "synced_at": 1770727800,
            "expires_at": 1770900546,
            "file_name": "sample.pdf",
            "file_size": 52_428_800,
            "content_type": "application/pdf",
        }
    )
    status = run(lambda client: get_file(client, file_id=FILE_ID))
    assert (status.state, status.name, status.size, status.content_type) == (
        "ready",
        "sample.pdf",
        52_428_800,
        "application/pdf",
    )
    assert status.error_message == ""
    assert status.raw["synced_at"] == 1770727800


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("pending", "pending"),
        ("PENDING", "pending"),
        (" Processing ", "pending"),
        ("queued", "pending"),
        ("ready", "ready"),
        ("Ready", "ready"),
        ("COMPLETED", "ready"),
        ("failed", "failed"),
        ("Error", "failed"),
        ("expired", "expired"),
        ("EXPIRED", "expired"),
        ("copying_to_gcs", "pending"),  # unknown: keep polling
        ("", "pending"),
        (None, "pending"),
        (7, "pending"),
    ],
)
def test_statuses_map_case_insensitively_and_unknown_ones_are_pending(raw, state):
    assert read_file({"id": FILE_ID, "status": raw}).state == state


def test_an_error_object_on_a_file_that_is_not_ready_means_it_failed():
    error = {
        "code": "file_adapter_sync_failed",
        "message": "failed to download from source URL",
        "type": "invalid_request_error",
        "param": "source_url",
    }
    status = read_file({"id": FILE_ID, "status": "pending", "error": error})
    assert status.state == "failed"
    assert status.error_message == (
        "The provider could not import the file: failed to download from source URL"
    )
    assert read_file({"id": FILE_ID, "error": {"code": "file_too_large"}}).error_message.endswith(
        "file_too_large"
    )
    assert read_file({"id": FILE_ID, "status": "ready", "error": None}).state == "ready"


def test_failed_and_expired_files_say_so_in_plain_words():
    assert read_file({"id": FILE_ID, "status": "failed"}).error_message == FAILED_MESSAGE
    assert read_file({"id": FILE_ID, "status": "expired"}).error_message == EXPIRED_MESSAGE


def test_odd_field_shapes_are_tolerated():
    status = read_file(
        {
            "id": FILE_ID,
            "status": "ready",
            "name": "talk.mp4",
            "size": "1024",
            "mime_type": "video/mp4",
            "expires_at": "2026-02-12T12:49:06Z",
        }
    )
    assert (status.name, status.size, status.content_type) == ("talk.mp4", 1024, "video/mp4")
    assert status.expires_at == datetime(2026, 2, 12, 12, 49, 6, tzinfo=UTC)
    assert read_file({"id": FILE_ID, "expires_at": 1770900546000}).expires_at == datetime(
        2026, 2, 12, 12, 49, 6, tzinfo=UTC
    )
    odd = read_file({"id": FILE_ID, "file_size": -1, "expires_at": "soon", "file_name": 3})
    assert (odd.size, odd.expires_at, odd.name) == (None, None, "")


def test_a_file_without_an_id_is_a_protocol_error_unless_the_id_is_known():
    with pytest.raises(NexconnError) as caught:
        read_file({"status": "pending"})
    assert caught.value.kind == "protocol"
    assert read_file({"status": "ready"}, file_id=FILE_ID).id == FILE_ID


@respx.mock(base_url="https://api.test")
def test_the_list_keeps_only_entries_with_an_id(respx_mock):
    respx_mock.get("/v1/files").respond(
        json={
            "object": "list",
            "data": [
                {"id": FILE_ID, "object": "file", "status": "ready", "model": "gemini-2.5-pro"},
                {"id": "file-abc", "object": "file", "status": "expired", "model": "gpt-4o"},
                {"object": "file", "status": "ready"},
                "junk",
            ],
            "has_more": False,
        }
    )
    listing = run(list_files_page)
    assert [(f.id, f.state) for f in listing.files] == [
        (FILE_ID, "ready"),
        ("file-abc", "expired"),
    ]
    assert listing.complete
    respx_mock.get("/v1/files").respond(json={"object": "list"})
    listing = run(list_files_page)
    assert (listing.files, listing.complete) == ([], False)  # no `has_more`: maybe more


@respx.mock(base_url="https://api.test")
def test_error_bodies_become_plain_messages(respx_mock):
    respx_mock.post("/v1/files").respond(
        400,
        json={
            "error": {
                "code": "invalid_source_url",
                "message": "source_url must be a public http(s) URL",
                "type": "invalid_request_error",
                "param": "source_url",
            }
        },
    )
    with pytest.raises(NexconnError) as caught:
        run(lambda client: create_file(client, source_url="http://10.0.0.1/a.pdf", model="m"))
    assert caught.value.kind == "bad_request"
    assert "source_url must be a public http(s) URL" in caught.value.message_for_user

    respx_mock.post("/v1/files").respond(402, json={"message": "no balance"})
    with pytest.raises(NexconnError) as caught:
        run(lambda client: create_file(client, source_url="https://e.com/a.pdf", model="m"))
    assert caught.value.kind == "payment"


@respx.mock(base_url="https://api.test")
def test_an_unknown_file_is_explained_as_gone(respx_mock):
    respx_mock.get(f"/v1/files/{FILE_ID}").respond(404, json={"error": {"message": "not found"}})
    with pytest.raises(NexconnError) as caught:
        run(lambda client: get_file(client, file_id=FILE_ID))
    assert caught.value.status == 404
    assert "no longer knows this file" in caught.value.message_for_user


@respx.mock(base_url="https://api.test")
def test_a_file_id_is_escaped_in_the_path(respx_mock):
    route = respx_mock.get("/v1/files/a%2Fb").respond(json={"id": "a/b", "status": "ready"})
    assert run(lambda client: get_file(client, file_id="a/b")).id == "a/b"
    assert route.called


@respx.mock(base_url="https://api.test")
def test_delete(respx_mock):
    route = respx_mock.delete(f"/v1/files/{FILE_ID}").respond(
        json={"id": FILE_ID, "object": "file", "deleted": True}
    )
    assert run(lambda client: delete_file(client, file_id=FILE_ID)) is None
    assert route.called


@pytest.mark.parametrize("status", [404, 405, 501])
@respx.mock(base_url="https://api.test")
def test_delete_not_supported_is_said_plainly(respx_mock, status):
    respx_mock.delete(f"/v1/files/{FILE_ID}").respond(status, json={"error": {"message": "no"}})
    with pytest.raises(FileDeleteNotSupported) as caught:
        run(lambda client: delete_file(client, file_id=FILE_ID))
    assert caught.value.status == status
    assert caught.value.kind == "bad_request"
    assert f"(it answered {status})" in caught.value.message_for_user
    assert caught.value.message_for_user.startswith(
        "The Nexconn API has no delete for files"
        if status == 404
        else "The Nexconn API does not offer deleting files"
    )


@respx.mock(base_url="https://api.test")
def test_a_delete_that_was_refused_or_not_done_is_an_error(respx_mock):
    route = respx_mock.delete(f"/v1/files/{FILE_ID}")
    route.respond(json={"id": FILE_ID, "deleted": False})
    with pytest.raises(NexconnError) as caught:
        run(lambda client: delete_file(client, file_id=FILE_ID))
    assert not isinstance(caught.value, FileDeleteNotSupported)
    route.respond(403, json={"error": {"message": "forbidden"}})
    with pytest.raises(NexconnError) as caught:
        run(lambda client: delete_file(client, file_id=FILE_ID))
    assert caught.value.kind == "auth"
    assert not isinstance(caught.value, FileDeleteNotSupported)

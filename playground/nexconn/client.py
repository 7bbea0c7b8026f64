"""The HTTP client for the Nexconn API: auth, timeouts, retries and error mapping."""

import asyncio
import hashlib
import json as jsonlib
import random
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from playground.core.loops import one_per_event_loop
from playground.nexconn.errors import (
    NexconnError,
    error_from_response,
    malformed_body_error,
    network_error,
    timeout_error,
)
from playground.nexconn.events import Retrying
from playground.nexconn.transport import configured_upstream, timed_out

_BEARER_PREFIX = re.compile(r"^\s*bearer\s+", re.IGNORECASE)
_ERROR_BODY_LIMIT = 64 * 1024  # error bodies are small; never buffer a runaway one

# How the key is sent. Nexconn's pages show a bare key, Qiniu's `Bearer <key>`
# (docs/api/auth.md), so the form is a setting (NEXCONN_AUTH_SCHEME).
BEARER, BARE_KEY = "bearer", "bare"


def authorization_header(api_key: str, scheme: str) -> dict[str, str]:
    """The Authorization header of every upstream call, in the given form."""
    return {"Authorization": api_key if scheme == BARE_KEY else f"Bearer {api_key}"}


def other_auth_scheme(scheme: str) -> str:
    return BEARER if scheme == BARE_KEY else BARE_KEY


@dataclass(frozen=True)
class AuthProbe:
    """What the model-list probe found out about the Authorization form."""

    configured: str
    working: str | None  # None: the API refused both forms

    @property
    def switched(self) -> bool:
        return self.working is not None and self.working != self.configured


# By upstream and key: the probe's findings, for every client of that key in this process.
_auth_probes: dict[str, AuthProbe] = {}


def _identity(base_url: str, api_key: str) -> str:
    return hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key}".encode()).hexdigest()


def transport_error(exc: httpx.HTTPError) -> NexconnError:
    """An httpx exception as a NexconnError (timeouts apart from other transport failures)."""
    detail = f"{type(exc).__name__}: {exc}"
    return timeout_error(detail) if timed_out(exc) else network_error(detail)


class NexconnClient:
    """One pooled httpx.AsyncClient, used from a single event loop."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        max_retries: int = 2,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        auth_scheme: str = BEARER,
    ) -> None:
        self._api_key = _BEARER_PREFIX.sub("", api_key).strip()
        self._auth_scheme = auth_scheme
        self._identity = _identity(base_url, self._api_key)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            transport=transport,
        )

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Yield an accepted (2xx) response whose body is still unread; closed on exit.

        Failures before the response is accepted are retried, then raised as NexconnError.
        Once this has yielded nothing is retried: the caller owns the body.
        """
        async for attempt in self.attempts(method, path, json=json, headers=headers):
            response = attempt  # the last is the accepted response; no one to tell of retries
        try:
            yield response
        finally:
            await response.aclose()

    @asynccontextmanager
    async def exchange(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """One request as it is, for the API explorer: sent once (no retries), and any answer
        comes back, errors included, its body unread; closed on exit. Only a failure to get
        an answer at all raises (NexconnError)."""
        request_headers = httpx.Headers(authorization_header(self._api_key, self.auth_scheme))
        request_headers.update(headers or {})
        request = self._http.build_request(method, path, json=json, headers=request_headers)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_error(exc).redact(self._api_key) from exc
        try:
            yield response
        finally:
            await response.aclose()

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        async with self.stream(method, path, json=json, headers=headers) as response:
            try:
                body = await response.aread()
            except httpx.HTTPError as exc:
                raise transport_error(exc).redact(self._api_key) from exc
        try:
            data = jsonlib.loads(body)
        except ValueError as exc:
            error = malformed_body_error(f"invalid JSON: {body[:300]!r}")
            raise error.redact(self._api_key) from exc
        if not isinstance(data, dict):
            raise malformed_body_error(f"expected a JSON object, got {type(data).__name__}")
        return data

    @property
    def auth_scheme(self) -> str:
        """The configured form, or the other one once the probe found that only it works."""
        probe = _auth_probes.get(self._identity)
        return probe.working if probe is not None and probe.working else self._auth_scheme

    async def list_models(self) -> list[dict[str, Any]]:
        """The `data` of GET /v1/models, keeping only entries that have a string id.

        This is also the probe of the Authorization form: on a 401 the other form is tried
        once, and if the API takes it, every client of this key in this process uses it.
        """
        try:
            body = await self.request_json("GET", "/v1/models")
        except NexconnError as refused:
            if refused.status != 401:
                raise
            body = await self._models_with_the_other_auth_scheme(refused)
        else:
            _auth_probes[self._identity] = AuthProbe(self._auth_scheme, self.auth_scheme)
        data = body.get("data")
        if not isinstance(data, list):
            raise malformed_body_error("the model list has no `data` list")
        return [item for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)]

    async def _models_with_the_other_auth_scheme(self, refused: NexconnError) -> dict[str, Any]:
        other = other_auth_scheme(self.auth_scheme)
        try:
            body = await self.request_json(
                "GET", "/v1/models", headers=authorization_header(self._api_key, other)
            )
        except NexconnError as error:
            if error.status == 401:
                _auth_probes[self._identity] = AuthProbe(self._auth_scheme, None)
            raise refused from None
        _auth_probes[self._identity] = AuthProbe(self._auth_scheme, other)
        return body

    def redact(self, error: NexconnError) -> NexconnError:
        """The error with the API key blanked out, should the upstream have echoed it."""
        return error.redact(self._api_key)

    async def aclose(self) -> None:
        await self._http.aclose()

    def close_with_loop(self) -> None:
        """Close this client when the running event loop shuts down (`asyncio.run` and
        uvicorn finalize a loop's async generators then; a loop of asgiref's `async_to_sync`
        lives for one call), so no connection is left open behind a dead loop."""

        async def closer() -> AsyncIterator[None]:
            try:
                yield
            finally:
                await self.aclose()

        self._closer = closer()  # the loop only keeps a weak reference to it
        self._closer_started = asyncio.ensure_future(anext(self._closer))

    async def attempts(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[Retrying | httpx.Response]:
        """Send the request until the upstream accepts it: a Retrying before each wait for
        the next attempt, then the accepted (2xx) response, body unread (the caller closes
        it). Raises NexconnError when the failure is not retried, or no more attempts are
        left."""
        attempt = 0
        while True:
            attempt += 1
            try:
                request_headers = httpx.Headers(
                    authorization_header(self._api_key, self.auth_scheme)
                )
                request_headers.update(headers or {})
                request = self._http.build_request(method, path, json=json, headers=request_headers)
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                error = transport_error(exc)
            else:
                if response.is_success:
                    yield response
                    return
                error = error_from_response(
                    response.status_code, await _read_capped(response), response.headers
                )
            error.redact(self._api_key)
            delay = self._retry_delay(attempt, error)
            if delay is None:
                raise error
            yield Retrying(attempt=attempt, delay=delay, error=error)
            await asyncio.sleep(delay)

    def _retry_delay(self, attempt: int, error: NexconnError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if not error.retryable or attempt > self.max_retries:
            return None
        if error.retry_after is not None:
            # Waiting longer than the cap would hang the UI: report the limit instead.
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - full jitter, not cryptography


async def _read_capped(response: httpx.Response) -> bytes:
    body = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= _ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass  # the status code alone still says what went wrong
    finally:
        await response.aclose()
    return bytes(body[:_ERROR_BODY_LIMIT])


@one_per_event_loop
def _instance_client() -> NexconnClient:
    client = client_from_settings()
    client.close_with_loop()
    return client


# Clients of stored keys (personal and team keys) kept per loop, the most recently used last.
# Bounded: the least recently used one is dropped past this many, and closed a while later
# (an answer may still be streaming through it).
MAX_KEYED_CLIENTS = 32
EVICTED_CLIENT_CLOSE_SECONDS = 15 * 60


@one_per_event_loop
def _keyed_clients() -> dict[str, NexconnClient]:
    return {}


def get_client(api_key: str | None = None) -> NexconnClient:
    """The answers' client for the running event loop (an AsyncClient is bound to the loop
    it first ran on), configured from Django settings and closed with the loop: the instance
    key's, or with `api_key` (a stored key) one for that key, kept under a hash of it."""
    if not api_key:
        return _instance_client()
    clients = _keyed_clients()
    identity = _identity("", _BEARER_PREFIX.sub("", api_key).strip())
    client = clients.pop(identity, None)
    if client is None:
        client = client_from_settings(api_key=api_key)
        client.close_with_loop()
    clients[identity] = client  # now the most recently used
    while len(clients) > MAX_KEYED_CLIENTS:
        evicted = clients.pop(next(iter(clients)))
        asyncio.get_running_loop().call_later(
            EVICTED_CLIENT_CLOSE_SECONDS, lambda c=evicted: asyncio.ensure_future(c.aclose())
        )
    return client


def reset_clients() -> None:
    """Forget all clients, and what the auth probe found (after a settings change, or
    between tests)."""
    _instance_client.forget_all()
    _keyed_clients.forget_all()
    _auth_probes.clear()


def auth_probe_for_settings() -> AuthProbe | None:
    """What the model-list probe found for the configured key, if it ran (not in demo mode)."""
    upstream = configured_upstream()
    if upstream.demo:
        return None
    api_key = _BEARER_PREFIX.sub("", upstream.api_key).strip()
    return _auth_probes.get(_identity(upstream.base_url, api_key))


def client_from_settings(
    *, timeout: float | None = None, max_retries: int | None = None, api_key: str | None = None
) -> NexconnClient:
    """A new client for the configured upstream (the API, or the simulator in demo mode:
    see transport.py), from Django settings; the caller closes it.

    `timeout` and `max_retries` replace the settings' ones (for a quick look-up); `api_key`
    (a stored key) replaces the instance key, on the same upstream.
    """
    from django.conf import settings

    upstream = configured_upstream()
    return NexconnClient(
        base_url=upstream.base_url,
        api_key=api_key or upstream.api_key,
        transport=upstream.transport(),
        connect_timeout=timeout or settings.NEXCONN_CONNECT_TIMEOUT,
        read_timeout=timeout or settings.NEXCONN_READ_TIMEOUT,
        max_retries=settings.NEXCONN_MAX_RETRIES if max_retries is None else max_retries,
        auth_scheme=settings.NEXCONN_AUTH_SCHEME,
    )

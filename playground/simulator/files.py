"""The Files API (docs/api/files.md) without server-side state for the files themselves.

A file id keeps the reference's shape, `qfile-<account>-<created ns>-<rand>`, where the account
is a number derived from the API key and <rand> is the packed `FileSpec` (as the media tasks
pack theirs, see media/tasks.py). So any Simulator instance, in any process, can answer
`GET /v1/files/{id}`: the status follows from the wall clock. Only two things live in one
instance's memory: the list behind `GET /v1/files`, and which files were deleted.

Knobs go in the source URL's query or fragment (the fragment never reaches a real server, so
`https://example.com/talk.mp4#sim=fail` stays a clean link):

  sim=fail                the import fails: file_adapter_sync_failed, as in files.md §3
  sim=nodelete            DELETE on this file answers 405, as an API without delete would
  sim_ready_after=SECONDS pending for this long, then ready (default 2)
  sim_expires_in=SECONDS  the file reads "expired" this long after it was created; wins over
                          the request's `expires_in` (default 172800, the reference's sample)
  sim_size=BYTES          the reported file_size (default: some tens of MB); above 2 GB the
                          import fails with file_too_large (files.md §1)
  sim_type=MIME           the reported content_type (default: from the file name's extension)
  sim_error=STATUS        the create call itself answers this HTTP status (a 4xx or 5xx)

`sim` may be given more than once, or as a comma-separated list: `sim=fail,nodelete`.
"""

import hashlib
import ipaddress
import mimetypes
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from playground.simulator.http import Request, Route, Send, send_error, send_json
from playground.simulator.knobs import parse_seconds, parse_status
from playground.simulator.media.tasks import pack, unpack

PREFIX = "qfile-"
DEFAULT_READY_AFTER = 2.0
DEFAULT_EXPIRES_IN = 172_800  # docs/api/files.md §2 sample: 48 hours
MAX_FILE_SIZE = 2 * 1024**3  # docs/api/files.md §1
MAX_NAME = 120
LIST_LIMIT = 1000  # files remembered per account for the list
_FLAGS = {"fail", "nodelete"}
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def _size(value: str) -> int:
    if (number := int(value)) < 0:
        raise ValueError(value)
    return number


def _mime(value: str) -> str:
    if value.count("/") != 1 or len(value) > 100:
        raise ValueError(value)
    return value


FILE_KNOBS = {
    "sim_ready_after": parse_seconds,
    "sim_expires_in": parse_seconds,
    "sim_size": _size,
    "sim_type": _mime,
    "sim_error": parse_status,
}


class BadFileRequest(ValueError):
    """A create request the real API would refuse with 400, naming the field at fault."""

    def __init__(self, message: str, *, param: str = "source_url", code: str = "") -> None:
        super().__init__(message)
        self.param = param
        self.code = code or ("invalid_source_url" if param == "source_url" else "invalid_request")


@dataclass(slots=True)
class FileSpec:
    """What a file is. Short field names: this is serialised into the id."""

    n: str  # file name, from the source URL
    m: str  # model
    r: float = DEFAULT_READY_AFTER  # seconds pending
    e: float = DEFAULT_EXPIRES_IN  # seconds until it expires
    z: int = 0  # size in bytes
    c: str = ""  # content type
    f: bool = False  # the import fails
    d: bool = False  # delete is "not supported"

    def pack(self) -> str:
        defaults = FileSpec(n="", m="")
        return pack(
            {
                key: value
                for key, value in asdict(self).items()
                if key in ("n", "m") or value != getattr(defaults, key)
            }
        )


def account_number(authorization: str) -> int:
    """A stable account number for an API key, so one key never sees another's files."""
    key = authorization.strip().removeprefix("Bearer ").strip()
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4]) % 100_000


def file_id(account: int, created_ns: int, spec: FileSpec) -> str:
    return f"{PREFIX}{account}-{created_ns}-{spec.pack()}"


def decode_id(value: str) -> tuple[int, int, FileSpec] | None:
    """(account, created ns, spec) of one of our ids, or None."""
    if not value.startswith(PREFIX):
        return None
    account, _, rest = value.removeprefix(PREFIX).partition("-")
    created, _, packed = rest.partition("-")
    if not (account.isdigit() and created.isdigit() and packed):
        return None
    data = unpack(packed)
    if not isinstance(data, dict):
        return None
    try:
        spec = FileSpec(**data)
    except TypeError:
        return None
    return int(account), int(created), spec


def source_knobs(source_url: str) -> dict[str, Any]:
    """The `sim…` knobs of a source URL's query and fragment. ValueError if one is bad."""
    parts = urlsplit(source_url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += parse_qsl(parts.fragment, keep_blank_values=True)
    knobs: dict[str, Any] = {"flags": set()}
    for key, value in pairs:
        if key == "sim":
            for flag in filter(None, (word.strip() for word in value.split(","))):
                if flag not in _FLAGS:
                    raise ValueError(f"unknown simulator flag sim={flag!r}")
                knobs["flags"].add(flag)
        elif key in FILE_KNOBS:
            try:
                knobs[key] = FILE_KNOBS[key](value)
            except (ValueError, KeyError):
                raise ValueError(f"bad value for simulator knob {key}: {value!r}") from None
        elif key.startswith("sim_"):
            raise ValueError(f"unknown simulator knob {key!r}")
    return knobs


def check_source(source_url: Any) -> str:
    """The file name of a public http(s) source URL; BadFileRequest otherwise (no DNS lookups)."""
    if not isinstance(source_url, str) or not source_url.strip():
        raise BadFileRequest("`source_url` is required.")
    parts = urlsplit(source_url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise BadFileRequest("`source_url` must be a public http or https URL.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host
    else:
        local = not address.is_global or address.is_multicast
    if local:
        raise BadFileRequest(
            "`source_url` must be publicly reachable; private addresses are refused."
        )
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])[:MAX_NAME] or "file"


def _default_size(name: str) -> int:
    """Some tens of MB (qfile is for files past the 15 MB inline limit), stable per name."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4])
    return 16 * 1024**2 + digest % (184 * 1024**2)


def files_routes() -> list[Route]:
    """The Files API's routes, with a list and deleted set of their own."""
    return FilesApi().routes()


async def _file_error(
    send: Send, status: int, message: str, *, code: str, param: str | None = None
) -> None:
    """The error object of docs/api/files.md §3 (`code`, `message`, `type`, `param`) in its
    wrapper."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    error = {"code": code, "message": message, "type": kind, "param": param}
    await send_json(send, status, {"error": error})


class FilesApi:
    def __init__(self) -> None:
        self._listed: dict[int, list[str]] = {}  # account -> ids, newest last
        self._deleted: set[str] = set()

    def routes(self) -> list[Route]:
        return [
            ("POST", "/v1/files", self.create),
            ("GET", "/v1/files", self.list),
            ("GET", "/v1/files/{file_id}", self.retrieve),
            ("DELETE", "/v1/files/{file_id}", self.delete),
        ]

    async def create(self, request: Request, send: Send) -> None:
        body = request.json
        if not isinstance(body, dict):
            await _file_error(send, 400, "The body must be a JSON object.", code="invalid_request")
            return
        try:
            model = _required_model(body)
            name = check_source(body.get("source_url"))
            expires_in = _expires_in(body)
            knobs = source_knobs(body["source_url"])
        except BadFileRequest as problem:
            await _file_error(send, 400, str(problem), code=problem.code, param=problem.param)
            return
        except ValueError as problem:
            await _file_error(send, 400, str(problem), code="invalid_simulator_knob")
            return
        if (status := knobs.get("sim_error")) is not None:
            headers = {"retry-after": "1"} if status in (429, 503) else None
            await send_error(send, status, headers=headers)
            return
        spec = FileSpec(
            n=name,
            m=model,
            r=knobs.get("sim_ready_after", DEFAULT_READY_AFTER),
            e=knobs.get("sim_expires_in", expires_in),
            z=knobs.get("sim_size", _default_size(name)),
            c=knobs.get("sim_type") or mimetypes.guess_type(name)[0] or "application/octet-stream",
            f="fail" in knobs["flags"],
            d="nodelete" in knobs["flags"],
        )
        account = account_number(request.headers.get("authorization", ""))
        created_ns = time.time_ns()
        new_id = file_id(account, created_ns, spec)
        listed = self._listed.setdefault(account, [])
        listed.append(new_id)
        del listed[:-LIST_LIMIT]
        await send_json(send, 200, _file_object(new_id, created_ns, spec, now=created_ns / 1e9))

    async def list(self, request: Request, send: Send) -> None:
        account = account_number(request.headers.get("authorization", ""))
        now = time.time()
        data = []
        for known in reversed(self._listed.get(account, [])):
            decoded = decode_id(known)
            if decoded is not None and known not in self._deleted:
                data.append(_file_object(known, decoded[1], decoded[2], now=now))
        await send_json(
            send,
            200,
            {
                "object": "list",
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            },
        )

    async def retrieve(self, request: Request, send: Send) -> None:
        found = await self._find(request, send)
        if found is not None:
            created_ns, spec = found
            file = _file_object(request.params["file_id"], created_ns, spec, now=time.time())
            await send_json(send, 200, file)

    async def delete(self, request: Request, send: Send) -> None:
        found = await self._find(request, send)
        if found is None:
            return
        if found[1].d:
            await send_error(send, 405, message=f"DELETE {request.path} is not supported.")
            return
        self._deleted.add(request.params["file_id"])
        await send_json(
            send, 200, {"id": request.params["file_id"], "object": "file", "deleted": True}
        )

    async def _find(self, request: Request, send: Send) -> tuple[int, FileSpec] | None:
        """(created ns, spec) of the caller's file; otherwise a 404 was sent."""
        wanted = request.params["file_id"]
        decoded = decode_id(wanted)
        account = account_number(request.headers.get("authorization", ""))
        if decoded is None or decoded[0] != account or wanted in self._deleted:
            await _file_error(
                send, 404, f"File {wanted} was not found.", code="file_not_found", param="file_id"
            )
            return None
        return decoded[1], decoded[2]


def _required_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise BadFileRequest("`model` is required.", param="model")
    return model.strip()


def _expires_in(body: dict[str, Any]) -> float:
    """Seconds to keep the file: 3600 to 604800 (docs/api/files.md §2)."""
    value = body.get("expires_in", DEFAULT_EXPIRES_IN)
    if isinstance(value, bool) or not isinstance(value, int) or not 3600 <= value <= 604_800:
        raise BadFileRequest(
            "`expires_in` must be a whole number of seconds from 3600 to 604800.",
            param="expires_in",
        )
    return value


def _file_object(the_id: str, created_ns: int, spec: FileSpec, *, now: float) -> dict[str, Any]:
    """The file object of docs/api/files.md §3 as it stands at `now`."""
    created = created_ns / 1e9
    ready_at, expires_at = created + spec.r, created + spec.e
    file: dict[str, Any] = {
        "id": the_id,
        "object": "file",
        "status": "pending",
        "model": spec.m,
        "created_at": int(created),
        "expires_at": int(expires_at),
    }
    if now < min(ready_at, expires_at):
        return file
    failure = _failure(spec)
    if failure is None and ready_at < expires_at:
        file |= {
            "synced_at": int(ready_at),
            "file_name": spec.n,
            "file_size": spec.z,
            "content_type": spec.c,
        }
    if now >= expires_at:
        file["status"] = "expired"
    elif failure is not None:
        file |= {"status": "failed", "error": failure}
    else:
        file["status"] = "ready"
    return file


def _failure(spec: FileSpec) -> dict[str, Any] | None:
    if spec.f:
        code, message = "file_adapter_sync_failed", "failed to download from source URL"
    elif spec.z > MAX_FILE_SIZE:
        code, message = "file_too_large", "the file is larger than the 2 GB limit"
    else:
        return None
    return {
        "code": code,
        "message": message,
        "type": "invalid_request_error",
        "param": "source_url",
    }

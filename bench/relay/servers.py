"""The servers under test as subprocesses, and what they cost: CPU and memory from /proc."""

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
API_KEY = "bench-key"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Server:
    """A server subprocess on a loopback port, stopped for sure on the way out."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name = name
        self.port = port
        self.url = f"http://{HOST}:{port}"
        # Its own session: a Ctrl+C in the terminal reaches only the benchmark, which then
        # stops the servers itself (gracefully, so a profile gets written).
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=2).status_code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {self.url}{path} in {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class Ports:
    """Ports for the servers: from --port-base up, or free ones chosen by the system."""

    def __init__(self, base: int | None) -> None:
        self.next = base

    def take(self) -> int:
        if self.next is None:
            with socket.socket() as sock:
                sock.bind((HOST, 0))
                return sock.getsockname()[1]
        port, self.next = self.next, self.next + 1
        return port


@dataclass(frozen=True)
class ProcStats:
    cpu: float  # user + system seconds, children included
    hwm: int  # VmHWM: peak resident set over the process's life, bytes (summed over processes)
    rss: int  # VmRSS now, bytes
    processes: int = 1


def proc_stats(pid: int) -> ProcStats:
    """The process and all its descendants (uvicorn's workers): CPU and memory added up.

    utime + stime of each, plus cutime + cstime (children that ended and were waited for).
    """
    cpu = hwm = rss = 0
    members = [pid, *descendants(pid)]
    for member in members:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            # Fields after the command name start at field 3 (state); utime is field 14.
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{member}/status").read_text()
            cpu += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
            for line in status.splitlines():
                key, _, value = line.partition(":")
                if key == "VmHWM":
                    hwm += int(value.split()[0]) * 1024
                elif key == "VmRSS":
                    rss += int(value.split()[0]) * 1024
    return ProcStats(cpu, hwm, rss, len(members))


def descendants(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                for child in (task / "children").read_text().split():
                    found += [int(child), *descendants(int(child))]
    return found


def client_cpu() -> float:
    times = os.times()
    return times.user + times.system


async def settle(pids: list[int], window: float = 0.25, limit: float = 5.0) -> None:
    """Wait until the servers are idle, so a phase's trailing work (the answers' final
    writes after their last event) is counted in that phase, not in the next one."""
    deadline = time.monotonic() + limit
    last = sum(proc_stats(pid).cpu for pid in pids)
    while time.monotonic() < deadline:
        await asyncio.sleep(window)
        now = sum(proc_stats(pid).cpu for pid in pids)
        if now - last <= 1.5 / CLOCK_TICKS:  # at most a tick: idle
            return
        last = now


class RedisCPU:
    """The Redis server's own CPU (INFO cpu): it serves every client, not only the app."""

    def __init__(self, url: str | None) -> None:
        self.client = None
        if url:
            import redis

            self.client = redis.Redis.from_url(url)

    def read(self) -> float | None:
        if self.client is None:
            return None
        info = self.client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


# --- Starting them -------------------------------------------------------------------------


def base_env(tmp: str, sim_port: int) -> dict[str, str]:
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    return os.environ | {
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "NEXCONN_API_KEY": API_KEY,
        "NEXCONN_BASE_URL": f"http://{HOST}:{sim_port}",
        "DATABASE_URL": database,
        "STATIC_ROOT": f"{tmp}/static",  # DEBUG=false needs the manifest of collectstatic
        "SERVESTATIC_USE_FINDERS": "true",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SIGNUP_POLICY": "open",  # every worker's client signs up an account of its own
    }


def prepare(env: dict[str, str]) -> None:
    for command in ("migrate", "collectstatic"):
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", command, "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )


def start_simulator(env: dict[str, str], port: int) -> Server:
    argv = [PYTHON, "-m", "playground.simulator", "--host", HOST, "--port", str(port)]
    server = Server("simulator", [*argv, "--log-level", "warning"], env, port)
    server.wait_ready("/v1/models")
    return server


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def start_app(env: dict[str, str], port: int, workers: int, redis_url: str | None) -> Server:
    """uvicorn serving the app. With Redis, processes share the answers through it (the
    broker) and the cache (sessions and the model list, where settings put them there)."""
    argv = ["-m", "uvicorn", "playground.asgi:application", "--host", HOST, "--port", str(port)]
    argv += ["--log-level", "warning", "--timeout-graceful-shutdown", "2"]
    argv += ["--workers", str(workers)] if workers > 1 else []
    env = dict(env)
    if redis_url:
        prefix = f"bench-{os.getpid()}-{port}"
        env |= {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "CACHE_URL": with_query(redis_url, key_prefix=prefix),
        }
    profile = os.environ.get("BENCH_PROFILE")
    if profile:
        argv = ["-m", "cProfile", "-o", str(Path(profile).resolve()), *argv]
    name = f"app ({workers} worker{'s' if workers > 1 else ''}{', Redis' if redis_url else ''})"
    server = Server(name, [PYTHON, *argv], env, port)
    try:
        server.wait_ready("/healthz")
    except BaseException:
        server.stop()
        raise
    return server


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def code_version() -> str:
    """The commit the app runs from, and whether its code has uncommitted changes."""
    try:
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(  # noqa: S603
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(  # noqa: S603
            [*git, "status", "--porcelain", "playground", "templates"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}{' with uncommitted changes' if changed else ''}"

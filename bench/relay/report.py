"""Tables of a direct phase beside an app phase: direct, app, added (app − direct, quantile
by quantile) and app/direct."""

from collections import Counter

from .analysis import Phase, added

MIB = 1024 * 1024


def ms(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:+.1f}" if sign else f"{value * 1000:.1f}"


def ratio(app: float | None, direct: float | None) -> str:
    if app is None or direct is None or direct <= 0:
        return "-"
    return f"{app / direct:.2f}"


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


class Table:
    """Rows of (label, direct, app, added, app/direct)."""

    def __init__(self, direct: Phase, app: Phase) -> None:
        self.direct, self.app = direct, app
        self.rows: list[tuple[str, str, str, str, str]] = []

    def row(self, label: str, d: str = "", a: str = "", plus: str = "", r: str = "") -> None:
        self.rows.append((label, d, a, plus, r))

    def timing(self, label: str, name: str, q: float) -> None:
        d, a = self.direct.q(name, q), self.app.q(name, q)
        self.row(label, ms(d), ms(a), ms(added(self.direct, self.app, name, q), True), ratio(a, d))

    def failures(self) -> None:
        self.row(
            "failures (answers)",
            f"{len(self.direct.failures)}/{len(self.direct.results)}",
            f"{len(self.app.failures)}/{len(self.app.results)}",
        )

    def cpu(self) -> None:
        d, a = self.direct, self.app
        self.row("server CPU per round (s)", f"{d.server.cpu:.2f}", f"{a.server.cpu:.2f}")
        self.row(
            "server CPU per answer (ms)",
            ms(d.cpu_per_answer),
            ms(a.cpu_per_answer),
            "",
            ratio(a.cpu_per_answer, d.cpu_per_answer),
        )
        self.row(
            "server peak RSS, VmHWM (MiB)",
            f"{d.server.hwm / MIB:.1f}",
            f"{a.server.hwm / MIB:.1f}",
            "",
            ratio(a.server.hwm, d.server.hwm),
        )
        self.row("server processes", str(d.server.processes), str(a.server.processes))
        self.row("simulator CPU per round (s)", f"{d.simulator_cpu:.2f}", f"{a.simulator_cpu:.2f}")
        if a.redis_cpu is not None:
            self.row("Redis server CPU per round (s)", "", f"{a.redis_cpu:.2f}")
        self.row("client CPU per round (s)", f"{d.client_cpu:.2f}", f"{a.client_cpu:.2f}")
        self.row(
            "client CPU, share of one core",
            f"{d.client_cpu / d.wall:.0%}",
            f"{a.client_cpu / a.wall:.0%}",
        )
        self.row("phase wall time per round (s)", f"{d.wall:.2f}", f"{a.wall:.2f}")

    def render(self, header: str) -> str:
        lines = [header, f"{'':38}{'direct':>10}{'app':>14}{'added':>10}{'app/direct':>12}"]
        lines += [f"{label:38}{d:>10}{a:>14}{p:>10}{r:>12}" for label, d, a, p, r in self.rows]
        for phase in (self.direct, self.app):
            kinds = Counter(phase.failures)
            for failure, count in kinds.most_common(5):
                lines.append(f"  {phase.kind} failure ×{count}: {failure}")
        return "\n".join(lines)


def burst_table(direct: Phase, app: Phase, rate: float) -> str:
    """The full table of a burst (N answers at once), rounds pooled."""
    table = Table(direct, app)
    table.failures()
    table.timing("time to first token p50 (ms)", "ttft", 0.5)
    table.timing("time to first token p99 (ms)", "ttft", 0.99)
    table.timing("per-token delay p50 (ms)", "delays", 0.5)
    table.timing("per-token delay p99 (ms)", "delays", 0.99)
    table.timing("per-token delay max (ms)", "delays", 1.0)
    table.timing("  p99 after the first message (ms)", "live_delays", 0.99)
    table.timing("  max after the first message (ms)", "live_delays", 1.0)
    for label, name in (("app: send POST", "send"), ("app: SSE headers after it", "connect")):
        p50, p99 = ms(app.q(name, 0.5)), ms(app.q(name, 0.99))
        table.row(f"{label} p50/p99 (ms)", "", f"{p50}/{p99}")
    table.row(
        "answers streaming at once, peak", str(direct.peak_answering), str(app.peak_answering)
    )
    by_render = sum(r.by_render for r in app.results if not r.failure)
    table.row("answers completed only by `done`", "", f"{by_render}/{len(app.results)}")
    table.timing("stream duration p50 (ms)", "duration", 0.5)
    table.timing("stream duration max (ms)", "duration", 1.0)
    table.cpu()
    header = (
        f"N = {direct.n}: {direct.tokens} tokens at {rate:g}/s per answer, {direct.rounds} "
        f"round(s) pooled; direct: the simulator, app: {app.server_name}"
    )
    return table.render(header)


def spread(phase: Phase, name: str = "ttft") -> list[float | None]:
    return [phase.q(name, q) for q in (0.0, 0.5, 0.9, 0.99, 1.0)]

"""The team leaderboard: a Bradley–Terry fit of blind votes, with bootstrap intervals.

Each vote is one comparison turn of two or more models. A winner beats every other model of
its turn; a tie gives every pair of the turn half a win each way. Scores are on an Elo-like
scale: 400 points of difference mean 10:1 odds of winning, and the mean score is 1000.
"""

import math
import random
import statistics
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

TIE = "tie"
# "All of them were bad" says nothing about which model is better, so, as is common in
# arenas, it counts exactly like a tie: every pair half a win each way.
BAD = "bad"

# The prior: every model plays one virtual game against a reference of strength 1 and ties
# it. It keeps a model that never lost (or never won) at a finite score, and it weighs next
# to nothing once a model has a few real votes.
_PRIOR_GAMES = 1.0
_PRIOR_WINS = 0.5
# Newton's method stops when no log-strength moves by more than this (about 0.0002 points);
# the last step is still taken, and it lands well within a millionth of a point.
_TOLERANCE = 1e-6
_MAX_ITERATIONS = 100
# Added to the curvature's diagonal so that rounding can never make it singular.
_RIDGE = 1e-12
_ELO_MEAN = 1000.0
_ELO_PER_LOG = 400.0 / math.log(10.0)  # 400·log10(p) written with the natural log


@dataclass(frozen=True, slots=True)
class Vote:
    models: tuple[str, ...]
    outcome: str  # the winner's model id, TIE or BAD

    def __post_init__(self) -> None:
        if len(self.models) < 2 or len(set(self.models)) != len(self.models):
            raise ValueError(f"a vote needs at least two distinct models, got {self.models!r}")
        if self.outcome not in self.models and self.outcome not in (TIE, BAD):
            raise ValueError(f"unknown outcome {self.outcome!r} for {self.models!r}")


@dataclass(frozen=True, slots=True)
class Row:
    model: str
    score: float
    low: float  # the 95% interval, from the bootstrap
    high: float
    votes: int  # votes the model took part in: wins + ties + losses
    wins: int
    ties: int  # BAD votes are counted here too
    losses: int


def leaderboard(votes: Iterable[Vote], *, rounds: int = 200, seed: int | None = 0) -> list[Row]:
    """Rows sorted by score, best first. `rounds` bootstrap refits give the intervals (0
    skips them: low and high are then the score); `seed` makes them reproducible."""
    votes = list(votes)
    if not votes:
        return []
    if rounds < 0:
        raise ValueError("rounds must not be negative")
    models = sorted({model for vote in votes for model in vote.models})
    tallies = _Tallies(models, votes)
    best = tallies.fit(tallies.packed, start=[0.0] * len(models))
    scores = _elo(best)
    samples: list[list[float]] = [[] for _ in models]
    rng = random.Random(seed)  # noqa: S311 - resampling for statistics, not cryptography
    for _ in range(rounds):
        resample = rng.choices(tallies.packed, k=len(votes))
        refit = _elo(tallies.fit(resample, start=best))
        for sample, score in zip(samples, refit, strict=True):
            sample.append(score)
    rows = []
    for index, model in enumerate(models):
        if rounds:
            # n=40 cut points: the first is the 2.5th percentile and the last the 97.5th.
            cuts = statistics.quantiles(samples[index], n=40, method="inclusive")
            low, high = cuts[0], cuts[-1]
        else:
            low = high = scores[index]
        wins, ties, losses = tallies.records[index]
        rows.append(Row(model, scores[index], low, high, wins + ties + losses, wins, ties, losses))
    rows.sort(key=lambda row: (-row.score, row.model))
    return rows


def points(score: float) -> int:
    """A score as the page shows it: to the nearest whole point, halves up."""
    return math.floor(score + 0.5)


def ranks(rows: Sequence[Row]) -> list[int]:
    """The place of each row (sorted best first): rows whose scores show the same points
    share a place, and the next one skips ("1, 2, 2, 4")."""
    places: list[int] = []
    for position, row in enumerate(rows):
        tied = position > 0 and points(row.score) == points(rows[position - 1].score)
        places.append(places[-1] if tied else position + 1)
    return places


class _Tallies:
    """The votes as counts, packed so that a bootstrap resample is summed in C.

    A vote's contribution (pair games and doubled wins, so that half wins stay integers) is
    one big integer holding a fixed-width field per count. Fields are wide enough never to
    overflow into each other, so the sum of any resample's integers holds that resample's
    counts: one `sum()` per bootstrap round instead of tens of thousands of Python additions.
    """

    def __init__(self, models: Sequence[str], votes: Sequence[Vote]) -> None:
        index = {model: position for position, model in enumerate(models)}
        self.size = len(models)
        self.records = [[0, 0, 0] for _ in models]  # wins, ties, losses per model
        pair_field: dict[tuple[int, int], int] = {}
        contributions: list[list[tuple[int, int]]] = []  # (field, amount) per vote
        for vote in votes:
            members = sorted(index[model] for model in vote.models)
            opponents = len(members) - 1
            if vote.outcome in vote.models:
                # The winner met every other model; the losers' order among themselves is
                # unknown, so their pairs are not games.
                winner = index[vote.outcome]
                wins = [(winner, 2 * opponents)]
                met = [pair for pair in combinations(members, 2) if winner in pair]
                for member in members:
                    self.records[member][0 if member == winner else 2] += 1
            else:
                wins = [(member, opponents) for member in members]
                met = list(combinations(members, 2))
                for member in members:
                    self.records[member][1] += 1
            for pair in met:
                pair_field.setdefault(pair, self.size + len(pair_field))
            contributions.append(wins + [(pair_field[pair], 1) for pair in met])
        # Fields 0..size-1 are doubled wins per model; then one field per pair that met.
        self.pairs = sorted(pair_field, key=pair_field.__getitem__)
        largest = len(votes) * 2 * (max(len(vote.models) for vote in votes) - 1)
        code = next(code for code in "HIQ" if largest < 2 ** (8 * struct.calcsize(code)))
        self._format = f"<{self.size + len(self.pairs)}{code}"
        width = 8 * struct.calcsize(code)
        self.packed = [
            sum(amount << (field * width) for field, amount in contribution)
            for contribution in contributions
        ]

    def fit(self, packed: Iterable[int], *, start: Sequence[float]) -> list[float]:
        """The log-strengths that best explain the votes of `packed`, searched from `start`."""
        length = struct.calcsize(self._format)
        counts = struct.unpack(self._format, sum(packed).to_bytes(length, "little"))
        wins = [doubled / 2 + _PRIOR_WINS for doubled in counts[: self.size]]
        games = [
            (first, second, played)
            for (first, second), played in zip(self.pairs, counts[self.size :], strict=True)
            if played
        ]
        return _maximise(wins, games, start)


def _maximise(
    wins: Sequence[float], games: Sequence[tuple[int, int, int]], start: Sequence[float]
) -> list[float]:
    """The most probable log-strengths, by Newton's method with a backtracking line search.

    The classic MM (Zermelo) iteration reaches the same answer, but it crawls when one model
    beat another in every game they played, which a small team's leaderboard sees all the
    time: a hundred such votes took it well over a thousand sweeps. The prior makes the
    objective strictly concave, so Newton's method gets there in about ten steps whatever
    the data.
    """
    logs = list(start)
    value = _log_posterior(logs, wins, games)
    for _ in range(_MAX_ITERATIONS):
        gradient, curvature = _derivatives(logs, wins, games)
        step = _solve(curvature, gradient)
        if max(abs(change) for change in step) < _TOLERANCE:
            return [log + change for log, change in zip(logs, step, strict=True)]
        slope = math.fsum(g * change for g, change in zip(gradient, step, strict=True))
        fraction = 1.0
        while True:
            candidate = [log + fraction * change for log, change in zip(logs, step, strict=True)]
            candidate_value = _log_posterior(candidate, wins, games)
            if candidate_value >= value + 1e-4 * fraction * slope:
                break
            fraction /= 2
            if fraction < 1e-9:  # rounding, not the data, stops any further progress
                return logs
        logs, value = candidate, candidate_value
    return logs


def _log_posterior(
    logs: Sequence[float], wins: Sequence[float], games: Sequence[tuple[int, int, int]]
) -> float:
    # P(i beats j) = e^θi / (e^θi + e^θj); the reference has θ = 0.
    value = math.fsum(
        won * log - _PRIOR_GAMES * _log_one_plus_exp(log)
        for won, log in zip(wins, logs, strict=True)
    )
    return value - math.fsum(
        played * (logs[first] + _log_one_plus_exp(logs[second] - logs[first]))
        for first, second, played in games
    )


def _derivatives(
    logs: Sequence[float], wins: Sequence[float], games: Sequence[tuple[int, int, int]]
) -> tuple[list[float], list[list[float]]]:
    """The log-posterior's gradient, and its curvature (the Hessian with its sign flipped),
    which the prior keeps positive definite."""
    gradient = []
    curvature = [[0.0] * len(logs) for _ in logs]
    for model, (won, log) in enumerate(zip(wins, logs, strict=True)):
        expected = _logistic(log)
        gradient.append(won - _PRIOR_GAMES * expected)
        curvature[model][model] = _PRIOR_GAMES * expected * (1.0 - expected) + _RIDGE
    for first, second, played in games:
        expected = _logistic(logs[first] - logs[second])
        gradient[first] -= played * expected
        gradient[second] -= played * (1.0 - expected)
        spread = played * expected * (1.0 - expected)
        curvature[first][first] += spread
        curvature[second][second] += spread
        curvature[first][second] -= spread
        curvature[second][first] -= spread
    return gradient, curvature


def _solve(matrix: Sequence[Sequence[float]], vector: Sequence[float]) -> list[float]:
    """x such that matrix · x = vector, for a symmetric positive definite matrix: Cholesky,
    then forward and back substitution."""
    size = len(vector)
    lower: list[list[float]] = []  # row r holds its r + 1 entries up to the diagonal
    for row in range(size):
        entries: list[float] = []
        for column in range(row):
            known = math.sumprod(entries, lower[column][:column])
            entries.append((matrix[row][column] - known) / lower[column][column])
        entries.append(math.sqrt(matrix[row][row] - math.sumprod(entries, entries)))
        lower.append(entries)
    forward: list[float] = []
    for row in range(size):
        known = math.sumprod(lower[row][:row], forward)
        forward.append((vector[row] - known) / lower[row][row])
    solution = [0.0] * size
    for row in reversed(range(size)):
        below = [lower[later][row] for later in range(row + 1, size)]
        known = math.sumprod(below, solution[row + 1 :])
        solution[row] = (forward[row] - known) / lower[row][row]
    return solution


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    exp = math.exp(x)
    return exp / (1.0 + exp)


def _log_one_plus_exp(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _elo(logs: Sequence[float]) -> list[float]:
    mean = math.fsum(logs) / len(logs)
    return [_ELO_MEAN + _ELO_PER_LOG * (log - mean) for log in logs]

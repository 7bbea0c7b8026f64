"""The leaderboard fit: pure Python, no database."""

import math
import random
import time

import pytest

from playground.compare.ranking import BAD, TIE, Row, Vote, leaderboard, points, ranks


def _scores(rows):
    return {row.model: row.score for row in rows}


def _synthetic_votes(
    elo: dict[str, float], *, count: int, seed: int, largest_turn: int = 4, ties: float = 0.1
) -> list[Vote]:
    """Votes of two to `largest_turn` models; the winner is drawn with odds proportional
    to strength, and a share of the turns are ties."""
    rng = random.Random(seed)
    names = sorted(elo)
    votes = []
    for _ in range(count):
        models = tuple(rng.sample(names, rng.randint(2, min(largest_turn, len(names)))))
        if rng.random() < ties:
            votes.append(Vote(models, TIE))
            continue
        weights = [10 ** (elo[model] / 400) for model in models]
        votes.append(Vote(models, rng.choices(models, weights=weights)[0]))
    return votes


def test_no_votes_give_no_rows():
    assert leaderboard([]) == []


def test_recovers_the_order_of_known_strengths():
    truth = {"alpha": 1200, "bravo": 1100, "charlie": 1000, "delta": 900, "echo": 800}
    rows = leaderboard(_synthetic_votes(truth, count=3000, seed=7), rounds=50)

    assert [row.model for row in rows] == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert sum(row.score for row in rows) / len(rows) == pytest.approx(1000)


def test_recovers_known_strengths_from_pairwise_votes():
    truth = {"alpha": 1200, "bravo": 1100, "charlie": 1000, "delta": 900, "echo": 800}
    votes = _synthetic_votes(truth, count=3000, seed=7, largest_turn=2, ties=0)

    for row in leaderboard(votes, rounds=0):
        assert row.score == pytest.approx(truth[row.model], abs=25)


def test_four_hundred_points_mean_ten_to_one_odds():
    votes = [Vote(("a", "b"), "a")] * 2000 + [Vote(("a", "b"), "b")] * 200

    scores = _scores(leaderboard(votes, rounds=0))

    assert scores["a"] - scores["b"] == pytest.approx(400, abs=1)
    assert scores["a"] + scores["b"] == pytest.approx(2000)


def test_symmetric_results_give_equal_scores():
    votes = [
        Vote(("a", "b"), "a"),
        Vote(("b", "c"), "b"),
        Vote(("c", "a"), "c"),
        Vote(("a", "b", "c"), TIE),
    ] * 5

    rows = leaderboard(votes, rounds=20)

    for row in rows:
        assert row.score == pytest.approx(1000, abs=1e-3)
        assert (row.votes, row.wins, row.ties, row.losses) == (15, 5, 5, 5)


def test_a_model_that_always_wins_ranks_first_with_a_finite_score():
    votes = [Vote(("champion", "b"), "champion")] * 20 + [
        Vote(("b", "c"), "b"),
        Vote(("b", "c"), "c"),
        Vote(("champion", "c"), "champion"),
    ]

    rows = leaderboard(votes, rounds=30)

    assert rows[0].model == "champion"
    assert all(math.isfinite(value) for row in rows for value in (row.score, row.low, row.high))
    assert rows[0].losses == 0
    assert rows[0].score - rows[-1].score < 2000


def test_models_that_always_beat_the_next_one_are_fitted_to_convergence():
    """Perfect separation, where a fit converges slowest: a chain where each model won all
    of its 300 votes against the next one."""
    votes = [Vote((f"m{i}", f"m{i + 1}"), f"m{i}") for i in range(4) for _ in range(300)]

    rows = leaderboard(votes, rounds=40)
    again = leaderboard(list(reversed(votes)), rounds=0)

    assert [row.model for row in rows] == ["m0", "m1", "m2", "m3", "m4"]
    assert all(math.isfinite(row.score) for row in rows)
    assert all(row.low <= row.score <= row.high for row in rows)
    assert _scores(again) == pytest.approx(_scores(rows), abs=1e-6)


def test_a_model_that_never_won_stays_finite():
    rows = leaderboard([Vote(("a", "b"), "a")], rounds=10)

    assert [row.model for row in rows] == ["a", "b"]
    assert all(math.isfinite(row.score) for row in rows)


def test_ties_pull_scores_together():
    decisive = [Vote(("a", "b"), "a")] * 6 + [Vote(("a", "b"), "b")] * 2
    with_ties = decisive + [Vote(("a", "b"), TIE)] * 8

    gap = _scores(leaderboard(decisive, rounds=0))
    tied_gap = _scores(leaderboard(with_ties, rounds=0))

    assert 0 < tied_gap["a"] - tied_gap["b"] < gap["a"] - gap["b"]


def test_all_ties_give_equal_scores_and_count_as_ties():
    rows = leaderboard([Vote(("a", "b", "c"), TIE)] * 4, rounds=10)

    assert all(row.score == pytest.approx(1000) for row in rows)
    assert all((row.votes, row.ties, row.wins, row.losses) == (4, 4, 0, 0) for row in rows)


def test_all_bad_counts_exactly_like_a_tie():
    decisive = [Vote(("a", "b", "c"), "a"), Vote(("b", "c"), "c")] * 3

    with_tie = leaderboard([*decisive, *[Vote(("a", "b", "c"), TIE)] * 3], rounds=20)
    with_bad = leaderboard([*decisive, *[Vote(("a", "b", "c"), BAD)] * 3], rounds=20)

    assert with_bad == with_tie


def test_a_winner_beats_every_other_model_of_its_turn():
    rows = leaderboard([Vote(("a", "b", "c", "d", "e", "f"), "c")], rounds=0)

    assert rows[0].model == "c"
    assert (rows[0].wins, rows[0].losses) == (1, 0)
    # The losers' order among themselves is unknown: they stay level.
    assert all(row.score == pytest.approx(rows[1].score) for row in rows[1:])
    assert all((row.votes, row.wins, row.losses) == (1, 0, 1) for row in rows[1:])


def test_intervals_contain_the_score_and_shrink_with_more_data():
    truth = {"a": 1100, "b": 1000, "c": 900}
    few = leaderboard(_synthetic_votes(truth, count=60, seed=3))
    many = leaderboard(_synthetic_votes(truth, count=1500, seed=3))

    for rows in (few, many):
        assert all(row.low <= row.score <= row.high for row in rows)
    few_widths = {row.model: row.high - row.low for row in few}
    for row in many:
        assert row.high - row.low < few_widths[row.model] / 2


def test_without_rounds_the_interval_is_the_score():
    rows = leaderboard([Vote(("a", "b"), "a")] * 3, rounds=0)

    assert all(row.low == row.score == row.high for row in rows)


def test_a_seed_makes_the_intervals_reproducible():
    votes = _synthetic_votes({"a": 1050, "b": 1000, "c": 950}, count=200, seed=11)

    first = leaderboard(votes, seed=5)
    again = leaderboard(votes, seed=5)
    other = leaderboard(votes, seed=6)

    assert first == again
    assert _scores(other) == _scores(first)
    assert [(row.low, row.high) for row in other] != [(row.low, row.high) for row in first]


def test_the_order_of_the_votes_does_not_change_the_scores():
    votes = _synthetic_votes({"a": 1050, "b": 1000, "c": 950, "d": 900}, count=300, seed=2)
    shuffled = votes.copy()
    random.Random(1).shuffle(shuffled)

    scores = _scores(leaderboard(votes, rounds=0))

    assert _scores(leaderboard(shuffled, rounds=0)) == pytest.approx(scores)


@pytest.mark.parametrize(
    ("models", "outcome"),
    [(("a",), "a"), (("a", "a"), "a"), (("a", "b"), "c"), (("a", "b"), "")],
)
def test_a_malformed_vote_is_refused(models, outcome):
    with pytest.raises(ValueError):
        Vote(models, outcome)


def test_five_thousand_six_model_votes_complete():
    """Not a timing assertion (shared CI machines vary): it must finish, and prints how long
    it took for the record."""
    rng = random.Random(0)
    names = [f"model-{number}" for number in range(12)]
    votes = []
    for _ in range(5000):
        models = tuple(rng.sample(names, 6))
        outcome = rng.choice([*models, TIE, BAD])
        votes.append(Vote(models, outcome))

    started = time.perf_counter()
    rows = leaderboard(votes, rounds=200)
    elapsed = time.perf_counter() - started

    print(f"5,000 votes × 6 models × 200 rounds: {elapsed:.2f} s")
    assert len(rows) == 12


def test_rows_whose_scores_read_the_same_share_a_rank():
    def row(model, score):
        return Row(model, score, score, score, 1, 1, 0, 0)

    rows = [row("a", 1100.2), row("b", 1000.4), row("c", 999.6), row("d", 999.5), row("e", 900)]
    # 1000.4 reads 1000 and 999.6 reads 1000 too; 999.5 rounds up to 1000 as well.
    assert ranks(rows) == [1, 2, 2, 2, 5]
    assert [points(r.score) for r in rows] == [1100, 1000, 1000, 1000, 900]
    assert ranks([]) == []

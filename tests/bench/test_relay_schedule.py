"""The relay benchmark's pure parts: its open-loop arrivals, its search, its quantiles."""

import statistics

from bench.relay.analysis import quantile, token_arrivals
from bench.relay.openloop import next_probe, poisson_schedule


def test_arrivals_are_a_poisson_process_at_the_rate():
    arrivals = poisson_schedule(rate=5.0, duration=2000.0, seed=1)
    gaps = [b - a for a, b in zip([0.0, *arrivals], arrivals, strict=False)]
    assert arrivals == sorted(arrivals)
    assert arrivals[0] >= 0 and arrivals[-1] < 2000.0
    assert abs(len(arrivals) - 10_000) < 300  # 3 standard deviations (√10,000 = 100)
    # Exponential gaps: their spread equals their mean (a regular schedule's would be 0).
    assert abs(statistics.stdev(gaps) / statistics.mean(gaps) - 1) < 0.05


def test_direct_and_app_get_the_same_arrivals_at_a_rate():
    assert poisson_schedule(20.0, 30.0, seed=1) == poisson_schedule(20.0, 30.0, seed=1)
    assert poisson_schedule(20.0, 30.0, seed=1) != poisson_schedule(20.0, 30.0, seed=2)
    assert poisson_schedule(20.0, 30.0, seed=1) != poisson_schedule(25.0, 30.0, seed=1)


def test_the_search_bisects_down_to_its_resolution():
    assert next_probe(20.0, 30.0, 1.0) == 25.0
    assert next_probe(0.0, 2.0, 1.0) == 1.0
    assert next_probe(25.0, 26.0, 1.0) is None
    assert next_probe(24.0, 25.0, 0.5) == 24.5


def test_quantiles_are_nearest_ranks():
    hundred = [float(i) for i in range(1, 101)]
    assert quantile(hundred, 0.99) == 99.0
    assert quantile(hundred, 0.5) == 50.0
    assert quantile(hundred, 0.07) == 7.0
    assert quantile(hundred, 0.0) == 1.0
    assert quantile(hundred, 1.0) == 100.0
    assert quantile([float(i) for i in range(1, 11)], 0.5) == 5.0
    assert quantile([3.0], 0.99) == 3.0
    assert quantile([], 0.5) is None


def test_a_coalesced_message_gives_its_time_to_every_token_it_completes():
    boundaries = [0, 3, 6, 9, 12]  # four tokens of three characters
    # 4 characters at t=1 (one whole token), then 11 at t=2 (two more), then all 12 at t=3.
    arrivals, length = token_arrivals([(1.0, 4), (2.0, 11), (3.0, 12)], boundaries)
    assert arrivals == [1.0, 2.0, 2.0, 3.0]
    assert length == 12

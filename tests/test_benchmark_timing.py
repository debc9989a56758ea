"""The benchmarks' timing helper: what it records and how ratios are paired (no timing
assertions: speed lives in ``python -m benchmarks``, not in unit tests)."""

import statistics
import warnings

with warnings.catch_warnings():  # numpy is already imported here: the thread-limit warning
    warnings.simplefilter("ignore")
    from benchmarks._timing import compare, paired_ratios, quartiles


def test_compare_keeps_one_sample_per_repeat_in_round_order():
    calls = []
    timings = compare({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                      repeats=4, number=2, warmup=1)
    assert calls == ["a", "b"] + ["a", "a", "b", "b"] * 4  # warm-up, then round-robin
    for t in timings.values():
        assert len(t.samples) == t.repeats == 4 and t.number == 2
        assert t.median == statistics.median(t.samples)
        assert (t.q1, t.q3) == quartiles(t.samples) and t.q1 <= t.median <= t.q3


def test_paired_ratios_divide_round_by_round():
    timings = compare({"a": lambda: None, "b": lambda: None}, repeats=3, warmup=0)
    a, b = timings["a"], timings["b"]
    a.samples, b.samples = [2.0, 3.0, 8.0], [1.0, 2.0, 4.0]
    assert paired_ratios(a, b) == [2.0, 1.5, 2.0]


def test_quartiles_of_a_single_value_are_that_value():
    assert quartiles([5.0]) == (5.0, 5.0)

"""The SALib wrappers: a seeded bootstrap (the same call gives the same intervals, seed 0 included),
a `SmallSampleWarning` below the advised sizes or when the indices show the estimator's noise, and
bars that keep S1 and ST within [0, 1] while showing the whole interval.

No simulation runs here: the outputs are test functions (a linear one, whose indices are known).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from simbranch import plots
from simbranch.analysis import sensitivity
from simbranch.analysis.sensitivity import (
    MIN_MORRIS_TRAJECTORIES,
    MIN_RBD_FAST_N,
    MIN_SOBOL_N,
    SmallSampleWarning,
    bootstrap_seed,
    morris_indices,
    rbd_fast_indices,
    sobol_indices,
)
from simbranch.plots.sweeps import clip_share

PROBLEM = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}


def linear(x: np.ndarray) -> np.ndarray:
    """y = a + b/2 + c/10: additive, so S1 = ST, in the ratio 1 : 1/4 : 1/100."""
    return x[:, 0] + 0.5 * x[:, 1] + 0.1 * x[:, 2]


def quiet(call, *args, **kwargs):
    """`call(...)`, failing on any SmallSampleWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleWarning)
        return call(*args, **kwargs)


# ------------------------------------------------------------------ seeds


def test_the_bootstrap_seed_is_its_own_stream_and_never_zero():
    """SALib's Sobol' analysis reads seed 0 as no seed (`if seed:`): the derived seed is never 0, the same
    for the same experiment seed and different for another."""
    assert bootstrap_seed(None) is None
    seeds = [bootstrap_seed(s) for s in (0, 1, 2, 2**63 - 1)]
    assert all(isinstance(s, int) and 1 <= s <= 2**32 for s in seeds)
    assert len(set(seeds)) == len(seeds) and bootstrap_seed(0) == seeds[0]


@pytest.mark.parametrize("seed", [0, 7])
def test_the_same_seed_gives_the_same_intervals_for_every_method(seed):
    """Seed 0 (the experiments' default) included: before, SALib drew Sobol' intervals unseeded for it,
    and the same sweep gave S1_conf 1.417 and then 1.631."""
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        first, again = (sobol_indices(PROBLEM, linear(x), seed=seed) for _ in range(2))
        pd.testing.assert_frame_equal(first, again, check_exact=True)
        other = sobol_indices(PROBLEM, linear(x), seed=seed + 1)
        xm = morris_sample.sample(PROBLEM, 4, num_levels=4, seed=1)
        pd.testing.assert_frame_equal(morris_indices(PROBLEM, xm, linear(xm), seed=seed),
                                      morris_indices(PROBLEM, xm, linear(xm), seed=seed), check_exact=True)
        xr = np.random.default_rng(1).random((32, 3))
        pd.testing.assert_frame_equal(rbd_fast_indices(PROBLEM, xr, linear(xr), seed=seed),
                                      rbd_fast_indices(PROBLEM, xr, linear(xr), seed=seed), check_exact=True)
    assert not np.array_equal(first["S1_conf"], other["S1_conf"])  # the seed does reach the bootstrap


# ------------------------------------------------------------------ small samples


def test_a_small_sobol_sample_warns_with_the_advised_size_and_what_it_shows():
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    with pytest.warns(SmallSampleWarning) as caught:
        sobol_indices(PROBLEM, linear(x), label="profit")
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("Sobol' indices of profit from n = 8 base points (a design of 40 points), below the "
                              f"advised {MIN_SOBOL_N} base points: ")
    assert "reaching outside [0, 1]" in message and "estimator's noise" in message and "n >= 64" in message
    assert "\n" not in message  # one line on the command line's stderr


def test_the_advised_sizes_give_no_warning_on_a_linear_function():
    """At the advised sizes, the linear function's indices show no noise symptom (measured over 20 designs:
    none at n = 64, see the module docstring), so these fixed designs must not warn."""
    x = sobol_sample.sample(PROBLEM, MIN_SOBOL_N, calc_second_order=False, seed=1)
    out = quiet(sobol_indices, PROBLEM, linear(x)).set_index("parameter")
    assert out["S1"].idxmax() == "a"
    xm = morris_sample.sample(PROBLEM, MIN_MORRIS_TRAJECTORIES, num_levels=4, seed=1)
    quiet(morris_indices, PROBLEM, xm, linear(xm))
    xr = np.random.default_rng(1).random((MIN_RBD_FAST_N, 3))
    quiet(rbd_fast_indices, PROBLEM, xr, linear(xr))


def test_too_few_trajectories_or_draws_warn():
    xm = morris_sample.sample(PROBLEM, MIN_MORRIS_TRAJECTORIES - 1, num_levels=4, seed=1)
    with pytest.warns(SmallSampleWarning, match=r"from 9 trajectories .*below the advised 10 trajectories"):
        morris_indices(PROBLEM, xm, linear(xm))
    xr = np.random.default_rng(1).random((MIN_RBD_FAST_N - 1, 3))
    with pytest.warns(SmallSampleWarning, match=r"RBD-FAST indices from 63 draws, below the advised 64 draws"):
        rbd_fast_indices(PROBLEM, xr, linear(xr))
    with pytest.warns(SmallSampleWarning, match="from 4 draws"):  # too few for any index: NaN, and said so
        assert rbd_fast_indices(PROBLEM, xr[:4], linear(xr[:4]))["S1"].isna().all()


def test_noise_in_the_indices_warns_at_any_size(monkeypatch):
    """With the advised size, indices that contradict what indices are (S1 above ST beyond both intervals,
    an interval wider than [0, 1], an estimate outside [0, 1] beyond its interval) still warn; an index near
    0 whose symmetric interval dips below 0 does not (the usual sight at any size)."""
    import SALib.analyze.sobol

    crafted = {"S1": np.array([0.9, 0.02, -0.4]), "S1_conf": np.array([0.05, 0.04, 0.1]),
               "ST": np.array([0.5, 0.03, 0.2]), "ST_conf": np.array([0.05, 0.04, 0.6])}
    monkeypatch.setattr(SALib.analyze.sobol, "analyze", lambda *a, **k: crafted)
    x = sobol_sample.sample(PROBLEM, MIN_SOBOL_N, calc_second_order=False, seed=1)
    with pytest.warns(SmallSampleWarning) as caught:
        out = sobol_indices(PROBLEM, linear(x))
    (message,) = [str(w.message) for w in caught]
    assert "below the advised" not in message
    assert "S1 above ST beyond both intervals, though S1 <= ST for the true indices, for a (S1 0.90 ± 0.05" in message
    assert "S1 estimates outside [0, 1] by more than their interval for c (S1 -0.40 ± 0.10)" in message
    assert "ST intervals wider than the whole range [0, 1] for c (ST 0.20 ± 0.60)" in message
    assert "b (" not in message  # 0.02 ± 0.04 is an index near 0, not noise to warn about
    np.testing.assert_array_equal(out["S1"], crafted["S1"])  # the frame keeps the raw estimates
    crafted.update(S1=np.array([0.5, 0.02, 0.0]), ST=np.array([0.6, 0.03, 0.01]), ST_conf=np.array([0.05] * 3))
    quiet(sobol_indices, PROBLEM, linear(x))


def test_a_long_list_of_parameters_is_cut_short():
    frame = pd.DataFrame({"parameter": list("pqrst"), "S1": [-0.5] * 5, "S1_conf": [0.1] * 5})
    (symptom,) = sensitivity._range_symptoms(frame, "S1", small=False)
    assert symptom.endswith("r (S1 -0.50 ± 0.10) and 2 more")


# ------------------------------------------------------------------ bars


def test_clip_share_keeps_bars_in_range_and_spans_the_raw_interval():
    shown, err, clipped = clip_share(np.array([-0.2, 0.5, 1.3, np.nan]), np.array([0.1, 0.1, 0.4, np.nan]))
    np.testing.assert_allclose(shown, [0.0, 0.5, 1.0, np.nan])
    assert clipped.tolist() == [True, False, True, False]
    # from the bar's end to each end of [value - half, value + half]: [-0.3, -0.1] from 0, [0.9, 1.7] from 1
    np.testing.assert_allclose(err, [[0.3, 0.1, 0.1, 0.0], [0.0, 0.1, 0.7, 0.0]], atol=1e-12)
    assert clip_share(np.array([0.5]), None)[1] is None


def test_sensitivity_bars_clip_and_mark_an_index_outside_its_range():
    indices = pd.DataFrame({"parameter": ["managers.count", "allocation.rule"], "S1": [1.4, 0.2],
                            "S1_conf": [0.3, 0.1], "ST": [0.8, -0.1], "ST_conf": [0.2, 0.05]})
    raw = indices.copy()
    fig = plots.sensitivity_bars(indices, kpi="profit")
    (ax,) = fig.axes
    s1, st = (c for c in ax.containers if isinstance(c, BarContainer))
    assert [b.get_width() for b in s1.patches] == pytest.approx([1.0, 0.2])
    assert [b.get_width() for b in st.patches] == pytest.approx([0.8, 0.0])
    assert [bool(b.get_hatch()) for b in [*s1.patches, *st.patches]] == [True, False, False, True]
    assert all(c.errorbar is not None for c in (s1, st))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[-1].startswith("estimate outside [0, 1]")
    pd.testing.assert_frame_equal(indices, raw)  # the frame keeps its raw values
    inside = plots.sensitivity_bars(indices.assign(S1=[0.9, 0.2], ST=[0.95, 0.3]), kpi="profit", lang="zh")
    assert len(inside.legends[0].get_texts()) == 2  # nothing clipped, no mark in the legend

"""API arguments that reviewers found slipping through (issue 17, round two): each is refused with a
ValueError (or TypeError for an option a function does not take) naming the argument, the value and
what is allowed, before any work is done, rather than a bare KeyError, a NumPy or SALib error, a
ZeroDivisionError, or a silently wrong result."""

from __future__ import annotations

import re
import warnings
from unittest import mock

import numpy as np
import pytest

import simbranch as sb
from simbranch.analysis import adjusted_intervals, mser5, multiple_comparisons_with_the_best
from simbranch.analysis.sensitivity import SmallSampleWarning
from simbranch.report import report_html, write_report

TINY = {"branch.horizon_days": 3, "branch.warmup_days": 1, "clients.count": 60, "managers.count": 2}
SCENARIO = sb.Scenario().with_overrides(TINY)
SERIAL = {"executor": "serial", "progress": False}


@pytest.fixture(scope="module")
def comparison() -> sb.Comparison:
    return sb.compare(SCENARIO, ["crm_routing"], replications=2, seed=3, **SERIAL)


@pytest.fixture(scope="module")
def sobol_sweep() -> sb.Sweep:
    space = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return sb.sweep(SCENARIO, space, method="sobol", n=4, **SERIAL)


@pytest.fixture(scope="module")
def study() -> sb.Robustness:
    return sb.robustness(SCENARIO, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
                         replications=1, kpi="satisfaction_mean", **SERIAL)


@pytest.fixture(scope="module")
def calibration() -> sb.Calibration:
    return sb.calibrate(SCENARIO, {"satisfaction_mean": (0.7, 0.05)}, {"clients.satisfaction.initial_mean": (0.5, 0.8)},
                        waves=1, points=3, replications=1, check_draws=1, best_replications=1, **SERIAL)


# --------------------------------------------------------------------------- Comparison


@pytest.mark.parametrize("kpis", [["nope"], ["satisfaction_mean", "nope"], "nope"], ids=["one", "among-known", "str"])
def test_summary_of_an_unknown_kpi_is_the_value_error_paired_gives(comparison, kpis):
    """`summary` checks its KPIs as `paired` and `best` do: a ValueError naming the KPI and those there are."""
    with pytest.raises(ValueError, match=r"no KPI 'nope' in the table; KPIs: .*satisfaction_mean") as summary_error:
        comparison.summary(kpis=kpis)
    with pytest.raises(ValueError) as paired_error:
        comparison.paired(kpis=kpis)
    assert str(summary_error.value) == str(paired_error.value)


def test_summary_level_outside_0_1_is_refused(comparison):
    for level in (0, 1, 2, -0.5, float("nan")):
        with pytest.raises(ValueError, match=re.escape(f"level must be between 0 and 1, got {level!r}")):
            comparison.summary(level=level)
    assert comparison.summary("satisfaction_mean")["kpi"].tolist() == ["satisfaction_mean"] * 2


def test_warmup_check_of_an_unknown_series_names_it_and_the_series(comparison, executed):
    with pytest.raises(ValueError, match=r"no daily series 'nope'; series: .*satisfaction_mean") as info:
        comparison.warmup_check("nope")
    assert "'day'" not in str(info.value) and not executed  # refused before anything runs


@pytest.mark.parametrize("replication", [-1, 2, 10**30, 1.0, True, "0"])
def test_warmup_check_takes_only_the_comparisons_replications(comparison, executed, replication):
    """A negative replication was a NumPy error; one beyond the comparison's quietly ran a fresh seed.
    Both are refused as `rerun` refuses them."""
    expected = f"no replication {replication!r} in this comparison; replications: 0 to 1"
    with pytest.raises(ValueError, match=re.escape(expected)):
        comparison.warmup_check("satisfaction_mean", replication=replication)
    with pytest.raises(ValueError, match=re.escape(expected)):
        comparison.rerun("baseline", replication=replication)
    assert not executed


def test_warmup_check_of_a_replication_it_has_reruns_that_replication(comparison):
    check = comparison.warmup_check("nps", replication=1)
    assert check["policy"].tolist() == ["baseline", "crm_routing"]
    assert (check["warmup_days"] == 1).all()


@pytest.mark.parametrize("auto_kpis", [["nope"], ["satisfaction_mean", "nope"], [], "nope"],
                         ids=["unknown", "among-known", "empty", "str"])
def test_compare_auto_with_unknown_auto_kpis_runs_nothing(executed, auto_kpis):
    """`replications="auto"` with an auto_kpis the runs do not report: a ValueError before any run."""
    with pytest.raises(ValueError, match=r"auto_kpis: no KPI .*; KPIs: requests_arrived, ") as info:
        sb.compare(SCENARIO, replications="auto", auto_kpis=auto_kpis, **SERIAL)
    assert ("'nope'" in str(info.value)) == bool(auto_kpis) and not executed


def test_compare_auto_takes_one_kpi_as_a_string(executed):
    cmp = sb.compare(SCENARIO, replications="auto", auto_kpis="satisfaction_mean", max_replications=5,
                     target_rel_ci=1.0, **SERIAL)
    assert len(cmp.table) >= 1 and executed


# --------------------------------------------------------------------------- sensitivity


BAD_RESAMPLES = [0, 1, -1, 1.5, True, "100", None]
#: Each resample is held in memory at once: 10**9 of them exhausted it.
TOO_MANY_RESAMPLES = [10_001, 10**9]
BAD_LEVELS = [0, 1, 2, -0.1, float("nan"), "0.9", True, None]


@pytest.mark.parametrize("num_resamples", BAD_RESAMPLES)
def test_sweep_sensitivity_num_resamples_must_be_a_whole_number_of_at_least_1(sobol_sweep, num_resamples):
    """num_resamples=0 was a ZeroDivisionError from SALib, 1 NaN intervals with NumPy's warnings."""
    with pytest.raises(ValueError, match=re.escape("num_resamples must be a whole number of at least 2 (the intervals "
                                                   f"are the spread of the resamples), got {num_resamples!r}")):
        sobol_sweep.sensitivity("satisfaction_mean", num_resamples=num_resamples)


@pytest.mark.parametrize("num_resamples", TOO_MANY_RESAMPLES)
def test_sensitivity_num_resamples_has_a_ceiling(sobol_sweep, study, num_resamples):
    message = re.escape(f"num_resamples must be at most 10,000 (more do not sharpen the interval and each is held "
                        f"in memory), got {num_resamples}")
    with pytest.raises(ValueError, match=message):
        sobol_sweep.sensitivity("satisfaction_mean", num_resamples=num_resamples)
    with pytest.raises(ValueError, match=message):
        study.sensitivity(num_resamples=num_resamples)


@pytest.mark.parametrize("conf_level", BAD_LEVELS)
def test_sweep_sensitivity_conf_level_must_be_between_0_and_1(sobol_sweep, conf_level):
    with pytest.raises(ValueError, match=re.escape(f"conf_level must be a number between 0 and 1 (exclusive), got "
                                                   f"{conf_level!r}")):
        sobol_sweep.sensitivity("satisfaction_mean", conf_level=conf_level)


@pytest.mark.parametrize(("num_resamples", "conf_level"),
                         [*((n, 0.95) for n in BAD_RESAMPLES), *((100, c) for c in BAD_LEVELS)])
def test_robustness_sensitivity_checks_its_bootstrap(study, num_resamples, conf_level):
    """Robustness.sensitivity accepted num_resamples=0 and conf_level=2 (with 3 draws SALib is never called)."""
    argument = "num_resamples" if conf_level == 0.95 else "conf_level"
    with pytest.raises(ValueError, match=f"^{argument} must be"):
        study.sensitivity(num_resamples=num_resamples, conf_level=conf_level)


def test_sensitivity_with_a_valid_bootstrap_still_works(sobol_sweep, study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        assert list(sobol_sweep.sensitivity("satisfaction_mean", num_resamples=2, conf_level=0.5)["parameter"]) \
            == ["clients.satisfaction.initial_mean"]
        assert len(study.sensitivity(num_resamples=np.int64(10), conf_level=np.float64(0.9)))


# --------------------------------------------------------------------------- Calibration


@pytest.mark.parametrize("seed", [-1, "x", 1.5, True, 2**63, np.float64(3.0)])
def test_calibration_scenarios_seed_is_checked_as_every_seed(calibration, seed):
    """A seed of -1 or "x" was a NumPy error; it is now `check_seed`'s ValueError."""
    with pytest.raises(ValueError, match=re.escape(f"seed must be a whole number from 0 to {2**63 - 1}, got {seed!r}")):
        calibration.scenarios(3, seed=seed)


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "3", None, 100_001, 10**12])
def test_calibration_scenarios_n_is_a_whole_number_up_to_a_ceiling(calibration, n):
    """scenarios(10**12) tried to build a trillion scenarios in memory."""
    with pytest.raises(ValueError, match=re.escape(f"n must be a whole number from 1 to 100,000 (each draw is a "
                                                   f"scenario held in memory), got {n!r}")):
        calibration.scenarios(n)


def test_calibration_scenarios_with_a_valid_seed(calibration):
    draws = calibration.scenarios(2, seed=np.int64(7))
    assert draws == calibration.scenarios(2, seed=7) and len(draws) == 2


@pytest.mark.parametrize(("kind", "options"), [("fit", {"max_draws": 10}), ("posterior", {"bins": 5}),
                                               ("waves", {"colour": "red"}), ("pairs", {"max_draw": 10}),
                                               ("fit", {"langs": "zh", "title": "x"})])
def test_calibration_plot_refuses_options_its_figure_does_not_take(calibration, kind, options):
    """Options were silently ignored for every kind but "pairs": a TypeError naming them and those it takes."""
    with pytest.raises(TypeError) as info:
        calibration.plot(kind, **options)
    message = str(info.value)
    assert message.startswith(f"the {kind!r} figure of a calibration takes no option "), message
    assert all(repr(name) in message for name in options), message
    assert message.endswith("options: lang, currency" + (", max_draws" if kind == "pairs" else "")), message


def test_calibration_plot_takes_its_options_and_names_an_unknown_kind(calibration):
    assert calibration.plot("fit", lang="zh", currency="USD").axes
    assert calibration.plot("waves", lang="en").axes
    with pytest.raises(ValueError, match="unknown plot kind 'heatmap' for a calibration"):
        calibration.plot("heatmap", bins=3)  # the kind is named first, not the option


# --------------------------------------------------------------------------- ResultStore.export


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "runs.sqlite"
    sb.compare(SCENARIO, replications=1, store=path, **SERIAL)
    return path


@pytest.mark.parametrize("name", ["runs.xlsx", "runs.json", "runs", "runs.csv.gz", "runs.parquet.bak"])
def test_export_refuses_a_suffix_other_than_csv_and_parquet(store, tmp_path, name):
    with sb.ResultStore(store) as db, pytest.raises(ValueError) as info:
        db.export(tmp_path / name)
    suffix = (tmp_path / name).suffix
    assert str(info.value) == f"cannot export to {tmp_path / name}: the suffix must be '.csv' or '.parquet', got " \
                              f"{suffix!r}"
    assert not (tmp_path / name).exists()


def test_export_accepts_csv_in_any_case(store, tmp_path):
    with sb.ResultStore(store) as db:
        path = db.export(tmp_path / "RUNS.CSV")
    assert path.read_text().startswith("policy,")


# --------------------------------------------------------------------------- analysis


def test_adjusted_intervals_refuses_arrays_of_different_lengths():
    d, se, df, p = np.array([1.0, 0.1]), np.array([0.2, 0.2]), np.array([9.0, 9.0]), np.array([0.001, 0.6])
    for args in ((d[:1], se, df, p), (d, se, df[:1], p), (d, se, df, p[:1]), (d, se[:1], df, p),
                 (d.reshape(2, 1), se.reshape(2, 1), df.reshape(2, 1), p.reshape(2, 1)), (1.0, 0.2, 9.0, 0.001)):
        with pytest.raises(ValueError, match=r"must be flat arrays of one length .*got shapes difference"):
            adjusted_intervals(*args)
    assert len(adjusted_intervals(d, se, df, p)) == 2


@pytest.mark.parametrize("batch", [0, -5, 2.5, True, "5"])
def test_mser5_batch_must_be_a_whole_number_of_at_least_1(batch):
    """batch=0 was a ZeroDivisionError."""
    with pytest.raises(ValueError, match=re.escape(f"batch must be a whole number of at least 1, got {batch!r}")):
        mser5(np.arange(100.0), batch=batch)
    assert mser5(np.r_[np.linspace(10, 0, 20), np.zeros(180)], batch=np.int64(5)) == 20


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, float("nan")])
def test_multiple_comparisons_with_the_best_checks_level(level):
    with pytest.raises(ValueError, match=re.escape(f"level must be between 0 and 1, got {level!r}")):
        multiple_comparisons_with_the_best({"a": 0.01}, level=level)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf"), "0.1", None, True, 1j])
def test_multiple_comparisons_with_the_best_checks_p_values(p):
    with pytest.raises(ValueError, match=re.escape(f"a p-value is a number from 0 to 1; got {p!r} for 'b'")):
        multiple_comparisons_with_the_best({"a": 0.01, "b": p})


def test_multiple_comparisons_with_the_best_takes_a_mapping():
    with pytest.raises(TypeError, match="one_sided must map each other policy to its p-value, got a list"):
        multiple_comparisons_with_the_best([0.01, 0.2])
    verdict = multiple_comparisons_with_the_best({"a": np.float64(0.001), "b": 0, "c": 1})
    assert verdict["p_value"] == 1.0 and verdict["contenders"] == ["c"]


# --------------------------------------------------------------------------- the report's highlight


@pytest.mark.parametrize("highlight", [["nope"], ["crm_routing", "crm_routin"], "nope", [5]],
                         ids=["unknown", "misspelt", "str", "not-text"])
def test_report_highlight_of_an_unknown_policy_is_a_value_error(comparison, tmp_path, highlight):
    """An unknown name silently dropped the figure over time; now the report names it and the policies.
    (The CLI never passes `highlight`, so no user reaches this from the command line.)"""
    unknown = [highlight] if isinstance(highlight, str) else [h for h in highlight if h != "crm_routing"]
    expected = (f"highlight: no policy {', '.join(map(repr, unknown))} in this comparison; "
                "policies: baseline, crm_routing")
    with pytest.raises(ValueError, match=re.escape(expected)):
        report_html(comparison, highlight=highlight)
    with pytest.raises(ValueError, match=re.escape(expected)):
        write_report(comparison, tmp_path / "r.html", highlight=highlight)
    assert not (tmp_path / "r.html").exists()


def test_report_highlight_of_known_policies_reaches_the_figures(comparison):
    """One name (a list of one) or a list of them, the baseline too, goes on to the figures as given."""
    both = ["baseline", "crm_routing"]
    for highlight, drawn in (("crm_routing", ["crm_routing"]), (tuple(both), both), ([], []), (None, None)):
        with mock.patch("simbranch.report.comparison._add_figures") as figures:
            assert "<html" in report_html(comparison, highlight=highlight)
        assert figures.call_args.args[3] == drawn


@pytest.mark.parametrize("estimator", ["sobol", "morris", "rbd_fast"])
def test_the_index_functions_check_the_bootstrap_before_the_data(estimator):
    """The analysis functions themselves refuse a bootstrap that means nothing (before reading the data)."""
    from simbranch.analysis import morris_indices, rbd_fast_indices, sobol_indices

    problem = {"num_vars": 1, "names": ["a"], "bounds": [[0.0, 1.0]]}
    call = {"sobol": lambda **kw: sobol_indices(problem, np.arange(3.0), **kw),
            "morris": lambda **kw: morris_indices(problem, np.zeros((2, 1)), np.arange(2.0), **kw),
            "rbd_fast": lambda **kw: rbd_fast_indices(problem, np.zeros((3, 1)), np.arange(3.0), **kw)}[estimator]
    with pytest.raises(ValueError, match=r"^num_resamples must be a whole number of at least 2"):
        call(num_resamples=0)
    with pytest.raises(ValueError, match=r"^conf_level must be a number between 0 and 1"):
        call(conf_level=2)

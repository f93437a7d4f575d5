"""What there is to choose from: presets, levers and KPIs, as frames and on the command line."""

from __future__ import annotations

import pytest

from simbranch import discover, meanings
from simbranch.cli import main
from simbranch.scenario import LEVER_SECTIONS, Scenario, load_policy, preset_names


def test_every_lever_is_listed_with_a_default_the_scenario_accepts():
    """Each row's path is a real field: setting it to its listed default validates (so the paths,
    types and defaults shown are the scenario's own)."""
    frame = discover.levers()
    assert set(frame["section"]) == set(LEVER_SECTIONS)
    assert frame["path"].is_unique and (frame["description"] != "").all()
    base = Scenario()
    for row in frame.itertuples(index=False):
        assert base.with_overrides({row.path: row.default}) == base, row.path
    training = frame.set_index("path").loc["training.interval_days"]
    assert (training["type"], training["default"], training["allowed"], training["unit"]) == (
        "int", 63, ">= 1 and <= 10000", "working days")
    assert frame.set_index("path").loc["training.attendees", "allowed"] == "all, new_hires, lowest_assessed"
    assert {"lever", "coefficient"} == set(frame["kind"])


def test_every_lever_has_a_label_in_both_languages():
    """`lang` names the fields as figures and reports do: every lever of a policy has a label in each language."""
    english, chinese = discover.levers(), discover.levers(lang="zh")
    assert (english["label"] != "").all() and (chinese["label"] != "").all()
    assert (english["label"] != chinese["label"]).all()
    assert chinese.set_index("path").loc["training.enabled", "label"] == meanings.parameter_label("training.enabled",
                                                                                                  "zh")
    with pytest.raises(ValueError, match="lang must be one of en, zh, got 'fr'"):
        discover.levers(lang="fr")


def test_the_levers_table_in_chinese(capsys):
    assert main(["levers", "training", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "名称" in out.splitlines()[0] and meanings.parameter_label("training.enabled", "zh") in out


def test_one_section_and_a_wrong_one():
    managers = discover.levers("managers")
    assert managers["path"].str.startswith("managers.").all() and len(managers) > 20
    with pytest.raises(ValueError, match="no section 'nope' in a scenario; sections: branch, clients"):
        discover.levers("nope")


def test_policies_and_kpis_frames():
    presets = discover.policies("zh")
    assert list(presets["name"]) == preset_names()
    assert presets.set_index("name").loc["crm_routing", "label"] == "使用CRM系统自动分配"
    assert "allocation.rule = crm" in presets.set_index("name").loc["crm_routing", "changes"]
    for name in presets["name"]:
        assert load_policy(name).name == name  # the names listed are the names load_policy takes
    kpis = discover.kpis()
    assert kpis.set_index("name").loc["wait_mean_h", "better"] == "lower" and kpis["name"].is_unique


@pytest.mark.parametrize(("args", "expected"), [
    (["policies"], "crm_routing"), (["policies", "--lang", "zh"], "使用CRM系统自动分配"),
    (["levers", "training"], "training.interval_days"), (["levers"], "wellbeing.enabled"),
    (["kpis"], "wait_mean_h"), (["kpis", "--lang", "zh"], "平均等待时间"),
])
def test_the_command_line_lists_them(args, expected, capsys):
    assert main(args) == 0
    assert expected in capsys.readouterr().out


def test_a_wrong_section_exits_2_with_one_line(capsys):
    assert main(["levers", "nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no section 'nope'" in err and len(err.strip().splitlines()) == 1


def test_scenario_and_policy_read_well():
    """Reprs lead with what makes the object itself: the scenario's size and its non-default values,
    the policy's label and levers; not a 5 KB line of every field."""
    sc = Scenario().with_overrides({"managers.count": 12, "training.enabled": True})
    text = repr(sc)
    assert text.splitlines()[0].startswith("Scenario 'Default branch': 12 AMs, 7,000 clients")
    assert "  managers.count = 12" in text and "  training.enabled = True" in text and len(text) < 400
    assert sc.changes() == {"managers.count": 12, "training.enabled": True}
    html = sc._repr_html_()
    assert "<code>managers.count</code>" in html and "Days between sessions" not in html
    assert "Run a training programme" in html  # the description of what changed
    policy = load_policy("crm_routing")
    assert repr(policy) == "Policy 'crm_routing' (CRM routing): allocation.rule = 'crm'; allocation.follow_up_days = 60"
    assert "<code>allocation.rule</code>" in policy._repr_html_()


def test_policies_flat_and_back():
    from simbranch.scenario import Policy

    for name in preset_names():
        policy = load_policy(name)
        again = Policy.from_flat(name, policy.to_flat(), policy.description)
        assert again.levers == policy.levers
    assert Policy.from_flat("p", {"training.enabled": True}) == Policy(name="p", levers={"training": {"enabled": True}})
    with pytest.raises(ValueError, match="runs through 'enabled'"):
        Policy.from_flat("p", {"training.enabled": True, "training.enabled.x": 1})


def test_the_frames_are_top_level_names():
    """`sb.policies()`, `sb.levers()`, `sb.kpis()`: no subpackage of the same name shadows them."""
    import simbranch as sb
    import simbranch.mechanisms.allocation

    assert sb.policies is discover.policies and sb.levers is discover.levers
    assert len(sb.policies()) == len(preset_names()) and len(sb.levers("careers")) > 3

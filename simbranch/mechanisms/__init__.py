"""The article's management levers, one module per lever family, each behind a small protocol.

A lever module has an `install(branch)` that, when its section is switched on, adds hooks to
the branch's daily schedule and sets the per-AM modifiers it owns (see docs/model.md). A lever
that is off installs nothing, so the run is the core model's.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from simbranch.mechanisms import careers, communication, incentives, surveys, training, wellbeing
from simbranch.mechanisms.allocation import (
    AllocationRule,
    allocation_rule,
    allocation_rule_names,
    register_allocation_rule,
)

if TYPE_CHECKING:
    from simbranch.model.branch import Branch

#: Installers in the order their hooks run within a day.
LEVER_INSTALLERS: tuple[Callable[["Branch"], None], ...] = (
    training.install,  # assessment first, then training sessions
    incentives.install,
    surveys.install,
    careers.install,
    communication.install,
    wellbeing.install,
)


def install_levers(branch: "Branch") -> None:
    """Install every lever that the branch's scenario switches on."""
    for install in LEVER_INSTALLERS:
        install(branch)


__all__ = [
    "LEVER_INSTALLERS",
    "AllocationRule",
    "allocation_rule",
    "allocation_rule_names",
    "install_levers",
    "register_allocation_rule",
]

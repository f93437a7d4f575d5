"""An AM's strain and drive: stress day to day, exhaustion over months, and motivation.

Stress sigma in [0, 1] (docs/model.md, "Stress") responds within days to the working day:

    sigma += climate x build_factor x [ build_rate x max(0, worked / H - load_threshold)   workload
                                       + overtime_stress x overtime hours
                                       + backlog_stress x days of work waiting
                                       + complaint_stress x complaints handled
                                       + pay pressure + effort_stress x (e - 1) + background ]
             - recovery_rate x recovery_factor x sigma + noise                     on a working day

The climate (a scenario's `managers.stress.climate`) and the AM's build factor (stress-management
skills, the wellbeing lever) scale how much the same demands strain; the recovery factor
(counselling) how fast it fades.
    sigma -= leave_recovery_rate x sigma                                      on a day away (leave, sick)

Exhaustion E in [0, 1] (docs/model.md, "Exhaustion") builds over months while stress stays above a
threshold, at a rate scaled by the AM's own susceptibility v (lognormal across AMs), and fades with
rest, faster on days of leave or sickness and slower on working days under stress (recovery needs
detachment from work: Sonnentag & Fritz 2007):

    E += build_rate x v x max(0, sigma - stress_threshold)
         - recovery_rate x E x (leave_recovery if away, else 1 - recovery_block x sigma)

An AM with E >= high_threshold counts as highly exhausted (about a third of bank staff: Amigo et
al. 2014), with E >= burnout_threshold as burnt out. Exhaustion lowers quality and sales, and
raises sick days and quitting (Swider & Zimmerman 2010); those effects live where quality, sales,
absence and quits are computed.

Motivation m drifts towards a target: its initial value, plus what pay for performance adds (the
incentives lever's bonus; a promotion lifts motivation once, directly), saturating at
`ceiling_gain` so that stacked gains do not add up, minus
`motivation_effect` x (E - the initial mean exhaustion): more exhausted than is typical, less driven.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

    from simbranch.model.managers import Manager
    from simbranch.model.workday import DayHours
    from simbranch.scenario import Scenario

__all__ = ["Strain"]


class Strain:
    def __init__(self, scenario: Scenario):
        mg = scenario.managers
        self.hours = scenario.branch.hours_per_day
        self.st = mg.stress
        self.ex = mg.exhaustion
        self.mo = mg.motivation
        self.effort_stress = mg.effort.effort_stress
        self.stress_on = mg.stress.enabled
        self.exh_on = mg.exhaustion.enabled
        self.mot_on = mg.motivation.enabled

    def susceptibility(self, rng: random.Random) -> float:
        """An AM's own susceptibility to exhaustion, lognormal with median 1."""
        return math.exp(self.ex.susceptibility_sd * rng.gauss(0.0, 1.0))

    def initial_exhaustion(self, susceptibility: float) -> float:
        """Exhaustion of an AM already in post at the start: the mean, spread by susceptibility."""
        if not self.exh_on:
            return 0.0
        mean_v = math.exp(0.5 * self.ex.susceptibility_sd ** 2)
        return min(1.0, self.ex.initial_mean * susceptibility / mean_v)

    def working_day(self, m: Manager, day: DayHours, backlog_h: float, noise: float) -> None:
        """Stress after a day at work."""
        if not self.stress_on:
            return
        st, H = self.st, self.hours
        load = day.worked / H
        demands = (st.build_rate * max(0.0, load - st.load_threshold) + st.overtime_stress * day.overtime
                   + st.backlog_stress * backlog_h / H + st.complaint_stress * m.day_complaints + m.pressure
                   + self.effort_stress * (m.intensity - 1.0) + st.background_pressure)
        s = m.stress + st.climate * m.build_factor * demands - st.recovery_rate * m.recovery_factor * m.stress
        m.stress = min(1.0, max(0.0, s + st.noise_sd * noise))

    def day_away(self, m: Manager, resting: bool) -> None:
        """Stress after a day away from the desk: leave or sickness rests, a course is a normal day without load."""
        if not self.stress_on:
            return
        rate = self.st.leave_recovery_rate if resting else self.st.recovery_rate * m.recovery_factor
        m.stress -= rate * m.stress

    def exhaustion(self, m: Manager, resting: bool) -> None:
        """Exhaustion after a day: builds while stress stays high, fades with rest."""
        if not self.exh_on:
            return
        ex = self.ex
        build = ex.build_rate * m.susceptibility * max(0.0, m.stress - ex.stress_threshold)
        rest = ex.recovery_rate * m.recovery_factor * (ex.leave_recovery if resting
                                                       else 1.0 - ex.recovery_block * m.stress)
        m.exhaustion = min(1.0, max(0.0, m.exhaustion + build - rest * m.exhaustion))
        m.burnout = m.exhaustion >= ex.burnout_threshold
        m.burnout_total_days += m.burnout
        m.exhausted_days += m.exhaustion >= ex.high_threshold

    def motivation(self, m: Manager) -> None:
        """Motivation moves a step towards its target."""
        if not self.mot_on:
            return
        mo = self.mo
        bonus = m.motivation_bonus
        gain = mo.ceiling_gain * -math.expm1(-bonus / mo.ceiling_gain) if bonus > 0.0 and mo.ceiling_gain > 0 \
            else min(bonus, mo.ceiling_gain)
        drop = self.ex.motivation_effect * (m.exhaustion - self.ex.initial_mean) if self.exh_on else 0.0
        target = min(1.0, max(0.0, mo.initial + gain - drop))
        m.motivation += mo.adjust_rate * (target - m.motivation)

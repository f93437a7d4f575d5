"""Effort: how an AM splits discretionary effort between selling and service, and how hard they work.

Two numbers per AM, set by what the branch pays for (docs/model.md, "Effort"):

* the **split** phi in [0, 1], the share of discretionary effort (proactive calls, the focus of a
  conversation) on selling rather than service. An AM weighs selling and service by a professional
  norm (1 each) plus `pay_response` x the pay at risk on each; maximising
  w_sell log(phi) + w_service log(1 - phi) gives phi = w_sell / (w_sell + w_service), so pay on one
  measure draws effort from the unpaid ones (Holmström & Milgrom 1991) with diminishing returns;
* the **intensity** e >= 1, effort relative to normal: proactive hours planned and the willingness to
  make them up in overtime. e = 1 + intensity_max x (1 - exp(-S / intensity_scale)), where S adds up
  the strength of every motivator (pay at risk, a career path): stacked measures saturate instead of
  adding up. Effort has a cost: stress per unit of e - 1 (`effort_stress`).

With no incentives phi is the scenario's `managers.effort_split` and e = 1.
"""

from __future__ import annotations

import math

__all__ = ["intensity", "selling_split"]


def selling_split(phi0: float, pay_on_selling: float, pay_on_service: float, pay_response: float) -> float:
    """Share of effort on selling, from the pay at risk on selling and on service measures.

    `phi0` is the split without pay for performance; the norm's weights are set so that
    w_sell / (w_sell + w_service) = phi0 with w_sell + w_service = 2.
    """
    w_sell = 2.0 * phi0 + pay_response * pay_on_selling
    w_service = 2.0 * (1.0 - phi0) + pay_response * pay_on_service
    total = w_sell + w_service
    return w_sell / total if total > 0 else phi0


def intensity(strength: float, intensity_max: float, intensity_scale: float) -> float:
    """Effort relative to normal for a total motivating strength (>= 0), saturating at 1 + max."""
    if strength <= 0.0:
        return 1.0
    return 1.0 + intensity_max * -math.expm1(-strength / intensity_scale)

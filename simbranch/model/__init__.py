"""The simulated branch: clients, requests, account managers and the SimPy engine that runs them."""

from simbranch.model.branch import Branch

__all__ = ["Branch"]

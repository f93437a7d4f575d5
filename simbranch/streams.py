"""Named random streams spawned from one seed: the basis of reproducibility and common random numbers.

Every kind of draw (arrivals, service times, sales, churn, ...) has its own stream, derived
from the run's `SeedSequence` and the stream's name alone. A stream therefore yields the same
numbers whichever other streams a run uses, so two policies run with one seed see the same
arrivals and request needs (common random numbers), on any machine and executor.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable

import numpy as np

__all__ = ["Draws", "KeyedDraws", "Streams", "positive_sampler", "scalar_sampler", "seed_sequence"]

_BLOCK = 512


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """The run's root `SeedSequence` from an integer seed or an existing sequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(int(seed))


class Streams:
    """A factory of independent generators, one per stream name, from one root seed."""

    def __init__(self, seed: int | np.random.SeedSequence):
        self.root = seed_sequence(seed)
        self._generators: dict[str, np.random.Generator] = {}
        self._client_base: int | None = None

    def generator(self, name: str) -> np.random.Generator:
        """The generator of stream `name` (created on first use, then shared)."""
        gen = self._generators.get(name)
        if gen is None:
            key = (*self.root.spawn_key, zlib.crc32(name.encode("utf-8")))
            child = np.random.SeedSequence(self.root.entropy, spawn_key=key)
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(child))
        return gen

    def draws(self, name: str, sample: Callable[[np.random.Generator, int], np.ndarray]) -> Draws:
        """Scalar draws from stream `name`, taken from blocks that `sample(gen, n)` produces."""
        return Draws(self.generator(name), sample)

    def client_random(self, client: int) -> random.Random:
        """The stream of one client: its arrival times and every need of its requests.

        One stream per client means a client's needs do not depend on which other clients a
        policy keeps or loses, so common random numbers survive churn. It is a Mersenne Twister
        (`random.Random`, cheap to create and to draw from) seeded from the run's seed sequence
        and the client's id.
        """
        if self._client_base is None:
            key = (*self.root.spawn_key, zlib.crc32(b"clients.requests"))
            state = np.random.SeedSequence(self.root.entropy, spawn_key=key).generate_state(2, np.uint64)
            self._client_base = (int(state[0]) << 64) | int(state[1])
        return random.Random((self._client_base << 32) | client)

    def am_random(self, position: int, occupant: int) -> random.Random:
        """The stream of one AM: the `occupant`-th person to hold desk `position`.

        Everything drawn for one AM (susceptibility, quit threshold, leave, sick days) comes from
        it, so the same desk's same occupant gets the same draws under every policy.
        """
        key = (*self.root.spawn_key, zlib.crc32(b"managers.person"), position, occupant)
        state = np.random.SeedSequence(self.root.entropy, spawn_key=key).generate_state(2, np.uint64)
        return random.Random((int(state[0]) << 64) | int(state[1]))

    def keyed(self, name: str) -> KeyedDraws:
        """Counter-based draws of stream `name`: a uniform for each (key, counter), whatever order
        they are asked in (see `KeyedDraws`)."""
        key = (*self.root.spawn_key, zlib.crc32(name.encode("utf-8")))
        base = int(np.random.SeedSequence(self.root.entropy, spawn_key=key).generate_state(1, np.uint64)[0])
        return KeyedDraws(base)


_M64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scrambles every bit."""
    z = (z + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _mix64_array(z: np.ndarray) -> np.ndarray:
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class KeyedDraws:
    """Uniforms in [0, 1) addressed by `(key, counter)` rather than drawn in sequence.

    A draw depends only on the stream's seed, the key (a client, an AM) and the counter (a day, the
    k-th contact), never on how many draws other keys took before it. So when two policies make the
    k-th proactive call to a client on different days, or keep different clients in the book, the
    same client still meets the same chance: common random numbers for decisions that policies
    reorder. The 64-bit word `key x 2^32 + counter` goes through SplitMix64's finaliser, is
    combined with the stream's seed and goes through it again (Steele, Lea & Flood 2014), as
    counter-based generators such as Philox run a key and a counter through their rounds.
    """

    __slots__ = ("_base",)

    def __init__(self, base: int):
        self._base = base

    def uniform(self, key: int, counter: int) -> float:
        z = _mix64(self._base ^ _mix64(((key << 32) | (counter & 0xFFFFFFFF)) & _M64))
        return (z >> 11) * (1.0 / 9007199254740992.0)

    def normal(self, key: int, counter: int) -> float:
        """A standard normal for `(key, counter)` (inverse of the normal distribution function)."""
        return _NORMAL.inv_cdf(min(max(self.uniform(key, counter), 1e-16), 1.0 - 1e-16))

    def uniforms(self, keys: np.ndarray, counter: int | np.ndarray) -> np.ndarray:
        """`uniform(key, counter)` for every key of an integer array (with one counter, or a counter
        for each key), in one vectorised step."""
        keys = keys.astype(np.uint64)
        counters = np.asarray(counter).astype(np.int64) & 0xFFFFFFFF
        mixed = (keys << np.uint64(32)) | counters.astype(np.uint64)
        z = _mix64_array(np.uint64(self._base) ^ _mix64_array(mixed))
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


_NORMAL = __import__("statistics").NormalDist()


class Draws:
    """Scalar draws served from NumPy blocks: one Python call per draw, one NumPy call per block."""

    __slots__ = ("_block", "_gen", "_i", "_sample")

    def __init__(self, gen: np.random.Generator, sample: Callable[[np.random.Generator, int], np.ndarray]):
        self._gen = gen
        self._sample = sample
        self._block: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i >= len(self._block):
            self._block = self._sample(self._gen, _BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._block[i]


def uniform(gen: np.random.Generator, n: int) -> np.ndarray:
    return gen.random(n)


def normal(gen: np.random.Generator, n: int) -> np.ndarray:
    return gen.standard_normal(n)


def positive_sampler(dist: str, mean: float, cv: float) -> Callable[[np.random.Generator, int], np.ndarray]:
    """Block sampler of a positive time with the given distribution, mean and coefficient of variation."""
    if dist == "exponential":
        return lambda gen, n: gen.exponential(mean, n)
    if dist == "fixed":
        return lambda gen, n: np.full(n, mean)
    if dist == "lognormal":
        sigma2 = np.log1p(cv * cv)
        mu = np.log(mean) - sigma2 / 2.0
        sigma = float(np.sqrt(sigma2))
        return lambda gen, n: gen.lognormal(mu, sigma, n)
    if dist == "gamma":
        shape = 1.0 / (cv * cv)
        scale = mean / shape
        return lambda gen, n: gen.gamma(shape, scale, n)
    raise ValueError(f"unknown distribution {dist!r}")


def scalar_sampler(dist: str, mean: float, cv: float) -> Callable[[random.Random], float]:
    """A positive time with the given distribution, mean and cv, drawn from a `random.Random`."""
    if dist == "exponential":
        return lambda r: -mean * math.log(1.0 - r.random())
    if dist == "fixed":
        return lambda r: mean
    if dist == "lognormal":
        sigma2 = math.log1p(cv * cv)
        mu, sigma = math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)
        return lambda r: math.exp(mu + sigma * r.gauss(0.0, 1.0))
    if dist == "gamma":
        shape = 1.0 / (cv * cv)
        scale = mean / shape
        return lambda r: r.gammavariate(shape, scale)
    raise ValueError(f"unknown distribution {dist!r}")

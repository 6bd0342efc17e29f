"""numba random numbers for Monte Carlo: counter-seeded streams, normal and gamma draws.

Each Monte Carlo chunk owns one xoshiro256** stream (Blackman and Vigna, "Scrambled linear
pseudorandom number generators", ACM TOMS 47(4), 2021) whose state is derived from
``(seed, chunk)`` by splitmix64, so results do not depend on how many threads ran or in
which order. Normals come from the ziggurat method (Marsaglia and Tsang, "The ziggurat
method for generating random variables", J. Stat. Software 5(8), 2000; 128 layers), with
the layer index taken from bits independent of the abscissa as Doornik (2005) advises;
gammas from Marsaglia and Tsang, "A simple method for generating gamma variables", ACM
TOMS 26(3), 2000.

State is a ``uint64[4]`` array updated in place. Hot code draws normals a block at a time
with :func:`fill_normals_nb`, whose loop holds the whole ziggurat: one call per normal
(:func:`normal_nb`) measured five to ten times slower, the per-call overhead on the four
array arguments dwarfing a draw of a few nanoseconds.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM = np.uint64(0xD1B54A32D192ED03)
_S5, _S7, _S9 = np.uint64(5), np.uint64(7), np.uint64(9)
_S11, _S17, _S27 = np.uint64(11), np.uint64(17), np.uint64(27)
_S30, _S31, _S32 = np.uint64(30), np.uint64(31), np.uint64(32)
_S45, _S57, _S19 = np.uint64(45), np.uint64(57), np.uint64(19)
_LAYER_MASK = np.uint64(127)
_TWO_POW_M53 = 2.0**-53

#: Right edge of the ziggurat's base layer for 128 layers (Marsaglia and Tsang 2000).
ZIGGURAT_R = 3.442619855899
_ZIGGURAT_V = 9.91256303526217e-3


def ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the 128-layer normal ziggurat tables ``(kn, wn, fn)`` (Marsaglia and Tsang 2000)."""
    m1 = 2147483648.0
    kn = np.zeros(128, np.int64)
    wn = np.zeros(128, np.float64)
    fn = np.zeros(128, np.float64)
    dn = tn = ZIGGURAT_R
    q = _ZIGGURAT_V / math.exp(-0.5 * dn * dn)
    kn[0] = int(dn / q * m1)
    wn[0], wn[127] = q / m1, dn / m1
    fn[0], fn[127] = 1.0, math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_ZIGGURAT_V / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int(dn / tn * m1)
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


@njit(cache=True)
def _splitmix64(x):  # pragma: no cover - compiled
    x = x + _GOLDEN
    z = (x ^ (x >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return x, z ^ (z >> _S31)


@njit(cache=True)
def seed_state_nb(state, seed, stream):  # pragma: no cover - compiled
    """Fill ``state`` for stream number ``stream`` of ``seed`` (both non-negative ints)."""
    x = np.uint64(seed) ^ (np.uint64(stream + 1) * _STREAM)
    for k in range(4):
        x, state[k] = _splitmix64(x)


@njit(cache=True, inline="always")
def next_u64_nb(state):  # pragma: no cover - compiled
    """Return the next 64 random bits (xoshiro256**)."""
    s1 = state[1]
    product = s1 * _S5
    result = ((product << _S7) | (product >> _S57)) * _S9
    t = s1 << _S17
    state[2] ^= state[0]
    state[3] ^= s1
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    s3 = state[3]
    state[3] = (s3 << _S45) | (s3 >> _S19)
    return result


@njit(cache=True, inline="always")
def uniform_nb(state):  # pragma: no cover - compiled
    """Return a uniform draw in the open interval (0, 1) with 53 random bits."""
    return (float(next_u64_nb(state) >> _S11) + 0.5) * _TWO_POW_M53


@njit(cache=True)
def normal_nb(state, kn, wn, fn):  # pragma: no cover - compiled
    """Return one N(0, 1) draw by the ziggurat method."""
    while True:
        bits = next_u64_nb(state)
        layer = np.int64(bits & _LAYER_MASK)
        hz = np.int64(bits >> _S32)
        if hz >= 2147483648:
            hz -= 4294967296  # the top 32 bits as a signed int32
        if abs(hz) < kn[layer]:
            return hz * wn[layer]
        if layer == 0:  # the base layer's unbounded tail: Marsaglia's exponential method
            while True:
                x = -math.log(uniform_nb(state)) / ZIGGURAT_R
                y = -math.log(uniform_nb(state))
                if y + y >= x * x:
                    break
            return ZIGGURAT_R + x if hz > 0 else -ZIGGURAT_R - x
        x = hz * wn[layer]
        if fn[layer] + uniform_nb(state) * (fn[layer - 1] - fn[layer]) < math.exp(-0.5 * x * x):
            return x


@njit(cache=True)
def fill_normals_nb(state, kn, wn, fn, out):  # pragma: no cover - compiled
    """Fill ``out`` with N(0, 1) draws; the same ziggurat as :func:`normal_nb`, draw for draw."""
    n = out.shape[0]
    i = 0
    while i < n:
        bits = next_u64_nb(state)
        layer = np.int64(bits & _LAYER_MASK)
        hz = np.int64(bits >> _S32)
        if hz >= 2147483648:
            hz -= 4294967296
        if abs(hz) < kn[layer]:
            out[i] = hz * wn[layer]
            i += 1
        elif layer == 0:
            while True:
                x = -math.log(uniform_nb(state)) / ZIGGURAT_R
                y = -math.log(uniform_nb(state))
                if y + y >= x * x:
                    break
            out[i] = ZIGGURAT_R + x if hz > 0 else -ZIGGURAT_R - x
            i += 1
        else:
            x = hz * wn[layer]
            if fn[layer] + uniform_nb(state) * (fn[layer - 1] - fn[layer]) < math.exp(-0.5 * x * x):
                out[i] = x
                i += 1


@njit(cache=True)
def gamma_nb(state, shape, kn, wn, fn):  # pragma: no cover - compiled
    """Return one Gamma(``shape``, 1) draw for ``shape >= 1`` (Marsaglia and Tsang 2000)."""
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal_nb(state, kn, wn, fn)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform_nb(state)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True)
def fill_normal_nb(seed, stream, kn, wn, fn, out):  # pragma: no cover - compiled
    """Fill ``out`` with normals from stream ``stream`` of ``seed`` (for tests and tools)."""
    state = np.empty(4, np.uint64)
    seed_state_nb(state, seed, stream)
    fill_normals_nb(state, kn, wn, fn, out)


@njit(cache=True)
def fill_chisquare_nb(seed, stream, dof, kn, wn, fn, out):  # pragma: no cover - compiled
    """Fill ``out`` with chi-square(``dof``) draws, ``2 Gamma(dof / 2)``, ``dof >= 2``."""
    state = np.empty(4, np.uint64)
    seed_state_nb(state, seed, stream)
    for i in range(out.shape[0]):
        out[i] = 2.0 * gamma_nb(state, 0.5 * dof, kn, wn, fn)

"""numba kernel: simulate portfolio P&L paths with correlated shocks, chunk by chunk in parallel.

Chunk ``c`` covers paths ``[c * chunk_paths, (c + 1) * chunk_paths)`` and draws from its own
random stream ``(seed, c)`` (:mod:`sapphire.risk.random_nb`), so a path's value does not
depend on the thread count. Memory is ``O(assets)`` per thread: no paths x assets matrix
is ever held.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sapphire.risk.random_nb import fill_normals_nb, gamma_nb, seed_state_nb


# reassoc + contract only: lets LLVM vectorise each row's dot product (measured 9x faster
# than column axpys, which it would not vectorise) without assuming away NaN or infinity.
@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def simulate_pnl_nb(lower, values, n_paths, chunk_paths, seed, dof, log_returns,
                    kn, wn, fn, out):  # pragma: no cover - compiled
    """Write into ``out[p]`` the P&L of path ``p`` for ``p < n_paths``.

    Parameters
    ----------
    lower
        Lower Cholesky factor ``L`` (C order) of the horizon covariance, in the precision
        the shocks are computed in (float32 or float64).
    values
        float64 position values in currency.
    dof
        Student-t degrees of freedom (> 2), or 0 for normal shocks.
    log_returns
        When true the shocks are log returns (new value ``v exp(x)``), else simple returns
        (new value ``v (1 + x)``).
    """
    n = lower.shape[0]
    n_chunks = (n_paths + chunk_paths - 1) // chunk_paths
    t_scale = math.sqrt(dof - 2.0) if dof > 0.0 else 1.0
    for c in prange(n_chunks):
        state = np.empty(4, np.uint64)
        seed_state_nb(state, seed, c)
        z = np.empty(n, lower.dtype)
        x = np.empty(n, lower.dtype)
        stop = min((c + 1) * chunk_paths, n_paths)
        for p in range(c * chunk_paths, stop):
            fill_normals_nb(state, kn, wn, fn, z)
            for i in range(n):  # x = L z, lower triangle only
                acc = x.dtype.type(0.0)
                for j in range(i + 1):
                    acc += lower[i, j] * z[j]
                x[i] = acc
            scale = 1.0
            if dof > 0.0:  # multivariate t with covariance L L': sqrt((dof - 2) / chi2)
                scale = t_scale / math.sqrt(2.0 * gamma_nb(state, 0.5 * dof, kn, wn, fn))
            pnl = 0.0
            if log_returns:
                for i in range(n):
                    pnl += values[i] * (math.exp(scale * x[i]) - 1.0)
            else:
                for i in range(n):
                    pnl += values[i] * x[i]
                pnl *= scale
            out[p] = pnl

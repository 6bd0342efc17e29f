"""numba kernels of the synthetic market (see :mod:`sapphire.data.synthetic`).

Everything here takes and returns arrays. One call of :func:`simulate_nb` advances
one instrument from its state to a time horizon, writing quotes, trades and L2
delta rows into preallocated buffers; the state arrays carry over between calls,
so output does not depend on where the calls are cut.

Randomness comes from SplitMix64 streams kept in a ``uint64`` array (one stream
for prices and arrivals, one for the deeper book levels, one key for the common
factor), never from a global generator, so runs are reproducible and resumable.

Also here: log-likelihood kernels used by :mod:`sapphire.data.calibration`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# -- profile parameters (float64 array) ------------------------------------------------------
P_Q_MU = 0  # quote arrival baseline intensity (1/s)
P_Q_ALPHA = 1  # quote self-excitation jump (1/s)
P_Q_DECAY = 2  # quote excitation decay (1/s)
P_T_MU = 3
P_T_ALPHA = 4
P_T_DECAY = 5
P_OMEGA = 6  # GARCH constant (log-return variance per quote update)
P_G_ALPHA = 7
P_G_BETA = 8
P_LOADING = 9  # loading on the common factor, in [0, 1)
P_MEAN_DT = 10  # mean seconds between quote updates
P_PERSIST = 11  # probability a quote update keeps the spread
P_SPREAD_RHO = 12  # Gaussian-copula correlation of spread with volatility
P_BUY = 13  # probability a trade is buyer-initiated
P_TS_MU = 14  # log of the median trade size (lots)
P_TS_SIGMA = 15
P_DS_MU = 16  # log of the median displayed size (lots)
P_DS_SIGMA = 17
P_GAP = 18  # mean gap between deeper book levels (ticks, >= 1)
P_CELL = 19  # grid step of the common factor (s)
P_DEEP = 20  # probability a quote update also resizes one deeper level
N_PARAMS = 21

# -- float state ---------------------------------------------------------------------------
F_Q_NEXT = 0  # time of the next quote update (s since start)
F_Q_EXC = 1  # excess intensity just after the last quote update
F_Q_LAST = 2
F_T_NEXT = 3
F_T_EXC = 4
F_T_LAST = 5
F_X = 6  # log of the latent mid (in ticks)
F_H = 7  # GARCH variance of the next return
F_LH_MEAN = 8  # running mean of log h
F_LH_VAR = 9  # running variance of log h
F_SPREAD = 10  # current spread (ticks)
F_CELL_F = 11  # common factor at the start of the current cell
F_CELL_DF = 12  # increment of the common factor over the current cell
F_F_PREV = 13  # common factor at the last quote update
N_FSTATE = 14

# -- integer state -------------------------------------------------------------------------
I_NQ = 0  # quote updates so far
I_NT = 1  # trades so far
I_SEQ = 2  # next L2 sequence number
I_BID = 3
I_ASK = 4
I_BID_SIZE = 5
I_ASK_SIZE = 6
I_Q_TS = 7  # ts_event of the last quote (ns)
I_T_TS = 8
I_CELL = 9  # index of the current factor cell
I_N_BID = 10  # levels in the book, per side
I_N_ASK = 11
N_ISTATE = 12

# -- random streams ------------------------------------------------------------------------
R_MAIN = 0
R_BOOK = 1
R_FACTOR = 2

# -- status and codes ----------------------------------------------------------------------
DONE = 0  # reached the horizon
FULL = 1  # a buffer is full: call again with fresh buffers
SIDE_BUY = 1
SIDE_SELL = 2
ADD = 1
UPDATE = 2
DELETE = 3
CLEAR = 4
FLAG_SNAPSHOT = 1
FLAG_LAST = 2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
_EWMA = 1.0 / 2000.0  # weight of the running log-variance statistics
_MAX_LOTS = 1e15


@njit(cache=True)
def mix64(z):
    """SplitMix64 finaliser of a ``uint64``."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def _to_unit(z):
    return (float(z >> _S11) + 0.5) * _INV53


@njit(cache=True)
def uniform(rng, k):
    """Next uniform in the open interval (0, 1) from stream ``k`` of ``rng``."""
    rng[k] += _GOLDEN
    return _to_unit(mix64(rng[k]))


@njit(cache=True)
def normal(rng, k):
    """Next standard normal from stream ``k`` (Box-Muller)."""
    u1 = uniform(rng, k)
    u2 = uniform(rng, k)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def factor_step(key, cell, cell_s):
    """Increment of the common Brownian factor over grid cell ``cell`` (variance ``cell_s``)."""
    base = key + np.uint64(2 * cell + 1) * _GOLDEN
    u1 = _to_unit(mix64(base))
    u2 = _to_unit(mix64(base + _GOLDEN))
    return math.sqrt(-2.0 * math.log(u1) * cell_s) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def hawkes_wait(rng, mu, excess, decay):
    """Exact wait to the next event of an exponential Hawkes process.

    ``excess`` is the intensity above the baseline ``mu`` right now (1/s).
    """
    s1 = -math.log(uniform(rng, R_MAIN)) / mu
    u2 = uniform(rng, R_MAIN)
    if excess > 0.0:
        d = 1.0 + decay * math.log(u2) / excess
        if d > 0.0:
            s2 = -math.log(d) / decay
            if s2 < s1:
                return s2
    return s1


@njit(cache=True)
def _advance_factor(fstate, istate, rng, params, t):
    """Move the common factor to time ``t``; return its value there."""
    cell_s = params[P_CELL]
    target = int(t / cell_s)
    while istate[I_CELL] < target:
        fstate[F_CELL_F] += fstate[F_CELL_DF]
        istate[I_CELL] += 1
        fstate[F_CELL_DF] = factor_step(rng[R_FACTOR], istate[I_CELL], cell_s)
    frac = t / cell_s - istate[I_CELL]
    return fstate[F_CELL_F] + frac * fstate[F_CELL_DF]


@njit(cache=True)
def _lots(rng, k, mu, sigma):
    value = math.exp(mu + sigma * normal(rng, k))
    return np.int64(max(1.0, min(_MAX_LOTS, math.floor(value + 0.5))))


@njit(cache=True)
def _spread_ticks(u, quantiles):
    """Inverse CDF of the spread from quantiles at evenly spaced probabilities."""
    pos = u * (quantiles.shape[0] - 1)
    i = min(int(pos), quantiles.shape[0] - 2)
    value = quantiles[i] + (pos - i) * (quantiles[i + 1] - quantiles[i])
    return max(1.0, math.floor(value + 0.5))


@njit(cache=True)
def _step_price(fstate, istate, rng, params, quantiles, t):
    """Draw the return and spread of a quote update at ``t`` and set the new quote."""
    loading = params[P_LOADING]
    common = 0.0
    if loading > 0.0:
        value = _advance_factor(fstate, istate, rng, params, t)
        common = (value - fstate[F_F_PREV]) / math.sqrt(params[P_MEAN_DT])
        fstate[F_F_PREV] = value
    h = fstate[F_H]
    if istate[I_NQ] > 0:
        r = math.sqrt(h) * (loading * common
                            + math.sqrt(1.0 - loading * loading) * normal(rng, R_MAIN))
        fstate[F_X] += r
        h = params[P_OMEGA] + params[P_G_ALPHA] * r * r + params[P_G_BETA] * h
        fstate[F_H] = h
    lh = math.log(h)
    delta = lh - fstate[F_LH_MEAN]
    fstate[F_LH_MEAN] += _EWMA * delta
    fstate[F_LH_VAR] = (1.0 - _EWMA) * (fstate[F_LH_VAR] + _EWMA * delta * delta)
    z_vol = delta / math.sqrt(fstate[F_LH_VAR] + 1e-12)
    keep = uniform(rng, R_MAIN) < params[P_PERSIST]
    if istate[I_NQ] == 0 or not keep:
        rho = params[P_SPREAD_RHO]
        z = rho * z_vol + math.sqrt(1.0 - rho * rho) * normal(rng, R_MAIN)
        fstate[F_SPREAD] = _spread_ticks(0.5 * math.erfc(-z / math.sqrt(2.0)), quantiles)
    spread = fstate[F_SPREAD]
    mid = math.exp(fstate[F_X])
    bid = max(1.0, math.floor(mid - 0.5 * spread + 0.5))
    istate[I_BID] = np.int64(bid)
    istate[I_ASK] = np.int64(bid + spread)
    istate[I_BID_SIZE] = _lots(rng, R_MAIN, params[P_DS_MU], params[P_DS_SIGMA])
    istate[I_ASK_SIZE] = _lots(rng, R_MAIN, params[P_DS_MU], params[P_DS_SIGMA])


@njit(cache=True)
def _new_ladder(old_px, old_sz, n_old, best, size, direction, rng, params, out_px, out_sz):
    """Ladder of one side after the best level moved to ``best``; return its length.

    ``direction`` is +1 for bids (better = higher) and -1 for asks.
    """
    levels = out_px.shape[0]
    out_px[0] = best
    out_sz[0] = size
    n = 1
    for k in range(n_old):
        if n == levels:
            break
        if direction * (old_px[k] - best) < 0:
            out_px[n] = old_px[k]
            out_sz[n] = old_sz[k]
            n += 1
    gap_mean = params[P_GAP]
    while n < levels:
        gap = 1.0
        if gap_mean > 1.0:
            gap += math.floor(math.log(uniform(rng, R_BOOK)) / math.log(1.0 - 1.0 / gap_mean))
        price = out_px[n - 1] - direction * np.int64(gap)
        if price < 1:
            break
        out_px[n] = price
        out_sz[n] = _lots(rng, R_BOOK, params[P_DS_MU], params[P_DS_SIGMA])
        n += 1
    if n > 1 and uniform(rng, R_BOOK) < params[P_DEEP]:
        k = 1 + int(uniform(rng, R_BOOK) * (n - 1))
        out_sz[k] = _lots(rng, R_BOOK, params[P_DS_MU], params[P_DS_SIGMA])
    return n


@njit(cache=True)
def _emit(d_i64, d_i8, row, ts, seq, side, action, price, size, flags):
    d_i64[0, row] = ts
    d_i64[1, row] = seq
    d_i64[2, row] = price
    d_i64[3, row] = size
    d_i8[0, row] = side
    d_i8[1, row] = action
    d_i8[2, row] = flags


@njit(cache=True)
def _diff_side(old_px, old_sz, n_old, new_px, new_sz, n_new, direction, side, deletes,
               d_i64, d_i8, row, ts, seq, flags):
    """Emit the deletes (``deletes``) or the adds and updates turning old into new."""
    i = 0
    j = 0
    while i < n_old or j < n_new:
        if j >= n_new or (i < n_old and direction * (old_px[i] - new_px[j]) > 0):
            if deletes:
                _emit(d_i64, d_i8, row, ts, seq, side, DELETE, old_px[i], 0, flags)
                row += 1
                seq += 1
            i += 1
        elif i >= n_old or direction * (new_px[j] - old_px[i]) > 0:
            if not deletes:
                _emit(d_i64, d_i8, row, ts, seq, side, ADD, new_px[j], new_sz[j], flags)
                row += 1
                seq += 1
            j += 1
        else:
            if not deletes and old_sz[i] != new_sz[j]:
                _emit(d_i64, d_i8, row, ts, seq, side, UPDATE, new_px[j], new_sz[j], flags)
                row += 1
                seq += 1
            i += 1
            j += 1
    return row, seq


@njit(cache=True)
def _update_book(istate, rng, params, book, scratch, d_i64, d_i8, row, ts):
    """Move the book to the current quote, writing L2 delta rows; return the next row."""
    first = istate[I_NQ] == 0
    flags = FLAG_SNAPSHOT if first else 0
    seq = istate[I_SEQ]
    start = row
    if first:
        _emit(d_i64, d_i8, row, ts, seq, 0, CLEAR, 0, 0, flags)
        row += 1
        seq += 1
    n_bid = _new_ladder(book[0], book[1], istate[I_N_BID], istate[I_BID], istate[I_BID_SIZE],
                        1, rng, params, scratch[0], scratch[1])
    n_ask = _new_ladder(book[2], book[3], istate[I_N_ASK], istate[I_ASK], istate[I_ASK_SIZE],
                        -1, rng, params, scratch[2], scratch[3])
    for deletes in (True, False):
        row, seq = _diff_side(book[0], book[1], istate[I_N_BID], scratch[0], scratch[1], n_bid,
                              1, SIDE_BUY, deletes, d_i64, d_i8, row, ts, seq, flags)
        row, seq = _diff_side(book[2], book[3], istate[I_N_ASK], scratch[2], scratch[3], n_ask,
                              -1, SIDE_SELL, deletes, d_i64, d_i8, row, ts, seq, flags)
    if row > start:
        d_i8[2, row - 1] = flags | FLAG_LAST
    book[:, :] = scratch
    istate[I_N_BID] = n_bid
    istate[I_N_ASK] = n_ask
    istate[I_SEQ] = seq
    return row


@njit(cache=True)
def _stamp(start_ns, t, count, last_ns):
    """Return the time of an event at ``t`` s in ns, after the stream's last (``count`` so far)."""
    ts = start_ns + np.int64(round(t * 1e9))
    if count > 0 and ts <= last_ns:
        ts = last_ns + 1
    return ts


@njit(cache=True)
def _schedule_next(fstate, rng, t, f_exc, f_last, f_next, mu, alpha, decay):
    """Excite a Hawkes stream by its event at ``t`` and draw when its next event comes."""
    exc = fstate[f_exc] * math.exp(-decay * (t - fstate[f_last]))
    exc += alpha
    fstate[f_exc] = exc
    fstate[f_last] = t
    fstate[f_next] = t + hawkes_wait(rng, mu, exc, decay)


@njit(cache=True)
def _quote_event(fstate, istate, rng, params, quantiles, book, scratch, start_ns,
                 q_i64, nq, d_i64, d_i8, nd, with_book):
    t = fstate[F_Q_NEXT]
    _step_price(fstate, istate, rng, params, quantiles, t)
    ts = _stamp(start_ns, t, istate[I_NQ], istate[I_Q_TS])
    q_i64[0, nq] = ts
    q_i64[1, nq] = istate[I_BID]
    q_i64[2, nq] = istate[I_ASK]
    q_i64[3, nq] = istate[I_BID_SIZE]
    q_i64[4, nq] = istate[I_ASK_SIZE]
    if with_book:
        nd = _update_book(istate, rng, params, book, scratch, d_i64, d_i8, nd, ts)
    istate[I_Q_TS] = ts
    istate[I_NQ] += 1
    _schedule_next(fstate, rng, t, F_Q_EXC, F_Q_LAST, F_Q_NEXT, params[P_Q_MU],
                   params[P_Q_ALPHA], params[P_Q_DECAY])
    return nd


@njit(cache=True)
def _trade_event(fstate, istate, rng, params, start_ns, t_i64, t_i8, nt):
    t = fstate[F_T_NEXT]
    buy = uniform(rng, R_MAIN) < params[P_BUY]
    size = _lots(rng, R_MAIN, params[P_TS_MU], params[P_TS_SIGMA])
    shown = istate[I_ASK_SIZE] if buy else istate[I_BID_SIZE]
    ts = _stamp(start_ns, t, istate[I_NT], istate[I_T_TS])
    t_i64[0, nt] = ts
    t_i64[1, nt] = istate[I_ASK] if buy else istate[I_BID]
    t_i64[2, nt] = min(size, shown)
    t_i64[3, nt] = istate[I_NT]
    t_i8[0, nt] = SIDE_BUY if buy else SIDE_SELL
    istate[I_T_TS] = ts
    istate[I_NT] += 1
    _schedule_next(fstate, rng, t, F_T_EXC, F_T_LAST, F_T_NEXT, params[P_T_MU],
                   params[P_T_ALPHA], params[P_T_DECAY])


@njit(cache=True)
def simulate_nb(params, quantiles, fstate, istate, rng, book, scratch, start_ns, horizon,
                q_i64, t_i64, t_i8, d_i64, d_i8, with_book):
    """Advance one instrument to ``horizon`` seconds after the start, or until a buffer fills.

    Parameters
    ----------
    params, quantiles
        Profile parameters (``P_*`` layout) and spread quantiles in ticks.
    fstate, istate, rng, book, scratch
        State, updated in place: floats (``F_*``), integers (``I_*``), random streams,
        the book ``[bid_px, bid_size, ask_px, ask_size]`` (levels wide) and a scratch twin.
    start_ns, horizon
        Epoch of the run (ns) and the time to stop before (s since the start).
    q_i64, t_i64, t_i8, d_i64, d_i8
        Output buffers: quotes ``[ts, bid, ask, bid_size, ask_size]``; trades
        ``[ts, price, size, id]`` and ``[side]``; L2 deltas ``[ts, seq, price, size]`` and
        ``[side, action, flags]``.
    with_book
        Whether to maintain the book and write L2 deltas.

    Returns
    -------
    (status, quotes written, trades written, delta rows written); status is ``DONE`` or ``FULL``.
    """
    nq = 0
    nt = 0
    nd = 0
    room = 4 * book.shape[1] + 2
    while True:
        quote_first = fstate[F_Q_NEXT] <= fstate[F_T_NEXT]
        t = fstate[F_Q_NEXT] if quote_first else fstate[F_T_NEXT]
        if t >= horizon:
            return DONE, nq, nt, nd
        if quote_first:
            if nq == q_i64.shape[1] or (with_book and nd + room > d_i64.shape[1]):
                return FULL, nq, nt, nd
            nd = _quote_event(fstate, istate, rng, params, quantiles, book, scratch, start_ns,
                              q_i64, nq, d_i64, d_i8, nd, with_book)
            nq += 1
        else:
            if nt == t_i64.shape[1]:
                return FULL, nq, nt, nd
            _trade_event(fstate, istate, rng, params, start_ns, t_i64, t_i8, nt)
            nt += 1


# -- calibration kernels -------------------------------------------------------------------


@njit(cache=True)
def hawkes_loglik_nb(times, mu, alpha, decay):
    """Log-likelihood of event ``times`` (s, sorted) under an exponential Hawkes process."""
    n = times.shape[0]
    if n == 0:
        return 0.0
    total = 0.0
    excess = 0.0
    compensator = 0.0
    for i in range(n):
        if i > 0:
            dt = times[i] - times[i - 1]
            compensator += (excess / decay) * (1.0 - math.exp(-decay * dt))
            excess *= math.exp(-decay * dt)
        total += math.log(mu + excess)
        excess += alpha
    span = times[n - 1] - times[0]
    return total - mu * span - compensator


@njit(cache=True)
def garch_loglik_nb(returns, variance, alpha, beta):
    """Gaussian log-likelihood of ``returns`` under GARCH(1,1) with unconditional ``variance``."""
    omega = variance * (1.0 - alpha - beta)
    h = variance
    total = 0.0
    for r in returns:
        total -= 0.5 * (math.log(h) + r * r / h)
        h = omega + alpha * r * r + beta * h
    return total

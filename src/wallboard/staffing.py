"""How many operators a queue needs: Erlang A (M/M/n+M, a queue whose visitors give up), with
Erlang C (no one gives up) and Erlang B (no one waits) as its limits.

The model: visitors arrive as a Poisson stream at rate λ (``arrivals_per_s``); each
conversation holds one of n servers for an exponential time of mean 1/μ (``handle_s``); a
visitor waits in one first-come queue and gives up after an exponential patience of mean 1/θ
(``patience_s``; None: never, Erlang C; 0: at once, Erlang B). In a text channel an operator
works several chats at once, so an operator is ``chat_limit`` servers (docs/staffing.md says
when that is right). Service level: the share of all arrivals answered within the threshold t
(those who give up count as not answered); ``asa_s``: the mean wait of those answered.

The steady state is a birth and death chain, with a = λ/μ:

    π(k) ∝ a^k / k!                              for k <= n (nobody waits)
    π(n + q) = π(n) ∏_{j=1..q} λ / (nμ + jθ)    for q waiting,

and by PASTA an arrival sees it. One who finds q waiting is served with probability
nμ/(nμ + (q+1)θ), after a sum of exponentials of rates nμ + θ, ..., nμ + (q+1)θ; scaled by θ
that sum is -ln U with U ~ Beta(c+1, q+1), c = nμ/θ. Summed over q against π, with y = λ/θ and
s = -ln u, every figure becomes one integral over s >= 0 (relative to π(n)):

    waiting          W   = c ∫ e^{h(s)} ds            h(s) = -c s + y (1 - e^{-s})
    served from it   S   = c ∫ e^{h(s) - s} ds
    ... within t     S_t = c ∫_0^{θt} e^{h(s) - s} ds
    gave up          Ab  = c ∫ (1 - e^{-s}) e^{h(s)} ds   (= W - S, without the cancellation)
    their wait       Tw  = (c/θ) ∫ s e^{h(s) - s} ds
    nobody waits     B   = Σ_{k<n} a^k/k! / (a^n/n!) = n ∫_0^∞ e^{n v - a (e^v - 1)} dv

so P(wait) = W/(B+W), service level = (B + S_t)/(B+W), abandonment = Ab/(B+W) and
ASA = Tw/(B+S). The sums they replace run over every queue length that matters, about λ/θ of
them in an overload; the integrals cost the same at any size. Each exponent is concave with
its peak known in closed form, so a dozen Gauss-Legendre panels around the peak, out to
where the integrand has fallen by e^-40, give shares right to about 1e-8 (tests/test_staffing.py
checks them against the sums). B and W are compared through their logarithms (with a light
load and many servers π(0)/π(n) overflows a float); the other figures are taken as shares of
W, so that W's exponent, of the order of λ/θ, cancels. Past λ/θ or nμ/θ of 1e10 even that
leaves too few digits, and the model is taken at its limit there: Erlang C when the queue
drains, and when it does not the fluid limit, P(abandon) = 1 - nμ/λ with waits of
ln(λ/nμ)/θ, long past any threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

import msgspec

__all__ = ["Prediction", "Queue", "needed", "predict"]

_DROP = 40.0  # integrate until the integrand is e^-40 of its peak; the rest is below 1e-17
_NODES = 8  # Gauss-Legendre points per panel
_MAX_PANELS = 64  # per side; the march below takes about half a dozen
_FIRST_FALL = 4.0  # e-folds the integrand may fall across the panel at the peak
# λ/θ and nμ/θ past which the exponents (of order λ/θ) have too few digits left for the
# figures: 1e-16 · 1e10 leaves six.
_HUGE = 1e10
_LOG_MAX = 700.0  # e^700 is still a float


class Queue(msgspec.Struct, frozen=True):
    """A queue's inputs: per second, and seconds."""

    arrivals_per_s: float
    handle_s: float  # mean time a conversation holds a slot (assignment to close)
    chat_limit: int = 1  # slots per operator
    patience_s: float | None = None  # mean time a visitor waits before giving up; None: forever
    sl_threshold_s: float = 60.0


class Prediction(msgspec.Struct, frozen=True):
    """What ``operators`` operators give, in the long run."""

    operators: int
    slots: int
    p_wait: float  # an arrival finds every slot taken
    service_level: float  # share of all arrivals answered within the threshold
    asa_s: float | None  # mean wait of those answered (0 for the ones answered at once)
    p_abandon: float  # share of arrivals that give up waiting
    stable: bool  # False: with no one giving up, the queue grows without end


def predict(queue: Queue, operators: int) -> Prediction:
    """The long-run figures of ``queue`` with ``operators`` operators available."""
    lam = queue.arrivals_per_s
    handle = queue.handle_s
    n = max(0, operators) * max(0, queue.chat_limit)
    # A negative or NaN threshold answers nobody in time but those answered at once.
    t = queue.sl_threshold_s if queue.sl_threshold_s > 0 else 0.0
    patience = queue.patience_s
    # NaN inputs fail these comparisons and land on the harmless side of each.
    forever = patience is None or not patience < math.inf
    if not lam > 0:
        return Prediction(operators, n, 0.0, 1.0, 0.0, 0.0, True)
    if n == 0:  # nobody to answer: everyone waits until they give up
        return Prediction(operators, 0, 1.0, 0.0, None, 0.0 if forever else 1.0, not forever)
    a = lam * handle
    if not a > 0:  # work that takes no time (or so little that it underflows) never waits
        return Prediction(operators, n, 0.0, 1.0, 0.0, 0.0, True)
    if not a < math.inf:  # more work than any staff: everyone waits, or gives up
        return Prediction(operators, n, 1.0, 0.0, None if forever else 0.0,
                          0.0 if forever else 1.0, not forever)
    if patience is None or forever:
        return _erlang_c(operators, n, a, handle, t)
    if not patience > 0:  # no patience at all: a loss system (Erlang B)
        blocked = math.exp(-_log_add(0.0, _log_below(n, a)))
        return Prediction(operators, n, blocked, 1.0 - blocked, 0.0, blocked, True)
    if not (n * patience / handle < _HUGE and lam * patience < _HUGE):
        # Patience so long against the work that the exponents lose their digits: the
        # queue is as good as Erlang C's when it drains, and nobody is answered in time
        # when it does not (the visitors wait about ln(λ/nμ)/θ, beyond any threshold).
        if a < n:
            return _erlang_c(operators, n, a, handle, t)
        return Prediction(operators, n, 1.0, 0.0, math.log(a / n) * patience, 1.0 - n / a,
                          True)
    return _erlang_a(operators, n, a, lam, handle, patience, t)


def _erlang_c(operators: int, n: int, a: float, handle: float, t: float) -> Prediction:
    if a >= n:  # more work than slots, and nobody leaves: the queue never empties
        return Prediction(operators, n, 1.0, 0.0, None, 0.0, False)
    log_w = math.log(n) - math.log(n - a)  # Σ_q (a/n)^q
    p_wait = math.exp(log_w - _log_add(_log_below(n, a), log_w))
    drain = (n - a) / handle  # nμ - λ, and positive whenever a < n, rounding or not
    service_level = 1.0 - p_wait * math.exp(-drain * t)
    return Prediction(operators, n, _unit(p_wait), _unit(service_level), p_wait / drain, 0.0,
                      True)


def _erlang_a(operators: int, n: int, a: float, lam: float, handle: float, patience: float,
              t: float) -> Prediction:
    # Below 1e-300 servers per unit of patience the formulas would divide by zero; the
    # difference it makes is of that order.
    c = max(n * patience / handle, 1e-300)
    y = lam * patience
    waiting = _Peak.of_queue(c, y, 0)
    served = _Peak.of_queue(c, y, 1)
    # Each figure is taken as a share of W, whose large exponent then cancels; only B is
    # compared with W through their logarithms.
    w = waiting.integral()
    to_served = math.exp(_top_shift(c, y) + served.log_scale - waiting.log_scale) / w
    abandoned = waiting.integral(_gave_up(waiting.start)) / w
    answered_late = served.integral() * to_served
    answered_in_time = served.integral(None, t / patience) * to_served
    wait_of_served = patience * served.integral(_at(served.start)) * to_served
    log_w = math.log(c) + waiting.log_top + waiting.log_scale + math.log(w)
    p_wait = 1.0 / (1.0 + math.exp(min(_LOG_MAX, _log_below(n, a) - log_w)))
    p_at_once = 1.0 - p_wait
    answered = p_at_once + p_wait * answered_late
    p_abandon = _unit(p_wait * abandoned)
    service_level = min(_unit(p_at_once + p_wait * answered_in_time), 1.0 - p_abandon)
    asa = p_wait * wait_of_served / answered if answered > 0 else None
    return Prediction(operators, n, _unit(p_wait), service_level, asa, p_abandon, True)


def _top_shift(c: float, y: float) -> float:
    """ln of the served exponent's top over the waiting one's, -(c+1)s + y(1 - e^{-s}) over
    -c s + y(1 - e^{-s}) at their peaks, in a form that keeps its digits when both are huge."""
    excess = y - c
    if excess > 1:  # both peaks inside; they are ln(1 + 1/c) apart
        return -1.0 - math.log1p((excess - 1) / (c + 1)) + c * math.log1p(1 / c)
    if excess > 0:  # only the waiting one's
        return c * math.log1p(excess / c) - excess
    return 0.0


def _gave_up(start: float) -> Callable[[float], float]:
    return lambda u: -math.expm1(-(start + u))  # 1 - e^{-s}


def _at(start: float) -> Callable[[float], float]:
    return lambda u: start + u  # s


def _log_below(n: int, a: float) -> float:
    """ln B: the states with nobody waiting, relative to π(n) (n >= 1)."""
    if a < n:  # the peak of n v - a (e^v - 1) is inside, at v = ln(n/a)
        gap = n - a
        # log1p keeps n close to a exact; n/a itself may overflow when a is tiny.
        rise = math.log1p(gap / a) if a > n / 2 else math.log(n) - math.log(a)
        peak = _Peak(n * rise - gap, 0.0, float(n), rise, True)
    else:
        peak = _Peak(0.0, a - n, a, 0.0, True)
    return math.log(n) + peak.log_top + peak.log_scale + math.log(peak.integral())


def _rising(u: float) -> float:
    """e^u - 1 - u, and near 0 without the cancellation: with thousands of servers the
    integrands live within 1e-3 of their peak, where the plain form has no digits left."""
    if abs(u) > 0.1:
        return math.expm1(u) - u
    # Its Taylor series; the first term left out is below 1e-12 of the sum.
    return u * u * (1 / 2 + u * (1 / 6 + u * (1 / 24 + u * (1 / 120 + u * (
        1 / 720 + u * (1 / 5040 + u / 40320))))))


class _Peak:
    """∫ e^{r(u)} g(u) du over u >= -start for one of the two concave exponents above, moved
    so that its top, r(0) = 0, is at u = 0 (at the edge, start = 0, when slope > 0):

        rising (nobody waits):  r(u) = -slope·u - size·(e^u - 1 - u)
        falling (the queue):    r(u) = -slope·u - size·(u + e^{-u} - 1)

    ``log_top`` is the exponent the caller took out at the top. ``integral`` leaves out a
    factor e^log_scale, the width of the peak, so that a very narrow peak does not underflow.
    """

    __slots__ = ("log_scale", "log_top", "panels", "rising", "size", "slope", "start")

    def __init__(self, log_top: float, slope: float, size: float, start: float,
                 rising: bool) -> None:
        self.log_top = log_top
        self.slope = slope
        self.size = size
        self.start = start
        self.rising = rising
        self.log_scale = -math.log(slope + math.sqrt(size))
        self.panels: list[_Panel] | None = None

    @staticmethod
    def of_queue(c: float, y: float, k: int) -> _Peak:
        """The queue's exponent -(c+k) s + y (1 - e^{-s})."""
        above = y - c - k
        if above > 0:  # peak inside, at s = ln(y/(c+k))
            ck = c + k
            rise = math.log1p(above / ck)
            return _Peak(above - ck * rise, 0.0, ck, rise, False)
        return _Peak(0.0, -above, y, 0.0, False)

    def r(self, u: float) -> float:
        return -self.slope * u - self.size * (_rising(u) if self.rising else _rising(-u))

    def _march(self, direction: float, limit: float) -> list[float]:
        """Panel ends from the peak outwards until the integrand has fallen by e^-_DROP or
        the edge ``limit`` (a distance) is reached. Each panel may fall by a few e-folds more
        than the last: far from the peak a panel's share is small, so its error is too."""
        ends = [0.0]
        u = 0.0
        fallen = 0.0
        rising = self.rising
        while fallen < _DROP and abs(u) < limit and len(ends) <= _MAX_PANELS:
            allowed = _FIRST_FALL + fallen / 2
            # The exponent's slope and curvature here; a quadratic model sizes the panel.
            if rising:
                slope = abs(self.slope + self.size * math.expm1(u))
                curve = self.size * math.exp(u)
            else:
                slope = abs(self.slope - self.size * math.expm1(-u))
                curve = self.size * math.exp(-u)
            # slope·h + curve·h²/2 = allowed, solved without squaring a huge slope
            root = math.hypot(slope, math.sqrt(2 * allowed) * math.sqrt(curve))
            step = 2 * allowed / (slope + root)
            if not rising:
                # The integrands also carry e^{-s}, which turns over within s of about 1:
                # near s = 0 a panel must be no wider than that, further out it may grow.
                step = min(step, 1.0 + max(0.0, self.start + u) / 3)
            step = min(step, limit - abs(u))
            nxt = u + direction * step
            # The model falls short where the exponent bends ever faster: shrink.
            for _ in range(60):
                if -self.r(nxt) - fallen <= 2 * allowed:
                    break
                step /= 2
                nxt = u + direction * step
            u = nxt
            fallen = -self.r(u)
            ends.append(u)
        return ends

    def _build(self) -> list[_Panel]:
        right = self._march(1.0, math.inf)
        left = self._march(-1.0, self.start) if self.start > 0 else [0.0]
        ends = [*reversed(left[1:]), *right]
        return [_Panel(lo, hi, self._nodes(lo, hi)) for lo, hi in pairwise(ends)]

    def _nodes(self, lo: float, hi: float) -> list[tuple[float, float]]:
        half = (hi - lo) / 2
        mid = lo + half
        weight = half * math.exp(-self.log_scale)
        # r(u) written out: this is most of the cost of a prediction.
        slope, size, sign, exp = self.slope, self.size, 1.0 if self.rising else -1.0, math.exp
        nodes = []
        for x, w in _GAUSS:
            u = mid + half * x
            nodes.append((u, w * weight * exp(-slope * u - size * _rising(sign * u))))
        return nodes

    def integral(self, g: Callable[[float], float] | None = None,
                 upto: float = math.inf) -> float:
        """e^-log_scale ∫ g(u) e^{r(u)} du over u >= -start and start + u <= upto (an s);
        g None is g = 1."""
        if self.panels is None:
            self.panels = self._build()
        cut = upto - self.start
        total = 0.0
        for panel in self.panels:
            if panel.hi <= cut:
                nodes = panel.nodes
            elif panel.lo < cut:  # the panel the cut falls in: its part below, afresh
                nodes = self._nodes(panel.lo, cut)
            else:
                continue
            if g is None:
                total += sum(w for _, w in nodes)
            else:
                total += sum(w * g(u) for u, w in nodes)
        return total


class _Panel(msgspec.Struct, frozen=True):
    lo: float
    hi: float
    nodes: list[tuple[float, float]]  # (u, weight · e^{r(u)}), weights over e^log_scale


def _gauss_legendre(points: int) -> list[tuple[float, float]]:
    """Nodes and weights on [-1, 1]: the roots of the Legendre polynomial, by Newton."""
    out: list[tuple[float, float]] = []
    for i in range(points):
        x = math.cos(math.pi * (i + 0.75) / (points + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for k in range(2, points + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            slope = points * (x * p1 - p0) / (x * x - 1)
            step = p1 / slope
            x -= step
            if abs(step) < 1e-16:
                break
        out.append((x, 2 / ((1 - x * x) * slope * slope)))
    return sorted(out)


_GAUSS = _gauss_legendre(_NODES)


def _log_add(x: float, y: float) -> float:
    """ln(e^x + e^y) without overflow."""
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log1p(math.exp(y - x))


def _unit(p: float) -> float:
    """Rounding can leave a share a hair outside [0, 1]."""
    return min(1.0, max(0.0, p))


def needed(queue: Queue, target: float, most: int = 10_000) -> Prediction | None:
    """The fewest operators whose service level reaches ``target`` (a share, 0.8 for 80 %),
    and what they give; None when even ``most`` do not.

    The service level grows with the staff (tests/test_staffing.py checks it), so a search
    that gallops from the load and then halves costs a dozen predictions at any size."""
    if not queue.arrivals_per_s > 0:
        return predict(queue, 0)

    def good(operators: int) -> Prediction | None:
        got = predict(queue, operators)
        return got if got.stable and got.service_level >= target else None

    load = queue.arrivals_per_s * queue.handle_s / max(1, queue.chat_limit)
    guess = most if load > most else math.ceil(load) if load > 0 else 0
    found = good(guess)
    if found is not None:
        high = guess
        low, step = guess, 1
        while True:  # down until one falls short
            low = max(0, high - step)
            if low == high:
                return found
            below = good(low)
            if below is None:
                break
            high, found, step = low, below, step * 2
    else:
        low, step = guess, 1
        while True:  # up until one is enough
            high = min(most, low + step)
            if high == low:
                return None
            found = good(high)
            if found is not None:
                break
            low, step = high, step * 2
    while high - low > 1:  # low falls short, high is enough
        mid = (low + high) // 2
        middle = good(mid)
        if middle is None:
            low = mid
        else:
            high, found = mid, middle
    return found

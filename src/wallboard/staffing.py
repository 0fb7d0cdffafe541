"""How many operators a queue needs: Erlang A (M/M/n+M, a queue whose visitors give up), with
Erlang C (no one gives up) as its limit.

The model: visitors arrive as a Poisson stream at rate ``arrivals`` (per second); each
conversation holds one of ``n`` servers for an exponential time of mean ``handle_s``; a visitor
waits in one first-come queue and gives up after an exponential patience of mean
``patience_s`` (``None``: never, Erlang C). In a text channel an operator works several chats
at once, so an operator is ``chat_limit`` servers (see docs/staffing.md for when that is right).

Exact, and cheap enough to run for every row every few seconds. With λ the arrival rate, μ the
service rate, θ the abandonment rate and n servers, the steady state (birth and death) is

    π(k) ∝ (λ/μ)^k / k!                              for k <= n (nobody waits)
    π(n + q) = π(n) ∏_{j=1..q} λ / (nμ + jθ)        for q waiting,

and by PASTA an arrival sees it. One who finds q waiting is served after q + 1 moves of the
queue, each at rate nμ + mθ for m = q..0 ahead, unless it gives up first: it is served with
probability ∏ (nμ + mθ) / (nμ + (m+1)θ) = nμ / (nμ + (q+1)θ), and, given that, it waited a sum
of exponentials of rates nμ + θ, nμ + 2θ, ..., nμ + (q+1)θ. Scaled by θ, that sum T has the
Laplace transform ∏ (c+j)/(c+j+s) = B(c+1+s, q+1) / B(c+1, q+1) with c = nμ/θ, which is E[U^s]
for U ~ Beta(c+1, q+1): T = -ln U. So P(wait <= t) = P(U >= e^{-θt}), a regularized incomplete
beta with an integer second parameter, i.e. the tail of a negative binomial:

    P(served within t | q waiting ahead) = nμ/(nμ+(q+1)θ) · P(NB(c+1, e^{-θt}) > q).

Sums over q converge fast (each term shrinks by λ/(nμ+qθ)), and the negative binomial's terms
follow from one another, so one evaluation is O(length of the queue that matters).
"""

from __future__ import annotations

import math

import msgspec

__all__ = ["Prediction", "Queue", "needed", "predict"]

_LOG_TINY = math.log(1e-16)  # terms below this share of the largest are the tail


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


def _states(n: int, a: float, lam: float, mu: float, theta: float
            ) -> tuple[float, list[float]]:
    """The steady state as (the probability that nobody waits, [π(n), π(n+1), ...]), the
    waiting states until their terms stop mattering. In logarithms first: with a light load
    and many slots, π(0) / π(n) overflows a float."""
    log_a = math.log(a)
    below = [k * log_a - math.lgamma(k + 1) for k in range(n)]  # log π(k), k < n
    log_pn = n * log_a - math.lgamma(n + 1)
    waiting = [log_pn]
    top = max(max(below, default=log_pn), log_pn)
    q = 0
    while True:
        q += 1
        waiting.append(waiting[-1] + math.log(lam / (n * mu + q * theta)))
        top = max(top, waiting[-1])
        # Each later term is smaller still (the rate of leaving grows with q): stop once
        # they cannot matter.
        if waiting[-1] < top + _LOG_TINY and lam < n * mu + q * theta:
            break
    scaled_below = [math.exp(v - top) for v in below]
    scaled_waiting = [math.exp(v - top) for v in waiting]
    total = sum(scaled_below) + sum(scaled_waiting)
    return sum(scaled_below) / total, [w / total for w in scaled_waiting]


def predict(queue: Queue, operators: int) -> Prediction:
    """The long-run figures of ``queue`` with ``operators`` operators available."""
    lam = queue.arrivals_per_s
    mu = 1.0 / queue.handle_s
    n = operators * queue.chat_limit
    t = queue.sl_threshold_s
    patience = queue.patience_s
    theta = 0.0 if patience is None else (math.inf if patience <= 0 else 1.0 / patience)
    if lam <= 0:
        return Prediction(operators, n, 0.0, 1.0, 0.0, 0.0, True)
    if n == 0:  # nobody to answer: everyone waits until they give up
        return Prediction(operators, 0, 1.0, 0.0, None, 0.0 if theta == 0 else 1.0,
                          theta > 0)
    a = lam / mu
    if math.isinf(theta):  # no patience at all: a loss system (Erlang B)
        blocked = _erlang_b(n, a)
        return Prediction(operators, n, blocked, 1.0 - blocked, 0.0, blocked, True)
    if theta == 0:
        return _erlang_c(queue, operators, n, a, lam, mu, t)
    at_once, waiting = _states(n, a, lam, mu, theta)
    n_mu = n * mu
    x = math.exp(-theta * t)
    c1 = n_mu / theta + 1.0  # the negative binomial's shape
    # The negative binomial's cumulative terms, one more for each q.
    nb_term = math.exp(c1 * math.log(x)) if x > 0 else 0.0
    nb_cdf = nb_term
    served = within = wait_of_served = 0.0
    mean_phases = 0.0  # Σ_{m<=q} 1/(nμ + (m+1)θ)
    for q, pi in enumerate(waiting):
        p_served = n_mu / (n_mu + (q + 1) * theta)
        mean_phases += 1.0 / (n_mu + (q + 1) * theta)
        served += pi * p_served
        within += pi * p_served * (1.0 - min(1.0, nb_cdf))
        wait_of_served += pi * p_served * mean_phases
        nb_term *= (c1 + q) / (q + 1) * (1.0 - x)
        nb_cdf += nb_term
    p_wait = sum(waiting)
    answered = at_once + served
    return Prediction(operators, n, p_wait, at_once + within,
                      wait_of_served / answered if answered > 0 else None,
                      max(0.0, 1.0 - answered), True)


def _erlang_b(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _erlang_c(queue: Queue, operators: int, n: int, a: float, lam: float, mu: float,
              t: float) -> Prediction:
    if a >= n:  # more work than slots, and nobody leaves: the queue never empties
        return Prediction(operators, n, 1.0, 0.0, None, 0.0, False)
    b = _erlang_b(n, a)
    c = n * b / (n - a * (1.0 - b))
    drain = n * mu - lam
    return Prediction(operators, n, c, 1.0 - c * math.exp(-drain * t), c / drain, 0.0, True)


def needed(queue: Queue, target: float, most: int = 10_000) -> Prediction | None:
    """The fewest operators whose service level reaches ``target`` (a share, 0.8 for 80 %),
    and what they give; None when even ``most`` do not."""
    if queue.arrivals_per_s <= 0:
        return predict(queue, 0)
    # Start near the load: fewer slots than the offered load can rarely reach a target.
    low = max(0, math.floor(queue.arrivals_per_s * queue.handle_s / queue.chat_limit) - 1)
    for operators in range(low, most + 1):
        prediction = predict(queue, operators)
        if prediction.stable and prediction.service_level >= target:
            # Fewer might do when patience makes up for staff: look back down.
            while operators > 0:
                fewer = predict(queue, operators - 1)
                if not (fewer.stable and fewer.service_level >= target):
                    break
                operators, prediction = operators - 1, fewer
            return prediction
    return None

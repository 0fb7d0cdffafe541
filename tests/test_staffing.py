"""The staffing model (wallboard.staffing): against published values, against two independent
numerical solutions of the same queue, against its own limits (Erlang C, Erlang B) and
properties, and against the steady-load simulator."""

from __future__ import annotations

import math
from itertools import pairwise

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wallboard.sim.steady import SteadyConfig, SteadyGroup, SteadyOperator, simulate
from wallboard.staffing import Queue, needed, predict


def three_digits(x: float) -> float:
    return float(f"{x:.3g}")


# --- published values ------------------------------------------------------------------------


class Published(msgspec.Struct, frozen=True):
    """A figure someone else computed and printed, and where."""

    source: str
    queue: Queue
    operators: int
    p_wait: float | None = None
    service_level: float | None = None
    asa_s: float | None = None
    p_abandon: float | None = None


# The worked example of Call Centre Helper's "Erlang C Formula - Made Simple With an Easy
# Worked Example": 100 calls in 30 minutes, 180 s handling, 20 s target answer time.
CCH = Queue(arrivals_per_s=100 / 1800, handle_s=180, sl_threshold_s=20)
CRAN = ("CRAN package ErlangC 0.1.0 (github.com/Damonsoul/ErlangC), README, "
        "calculate_agents() example, $process table")
PYWF_C = ("pyworkforce (github.com/rodrigo-arenas/pyworkforce), "
          "pyworkforce/queuing/tests/test_erlang.py")
PYWF_A = ("pyworkforce, pyworkforce/queuing/tests/test_abandonment.py, "
          "test_erlanga_regression_metrics")
CCT = "github.com/perehinik/call-center-tools, python/tests/unit/test_staffing.py"

PUBLISHED = [
    Published(CRAN, CCH, 11, p_wait=0.6821182, service_level=0.3896138, asa_s=122.78127684408),
    Published(CRAN, CCH, 12, p_wait=0.4493882, service_level=0.640158, asa_s=40.4449401868444),
    Published(CRAN, CCH, 13, p_wait=0.2852705, service_level=0.7955948, asa_s=17.1162271821896),
    Published(CRAN, CCH, 14, p_wait=0.1741319, service_level=0.88835, asa_s=7.83593701177724),
    # ErlangC(transactions=100, asa=0.33, aht=3, interval=30): minutes, so 19.8 s.
    Published(PYWF_C + " test_expected_erlangc_results",
              Queue(100 / 1800, 180, sl_threshold_s=0.33 * 60), 14,
              p_wait=0.174, service_level=0.888),
    Published(PYWF_C + " test_over_occupancy_erlangc",
              Queue(100 / 1800, 180, sl_threshold_s=0.33 * 60), 15,
              p_wait=0.102, service_level=0.941),
    # calc_wait_probability(traffic, agents) and calc_service_level(123, 130, ..., 20, 300).
    Published(CCT + " test_calc_wait_probability", Queue(123 / 3600, 3600), 132, p_wait=0.3211),
    Published(CCT + " test_calc_wait_probability", Queue(12345 / 3600, 3600), 12421,
              p_wait=0.3812),
    Published(CCT + " test_calc_service_level", Queue(123 / 300, 300, sl_threshold_s=20), 130,
              p_wait=0.4244, service_level=0.7339),
    # ErlangA(transactions=100, aht=3, asa=20/60, interval=30, patience=5), 14 positions.
    Published(PYWF_A, Queue(100 / 1800, 180, patience_s=300, sl_threshold_s=20), 14,
              p_wait=0.14526, service_level=0.916792, p_abandon=0.013984),
]


@pytest.mark.parametrize("ref", PUBLISHED, ids=lambda r: f"{r.source.split()[0]}-{r.operators}")
def test_agrees_with_published_values_to_three_digits(ref: Published) -> None:
    got = predict(ref.queue, ref.operators)
    for field in ("p_wait", "service_level", "asa_s", "p_abandon"):
        want = getattr(ref, field)
        if want is not None:
            value = getattr(got, field)
            assert three_digits(value) == three_digits(want), (field, value, want)


def test_erlang_a_published_figures_that_are_defined_otherwise() -> None:
    # pyworkforce's ErlangA reports the mean wait of all arrivals (abandoners too), E[Q]/λ,
    # 0.069919 min, and occupancy 0.704297. With exponential patience, abandonment is
    # θ·E[Q] per unit time, so E[Q]/λ = P(abandon)·patience; the answered keep
    # a·(1 - P(abandon)) of the 14 slots busy.
    queue = Queue(100 / 1800, 180, patience_s=300, sl_threshold_s=20)
    got = predict(queue, 14)
    assert three_digits(got.p_abandon * 300 / 60) == three_digits(0.069919)
    assert three_digits(10 * (1 - got.p_abandon) / 14) == three_digits(0.704297)
    # The answered waited less on average than everyone did (abandoners waited too).
    assert got.asa_s is not None and (1 - got.p_abandon) * got.asa_s < got.p_abandon * 300


def test_the_known_erlang_c_example() -> None:
    assert round(predict(CCH, 11).p_wait, 4) == 0.6821
    assert round(predict(CCH, 12).p_wait, 4) == 0.4494


def test_the_comparison_can_fail() -> None:
    assert three_digits(0.1741319) != three_digits(0.1751319)
    assert three_digits(predict(CCH, 13).p_wait) != three_digits(0.1741319)


# --- independent solutions of M/M/n+M ---------------------------------------------------------


def stationary(n: int, lam: float, mu: float, theta: float) -> tuple[list[float], int]:
    """π(0..n+Q) by detailed balance, in plain floats (small cases only), and Q."""
    weights = [1.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(0, k - n) * theta
        weights.append(weights[-1] * lam / death)
        if k > n + 5 and weights[-1] < 1e-18 * sum(weights):
            break
    total = sum(weights)
    return [w / total for w in weights], k - n


def by_sums(queue: Queue, operators: int) -> dict[str, float]:
    """The figures summed over queue lengths: the served-within-t chance of one who finds q
    waiting as a negative binomial tail (the Beta representation of its wait), in logs."""
    n = operators * queue.chat_limit
    lam, mu = queue.arrivals_per_s, 1 / queue.handle_s
    assert queue.patience_s is not None
    theta = 1 / queue.patience_s
    pi, q_max = stationary(n, lam, mu, theta)
    x = math.exp(-theta * queue.sl_threshold_s)
    shape = n * mu / theta + 1
    log_term = shape * math.log(x) if x > 0 else -math.inf
    cdf = math.exp(log_term)
    served = within = wait = 0.0
    phases = 0.0
    for q in range(q_max + 1):
        p = pi[n + q]
        served_share = n * mu / (n * mu + (q + 1) * theta)
        phases += 1 / (n * mu + (q + 1) * theta)
        served += p * served_share
        within += p * served_share * (1 - min(1.0, cdf))
        wait += p * served_share * phases
        log_term += math.log((shape + q) / (q + 1)) + (math.log1p(-x) if x < 1 else -math.inf)
        cdf += math.exp(log_term)
    at_once = sum(pi[:n])
    return {"p_wait": 1 - at_once, "service_level": at_once + within,
            "asa_s": wait / (at_once + served), "p_abandon": 1 - at_once - served}


def by_ode(queue: Queue, operators: int) -> dict[str, float]:
    """The figures with the waiting time taken from the tagged visitor's Kolmogorov
    equations, integrated by Runge-Kutta: f_q(t), the chance that one with q ahead has been
    served by t, obeys f_q' = (nμ + qθ) f_{q-1} - (nμ + (q+1)θ) f_q with f_{-1} = 1."""
    n = operators * queue.chat_limit
    lam, mu = queue.arrivals_per_s, 1 / queue.handle_s
    assert queue.patience_s is not None
    theta = 1 / queue.patience_s
    pi, q_max = stationary(n, lam, mu, theta)
    ahead = [n * mu + q * theta for q in range(q_max + 1)]
    leave = [n * mu + (q + 1) * theta for q in range(q_max + 1)]

    def slope(f: list[float]) -> list[float]:
        return [ahead[q] * (f[q - 1] if q else 1.0) - leave[q] * f[q] for q in range(q_max + 1)]

    def integrate(f: list[float], span: float, steps: int) -> list[float]:
        h = span / steps
        for _ in range(steps):
            k1 = slope(f)
            k2 = slope([v + h / 2 * d for v, d in zip(f, k1, strict=True)])
            k3 = slope([v + h / 2 * d for v, d in zip(f, k2, strict=True)])
            k4 = slope([v + h * d for v, d in zip(f, k3, strict=True)])
            f = [v + h / 6 * (a + 2 * b + 2 * c + d)
                 for v, a, b, c, d in zip(f, k1, k2, k3, k4, strict=True)]
        return f

    stiff = max(leave)
    steps_per_s = max(4.0, 2 * stiff)
    t = queue.sl_threshold_s
    by_t = integrate([0.0] * (q_max + 1), t, max(1, math.ceil(t * steps_per_s)))
    # E[wait; served] = ∫ (P(served) - f_q(s)) ds: integrate on until nothing is left.
    eventually = [ahead[q] / leave[q] for q in range(q_max + 1)]
    for q in range(1, q_max + 1):
        eventually[q] *= eventually[q - 1]
    f = [0.0] * (q_max + 1)
    waited = [0.0] * (q_max + 1)
    h = 1 / steps_per_s
    while max(e - v for e, v in zip(eventually, f, strict=True)) > 1e-13:
        mid = integrate(f, h / 2, 1)
        nxt = integrate(f, h, 1)
        for q in range(q_max + 1):  # Simpson on each step, with the midpoint by RK too
            waited[q] += h / 6 * ((eventually[q] - f[q]) + 4 * (eventually[q] - mid[q])
                                  + (eventually[q] - nxt[q]))
        f = nxt
    at_once = sum(pi[:n])
    tail = pi[n:]
    served = sum(p * e for p, e in zip(tail, eventually, strict=True))
    return {"p_wait": 1 - at_once,
            "service_level": at_once + sum(p * v for p, v in zip(tail, by_t, strict=True)),
            "asa_s": sum(p * w for p, w in zip(tail, waited, strict=True)) / (at_once + served),
            "p_abandon": 1 - at_once - served}


ODE_CASES = [  # (queue, operators)
    (Queue(100 / 1800, 180, patience_s=300, sl_threshold_s=20), 14),
    (Queue(0.9 * 6 / 120, 120, chat_limit=3, patience_s=60, sl_threshold_s=60), 2),
    (Queue(1.3 * 4 / 300, 300, patience_s=30, sl_threshold_s=60), 4),  # overloaded
    (Queue(0.5 / 60, 60, patience_s=600, sl_threshold_s=10), 1),
    (Queue(2.0 / 900, 900, patience_s=5, sl_threshold_s=300), 3),  # impatient, slow work
]


@pytest.mark.parametrize(("queue", "operators"), ODE_CASES)
def test_agrees_with_the_tagged_visitor_equations(queue: Queue, operators: int) -> None:
    want = by_ode(queue, operators)
    got = predict(queue, operators)
    assert got.asa_s is not None
    assert got.p_wait == pytest.approx(want["p_wait"], abs=1e-7)
    assert got.service_level == pytest.approx(want["service_level"], abs=1e-6)
    assert got.p_abandon == pytest.approx(want["p_abandon"], abs=1e-7)
    assert got.asa_s == pytest.approx(want["asa_s"], rel=1e-5)
    # and the ODE agrees with the sums, so neither reference is off on its own
    sums = by_sums(queue, operators)
    assert want["service_level"] == pytest.approx(sums["service_level"], abs=1e-6)
    assert want["asa_s"] == pytest.approx(sums["asa_s"], rel=1e-5)


erlang_a_queues = st.builds(
    Queue,
    arrivals_per_s=st.floats(0.2, 400).map(lambda per_hour: per_hour / 3600),
    handle_s=st.floats(10, 3600),
    chat_limit=st.integers(1, 3),
    patience_s=st.floats(2, 3600),
    sl_threshold_s=st.sampled_from([0.0, 1.0, 20.0, 60.0, 300.0]),
)


@settings(max_examples=150, deadline=None)
@given(queue=erlang_a_queues, operators=st.integers(1, 12))
def test_agrees_with_the_sums_everywhere(queue: Queue, operators: int) -> None:
    assume(queue.arrivals_per_s * (queue.patience_s or 0) < 2000)  # the sums' length
    assume(queue.arrivals_per_s * queue.handle_s < 200)
    want = by_sums(queue, operators)
    got = predict(queue, operators)
    assert got.p_wait == pytest.approx(want["p_wait"], abs=1e-7)
    assert got.service_level == pytest.approx(want["service_level"], abs=1e-7)
    assert got.p_abandon == pytest.approx(want["p_abandon"], abs=1e-7)
    assert got.asa_s == pytest.approx(want["asa_s"], rel=1e-6, abs=1e-9)


def test_when_patience_equals_handling_the_queue_is_an_infinite_server_one() -> None:
    # With θ = μ every visitor leaves at rate μ, waiting or not: the number present is
    # Poisson(a), whatever n is. A check that needs no queueing formula at all.
    a, n = 7.3, 6
    queue = Queue(a / 200, 200, patience_s=200)
    got = predict(queue, n)
    poisson = [math.exp(-a)]
    for k in range(1, 200):
        poisson.append(poisson[-1] * a / k)
    assert got.p_wait == pytest.approx(sum(poisson[n:]), abs=1e-9)
    # abandonment = θ·E[waiting] / λ = E[(N - n)+] / a
    excess = sum((k - n) * p for k, p in enumerate(poisson) if k > n)
    assert got.p_abandon == pytest.approx(excess / a, abs=1e-9)


# --- limits ------------------------------------------------------------------------------------


def erlang_b(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    b = erlang_b(n, a)
    return n * b / (n - a * (1 - b))


@pytest.mark.parametrize(("a", "n"), [(10.0, 11), (10.0, 14), (0.5, 1), (45.0, 50), (300.0, 320)])
def test_long_patience_converges_to_erlang_c(a: float, n: int) -> None:
    handle = 120.0
    queue = Queue(a / handle, handle, sl_threshold_s=30)
    c = predict(queue, n)
    assert c.p_wait == pytest.approx(erlang_c(n, a), rel=1e-7)
    gaps = []
    for patience in (1e4, 1e5, 1e6, 1e7, 1e8):
        got = predict(msgspec.structs.replace(queue, patience_s=patience), n)
        assert got.asa_s is not None and c.asa_s is not None
        gaps.append(max(abs(got.service_level - c.service_level), abs(got.p_wait - c.p_wait),
                        got.p_abandon, abs(got.asa_s - c.asa_s) / max(c.asa_s, 1.0)))
    # The gap closes as 1/patience (few give up, and a wait's effect is wait/patience).
    assert gaps[-1] < 1e-4
    assert all(later < earlier / 5 for earlier, later in pairwise(gaps))


@pytest.mark.parametrize(("a", "n"), [(10.0, 11), (25.0, 30), (3.0, 1), (80.0, 60)])
def test_no_patience_converges_to_erlang_b(a: float, n: int) -> None:
    handle = 300.0
    blocked = erlang_b(n, a)
    exact = predict(Queue(a / handle, handle, patience_s=0.0), n)
    assert exact.p_abandon == pytest.approx(blocked, rel=1e-7)
    assert exact.service_level == pytest.approx(1 - blocked, rel=1e-7)
    for patience, tolerance in ((1e-2, 1e-3), (1e-4, 1e-5)):
        got = predict(Queue(a / handle, handle, patience_s=patience, sl_threshold_s=20), n)
        assert got.p_abandon == pytest.approx(blocked, abs=tolerance)
        assert got.p_wait == pytest.approx(blocked, abs=tolerance)
        assert got.service_level == pytest.approx(1 - blocked, abs=tolerance)


def test_erlang_b_published_example() -> None:
    # Wolfram Language documentation, ErlangB: 30 lines and 25 Erlangs block "approximately
    # 0.05" (one digit only: the recursion above gives 0.0528).
    assert round(predict(Queue(25 / 100, 100, patience_s=0), 30).p_abandon, 2) == 0.05


# --- properties -------------------------------------------------------------------------------

any_queue = st.builds(
    Queue,
    arrivals_per_s=st.floats(0.0, 3000).map(lambda per_hour: per_hour / 3600),
    handle_s=st.floats(5, 7200),
    chat_limit=st.integers(1, 5),
    patience_s=st.none() | st.just(0.0) | st.floats(1, 86400),
    sl_threshold_s=st.floats(0, 600),
)


@settings(max_examples=200, deadline=None)
@given(queue=any_queue, operators=st.integers(0, 300))
def test_more_operators_never_make_things_worse(queue: Queue, operators: int) -> None:
    fewer, more = predict(queue, operators), predict(queue, operators + 1)
    slack = 1e-7  # the integrals' own rounding, far below what the board shows
    assert more.service_level >= fewer.service_level - slack
    assert more.p_abandon <= fewer.p_abandon + slack
    assert more.p_wait <= fewer.p_wait + slack
    assert fewer.stable <= more.stable
    if fewer.asa_s is not None:
        assert more.asa_s is not None
        assert more.asa_s <= fewer.asa_s * (1 + 1e-6) + 1e-9


@settings(max_examples=200, deadline=None)
@given(queue=any_queue, operators=st.integers(0, 300))
def test_figures_are_shares_and_consistent(queue: Queue, operators: int) -> None:
    got = predict(queue, operators)
    for share in (got.p_wait, got.service_level, got.p_abandon):
        assert 0.0 <= share <= 1.0
    assert got.service_level <= 1 - got.p_abandon + 1e-12
    assert got.slots == operators * queue.chat_limit
    if got.asa_s is not None:
        assert got.asa_s >= 0
    if queue.patience_s is None:
        assert got.p_abandon == 0.0


@settings(max_examples=100, deadline=None)
@given(queue=any_queue, target=st.floats(0.5, 0.95))
def test_needed_is_the_fewest_that_reach_the_target(queue: Queue, target: float) -> None:
    assume(queue.arrivals_per_s * queue.handle_s < 150)  # keeps the plain scan below short
    got = needed(queue, target, most=400)
    first = next((k for k in range(401)
                  if (p := predict(queue, k)).stable and p.service_level >= target), None)
    if first is None:
        assert got is None
        return
    assert got is not None and got.operators == first
    assert got.service_level >= target
    if first > 0:
        below = predict(queue, first - 1)
        assert not (below.stable and below.service_level >= target)


def test_needed_finds_none_when_no_staff_is_enough() -> None:
    queue = Queue(100 / 3600, 300, patience_s=60)
    assert needed(queue, 1.01, most=50) is None
    assert needed(queue, 0.8, most=2) is None
    assert needed(Queue(0.0, 300), 0.8) == predict(Queue(0.0, 300), 0)


def test_needed_for_a_large_chat_queue() -> None:
    # 200 operators' worth of chats: the size the board asks about, every few seconds.
    queue = Queue(0.85 * 600 / 300, 300, chat_limit=3, patience_s=120)
    got = needed(queue, 0.8)
    assert got is not None
    assert got.service_level >= 0.8 > predict(queue, got.operators - 1).service_level


# --- edge cases --------------------------------------------------------------------------------


def test_work_equal_to_the_slots() -> None:
    # 3 chats a second of 300 s on 900 slots: exactly full. The first version divided by
    # nμ - λ, which rounding made 0 while λ/μ came out a hair below n.
    queue = Queue(3.0, 300, chat_limit=3)
    assert predict(queue, 300).stable is False
    assert predict(queue, 301).stable is True
    got = needed(queue, 0.8)
    assert got is not None and got.operators == 303


def test_no_arrivals() -> None:
    for patience in (None, 0.0, 60.0):
        got = predict(Queue(0.0, 300, patience_s=patience), 3)
        assert (got.p_wait, got.service_level, got.p_abandon, got.stable) == (0, 1, 0, True)


def test_no_operators() -> None:
    patient = predict(Queue(0.1, 300), 0)
    assert (patient.p_wait, patient.service_level, patient.stable) == (1.0, 0.0, False)
    impatient = predict(Queue(0.1, 300, patience_s=60), 0)
    assert (impatient.p_abandon, impatient.service_level, impatient.stable) == (1.0, 0.0, True)


@pytest.mark.parametrize("arrivals", [1e3, 1e9, 1e300, math.inf, math.nan, 1e-300, -1.0])
@pytest.mark.parametrize("handle", [1e-300, 1.0, 300.0, 1e300, math.inf, 0.0, math.nan])
@pytest.mark.parametrize("patience", [None, 0.0, 1e-300, 60.0, 1e12, 1e300, math.inf, math.nan])
def test_extreme_inputs_give_shares_not_exceptions(arrivals: float, handle: float,
                                                   patience: float | None) -> None:
    for operators in (0, 1, 5000):
        got = predict(Queue(arrivals, handle, 3, patience, 60), operators)
        for share in (got.p_wait, got.service_level, got.p_abandon):
            assert 0.0 <= share <= 1.0
        assert got.asa_s is None or got.asa_s >= 0
    needed(Queue(arrivals, handle, 3, patience, 60), 0.8, most=100)


def test_huge_loads_keep_their_meaning() -> None:
    # A million chats an hour on 50 slots: nearly all give up, the rest wait about
    # ln(λ/nμ)/θ, far past the threshold.
    queue = Queue(1e6 / 3600, 300, patience_s=60)
    got = predict(queue, 50)
    assert got.p_wait == pytest.approx(1.0)
    assert got.p_abandon == pytest.approx(1 - 50 / (1e6 / 3600 * 300), rel=1e-6)
    assert got.service_level < 1e-6
    # exactly, (ψ(c+q+2) - ψ(c+1))/θ at the queue's length q = (λ - nμ)/θ, c = nμ/θ = 10
    queue_length = (1e6 / 3600 - 50 / 300) * 60
    digamma_11 = sum(1 / k for k in range(1, 11)) - 0.5772156649
    assert got.asa_s == pytest.approx(60 * (math.log(10 + queue_length + 1.5) - digamma_11),
                                      rel=1e-4)
    # the same with patience past the exact method's range: the limit, not noise
    far = predict(msgspec.structs.replace(queue, patience_s=1e12), 50)
    assert far.p_abandon == pytest.approx(got.p_abandon, rel=1e-6)


def test_a_fast_queue_in_overload_answers_late() -> None:
    # 900 slots of 30 s chats take 30 a second; 200 a second come, patient for a minute.
    # Those served are the 15 % who outwait a queue of about 10,000, some
    # ln(200/30)/θ = 114 s: nearly none within 60 s. (The first Erlang A code counted them
    # all in time here: e^{-(nμ+θ)t} underflowed and its negative binomial tail with it.)
    got = predict(Queue(200, 30, patience_s=60, sl_threshold_s=60), 900)
    assert got.p_abandon == pytest.approx(0.85, abs=1e-3)
    assert got.asa_s is not None and 100 < got.asa_s < 120
    assert got.service_level < 1e-3


def test_very_many_slots_with_a_light_load() -> None:
    # π(0)/π(n) overflows a float here unless the sums are kept in logarithms.
    got = predict(Queue(1 / 3600, 300, chat_limit=3, patience_s=60), 3000)
    assert got.p_wait == pytest.approx(0.0, abs=1e-300)
    assert got.service_level == 1.0
    assert got.p_abandon == pytest.approx(0.0, abs=1e-300)


# --- the model against the simulator -----------------------------------------------------------

SIM_HANDLE_S = 180.0
SIM_PATIENCE_S = 120.0


@pytest.mark.parametrize(("chat_limit", "operators"), [(1, 10), (3, 4)])
@pytest.mark.parametrize("load", [0.6, 0.85, 1.05])
def test_model_matches_the_simulator(load: float, chat_limit: int, operators: int) -> None:
    per_s = load * operators * chat_limit / SIM_HANDLE_S
    config = SteadyConfig(
        seed=11, hours=25,
        groups=(SteadyGroup("g", "web", per_s * 3600, SIM_HANDLE_S, SIM_PATIENCE_S),),
        operators=tuple(SteadyOperator(f"o{i}", ("g",), chat_limit) for i in range(operators)),
    )
    truth = simulate(config).truth["g"]
    assert truth.service_level is not None and truth.abandonment is not None
    # the run measured what it should have: 24 hours of arrivals
    assert truth.arrivals > 0.95 * 24 * 3600 * per_s
    got = predict(Queue(per_s, SIM_HANDLE_S, chat_limit, SIM_PATIENCE_S, 60), operators)
    assert abs(got.service_level - truth.service_level) < 0.10
    assert abs(got.p_abandon - truth.abandonment) < 0.10
    # and not by being vague: one operator fewer is told apart at the busier loads
    if load > 0.8:
        fewer = predict(Queue(per_s, SIM_HANDLE_S, chat_limit, SIM_PATIENCE_S, 60),
                        operators - 1)
        assert abs(fewer.p_abandon - truth.abandonment) > abs(got.p_abandon - truth.abandonment)

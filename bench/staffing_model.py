"""The staffing model against the steady-load simulator, and what the model costs.

For one group with a fixed staff and known parameters (handle 180 s, patience 120 s,
threshold 60 s), ``wallboard.staffing.predict`` is set beside what ``wallboard.sim.steady``
measured over seeded runs, at low, medium and high load, one and three chats per operator;
then the live advice (``wallboard.service.advice``, the inputs estimated from the engine's
rows every half hour) beside the same runs. Prints Markdown tables; never fails on timing
(machines differ).

    python bench/staffing_model.py                       # 24 simulated hours x 5 seeds a row
    python bench/staffing_model.py --hours 4 --seeds 1   # a quick look
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from functools import partial

import msgspec

from wallboard.engine import Account
from wallboard.events import decode_event
from wallboard.service.advice import StaffingSettings, advise
from wallboard.sim.steady import SteadyConfig, SteadyGroup, SteadyOperator, SteadyTruth, simulate
from wallboard.staffing import Prediction, Queue, needed, predict

HANDLE_S = 180.0
PATIENCE_S = 120.0
THRESHOLD_S = 60.0
LOADS = (0.6, 0.85, 1.0, 1.1)  # offered work over chat slots
# (chat limit, operators): a small and a larger team of each kind
TEAMS = ((1, 8), (3, 4), (1, 40), (3, 16))


class Row(msgspec.Struct, frozen=True):
    load: float
    chat_limit: int
    operators: int
    model: Prediction
    service_level: float  # simulated, pooled over the seeds
    abandonment: float
    asa_s: float
    sl_low: float  # the lowest and highest of the seeds' own service levels
    sl_high: float


def one_group(per_s: float, chat_limit: int, operators: int, hours: float, seed: int
              ) -> SteadyConfig:
    """One group "g" at its true parameters, with a fixed staff."""
    return SteadyConfig(
        seed=seed, hours=hours, sl_threshold_s=THRESHOLD_S,
        groups=(SteadyGroup("g", "web", per_s * 3600, HANDLE_S, PATIENCE_S),),
        operators=tuple(SteadyOperator(f"o{i}", ("g",), chat_limit) for i in range(operators)))


def measure(load: float, chat_limit: int, operators: int, hours: float, seeds: int) -> Row:
    per_s = load * operators * chat_limit / HANDLE_S
    truths: list[SteadyTruth] = []
    for seed in range(1, seeds + 1):
        truths.append(simulate(one_group(per_s, chat_limit, operators, hours, seed)).truth["g"])
    arrivals = sum(t.arrivals for t in truths)
    answered = sum(t.answered for t in truths)
    waited = sum((t.mean_wait_s or 0.0) * t.answered for t in truths)
    levels = [t.service_level or 0.0 for t in truths]
    return Row(load, chat_limit, operators,
               predict(Queue(per_s, HANDLE_S, chat_limit, PATIENCE_S, THRESHOLD_S), operators),
               sum(t.answered_within for t in truths) / arrivals,
               sum(t.abandoned for t in truths) / arrivals,
               waited / answered, min(levels), max(levels))


def accuracy_table(hours: float, seeds: int) -> list[str]:
    lines = [
        "| load | chat limit | operators | SL model / sim (seeds' range) "
        "| abandoned model / sim | ASA model / sim, s |",
        "|---|---|---|---|---|---|",
    ]
    worst_sl = worst_ab = 0.0
    for chat_limit, operators in TEAMS:
        for load in LOADS:
            row = measure(load, chat_limit, operators, hours, seeds)
            m = row.model
            worst_sl = max(worst_sl, abs(m.service_level - row.service_level))
            worst_ab = max(worst_ab, abs(m.p_abandon - row.abandonment))
            lines.append(
                f"| {load:.2f} | {chat_limit} | {row.operators} "
                f"| {m.service_level:.3f} / {row.service_level:.3f} "
                f"({row.sl_low:.3f}-{row.sl_high:.3f}) "
                f"| {m.p_abandon:.3f} / {row.abandonment:.3f} "
                f"| {m.asa_s or 0.0:.1f} / {row.asa_s:.1f} |")
    lines.append("")
    lines.append(f"Largest gap: service level {100 * worst_sl:.1f} points, "
                 f"abandonment {100 * worst_ab:.1f} points.")
    return lines


def live_readings(config: SteadyConfig) -> list[tuple[float, float]]:
    """The group's predicted service level and abandonment as the board shows them every
    half hour after the warm-up."""
    run = simulate(config)
    account = Account(config.account, config.timezone, config.sl_threshold_s)
    out = []
    events = iter(run.events)
    pending = next(events, None)
    for mark in range(config.warm_ms + 1_800_000, config.end_ms + 1, 1_800_000):
        while pending is not None and pending["at"] < mark:
            account.apply(decode_event(msgspec.json.encode(pending), mark)[1], mark)
            pending = next(events, None)
        [row] = [r for r in advise(account, StaffingSettings(), mark - 1).rows if r.id == "g"]
        if row.now is not None:
            out.append((row.now.service_level, row.now.p_abandon))
    return out


def live_table(hours: float, seeds: int) -> list[str]:
    lines = ["| load | chat limit | operators | SL: mean of the readings / sim "
             "(readings' sd) | abandoned: mean / sim (sd) |", "|---|---|---|---|---|"]
    for chat_limit, operators in TEAMS[:2]:
        for load in LOADS:
            per_s = load * operators * chat_limit / HANDLE_S
            levels, gone, truths = [], [], []
            for seed in range(1, seeds + 1):
                config = one_group(per_s, chat_limit, operators, hours, seed)
                for level, abandon in live_readings(config):
                    levels.append(level)
                    gone.append(abandon)
                truths.append(simulate(config).truth["g"])
            arrivals = sum(t.arrivals for t in truths)
            sl = sum(t.answered_within for t in truths) / arrivals
            ab = sum(t.abandoned for t in truths) / arrivals
            lines.append(f"| {load:.2f} | {chat_limit} | {operators} "
                         f"| {statistics.mean(levels):.3f} / {sl:.3f} "
                         f"({statistics.pstdev(levels):.3f}) "
                         f"| {statistics.mean(gone):.3f} / {ab:.3f} "
                         f"({statistics.pstdev(gone):.3f}) |")
    return lines


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Seconds for one call, the best of ``repeat`` rounds of a few calls each."""
    calls = 20
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        for _ in range(calls):
            work()
        best = min(best, (time.perf_counter() - started) / calls)
    return best


def timing_table() -> list[str]:
    """200 operators with 3 chats each: the size a board asks about every few seconds."""
    lines = ["| queue (200 operators x 3 chats, handle 300 s) | predict, us "
             "| needed(0.8), ms | operators needed |", "|---|---|---|---|"]
    for occupancy in (0.6, 0.85, 0.95, 1.05, 1.5):
        for patience in (120.0, None, 1e7):
            queue = Queue(occupancy * 600 / 300, 300, 3, patience, 60)
            one = best_of(5, partial(predict, queue, 200))
            staff = best_of(3, partial(needed, queue, 0.8))
            got = needed(queue, 0.8)
            said = "forever" if patience is None else f"{patience:g} s"
            lines.append(f"| load {occupancy:.2f}, patience {said} | {one * 1e6:.0f} "
                         f"| {staff * 1e3:.2f} | {got.operators if got else '-'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours per run")
    parser.add_argument("--seeds", type=int, default=5, help="runs per row")
    args = parser.parse_args()
    print(f"Handle {HANDLE_S:g} s, patience {PATIENCE_S:g} s, threshold {THRESHOLD_S:g} s; "
          f"{args.seeds} seeds x {args.hours:g} h per row, the first hour left out.\n")
    print("\n".join(accuracy_table(args.hours, args.seeds)))
    print("\nThe live advice, read every half hour (a reading rests on the last 30-45 minutes):"
          "\n")
    print("\n".join(live_table(args.hours, args.seeds)))
    print()
    print("\n".join(timing_table()))


if __name__ == "__main__":
    main()

import { describe, expect, it } from "vitest";
import { attention, breaches, newlyRed, type Watchable } from "./attention";
import { DEFAULT_THRESHOLDS } from "./thresholds";

function row(id: string | null, over: Partial<Watchable> = {}): Watchable {
  return { id, name: id, in_queue: 0, in_work: 0, longest_wait_s: null, arrived: 10, served: 10,
           unserved: { total: 0, unassigned: 0, canceled: 0, missed: 0 }, avg_wait_s: 10,
           wait_samples: 10, answered_within_sl: 10, operators_available: 1, slots_available: 1,
           operators: null, held: null, capacity: null, occupancy: null, windows: null, ...over };
}

const limits = () => DEFAULT_THRESHOLDS;  // in_queue 5/10, longest 120/300, avg 60/180, SL 80/60

describe("the rows that need attention", () => {
  it("are those over a threshold, red before amber, then the furthest past its edge", () => {
    const got = attention([
      { report: "group", row: row("calm"), name: "Calm" },
      { report: "group", row: row("amber", { in_queue: 7 }), name: "Amber" },
      { report: "channel", row: row("red", { in_queue: 12 }), name: "Red" },
      { report: "channel", row: row("redder", { longest_wait_s: 1200 }), name: "Redder" },
    ], limits);
    expect(got.map((a) => [a.name, a.level])).toEqual(
      [["Redder", "red"], ["Red", "red"], ["Amber", "amber"]]);
  });

  it("counts a low service level as a breach, below its edge", () => {
    const found = breaches(row("g", { wait_samples: 10, answered_within_sl: 5 }),
                           DEFAULT_THRESHOLDS);
    expect(found).toEqual([{ figure: "sl", level: "red", value: 50, limit: 60 }]);
  });

  it("lists a row's breaches worst first", () => {
    const found = breaches(row("g", { in_queue: 6, longest_wait_s: 900, avg_wait_s: 100 }),
                           DEFAULT_THRESHOLDS);
    expect(found.map((b) => [b.figure, b.level])).toEqual(
      [["longest_wait_s", "red"], ["avg_wait_s", "amber"], ["in_queue", "amber"]]);
  });

  it("never flags a row without thresholds (the No group placeholder)", () => {
    const got = attention([{ report: "group", row: row(null, { in_queue: 50 }), name: "No group" }],
                          (_report, id) => (id === null ? null : DEFAULT_THRESHOLDS));
    expect(got).toEqual([]);
  });

  it("tells which rows just turned red", () => {
    const before = attention([{ report: "group", row: row("a", { in_queue: 12 }), name: "A" },
                              { report: "group", row: row("b", { in_queue: 7 }), name: "B" }],
                             limits);
    const now = attention([{ report: "group", row: row("a", { in_queue: 13 }), name: "A" },
                           { report: "group", row: row("b", { in_queue: 11 }), name: "B" }],
                          limits);
    expect(newlyRed(before, now).map((a) => a.name)).toEqual(["B"]);
  });
});

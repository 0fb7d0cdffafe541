import { describe, expect, it } from "vitest";
import { problemOf } from "./components/ThresholdDialog";
import { DEFAULT_THRESHOLDS, closedShares, limitsByRow, worse } from "./thresholds";
import type { Thresholds } from "./types";

const none = { avg_wait_s: null, longest_wait_s: null, in_queue: null, sl_percent: null,
               unserved_percent: null, abandoned_percent: null };

describe("a row's thresholds", () => {
  it("are the account's, figure by figure replaced by its own", () => {
    const t: Thresholds = { ...DEFAULT_THRESHOLDS, rows: [
      { report: "channel", id: "email", ...none, avg_wait_s: { amber: 3600, red: 7200 } }] };
    const limits = limitsByRow(t);
    expect(limits("channel", "email")?.avg_wait_s).toEqual({ amber: 3600, red: 7200 });
    expect(limits("channel", "email")?.in_queue).toEqual(DEFAULT_THRESHOLDS.in_queue);
    expect(limits("channel", "chat")?.avg_wait_s).toEqual(DEFAULT_THRESHOLDS.avg_wait_s);
    expect(limits("group", null)).toBeNull();  // the placeholder row is never flagged
    expect(limits("channel", "chat")).toBe(limits("group", "sales"));  // one object, stable
  });

  it("read the shares of today's closed conversations", () => {
    expect(closedShares({ served: 6, unserved: { total: 4, unassigned: 1 } }))
      .toEqual({ unserved: 40, abandoned: 10 });
    expect(closedShares({ served: 0, unserved: { total: 0, unassigned: 0 } }))
      .toEqual({ unserved: null, abandoned: null });
    expect([worse("ok", "amber"), worse("red", "amber"), worse("ok", "ok")])
      .toEqual(["amber", "red", "ok"]);
  });
});

describe("the dialog's checks, as the service's", () => {
  it("name the figure and the problem", () => {
    expect(problemOf({ avg_wait_s: { amber: 200, red: 100 } }))
      .toEqual({ field: "avg_wait_s", code: "amber_above_red" });
    expect(problemOf({ sl_percent: { amber: 50, red: 70 } }))
      .toEqual({ field: "sl_percent", code: "amber_below_red" });
    expect(problemOf({ unserved_percent: { amber: 10, red: 120 } }))
      .toEqual({ field: "unserved_percent", code: "percent_over_100" });
    expect(problemOf({ in_queue: { amber: -1, red: null } }))
      .toEqual({ field: "in_queue", code: "not_a_number" });
    expect(problemOf(DEFAULT_THRESHOLDS)).toBeNull();
    expect(problemOf({ ...none, avg_wait_s: { amber: 5, red: null } })).toBeNull();
  });
});

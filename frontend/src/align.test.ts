import { describe, expect, it } from "vitest";
import { alignWeek } from "./app";
import type { DayCharts } from "./types";

const quarterHours = (skip: string[] = []) => {
  const out: string[] = [];
  for (let h = 0; h < 24; h++) {
    for (const m of ["00", "15", "30", "45"]) {
      const t = `${String(h).padStart(2, "0")}:${m}`;
      if (!skip.some((s) => t.startsWith(s))) out.push(t);
    }
  }
  return out;
};
const base = quarterHours();

function day(starts: string[]): DayCharts {
  return {
    date: "2026-11-01", starts, current: null,
    rows: [{ report: "total", id: null, arrived: starts.map((_, i) => i),
             in_queue: starts.map(() => null), avg_wait_s: starts.map(() => null),
             normal: starts.map(() => null), normal_low: starts.map(() => null),
             normal_high: starts.map(() => null) }],
  };
}

describe("last week laid over a DST day", () => {
  it("matches buckets by local time, the repeated hour by occurrence", () => {
    // 100 buckets: 00:00 ... 01:45, then 01:00 ... 01:45 again, then 02:00 ... 23:45.
    const fallBack = day([...base.slice(0, 8), ...base.slice(4, 8), ...base.slice(8)]);
    const week = day(quarterHours());  // 96
    const aligned = alignWeek(week, fallBack)!;
    const arrived = aligned.rows[0].arrived;
    expect(arrived.length).toBe(100);
    expect(fallBack.starts[99]).toBe("23:45");
    expect(arrived[99]).toBe(95);  // 23:45 last week
    expect(arrived[8]).toBe(4);  // the second 01:00 takes the one 01:00 of last week
  });
  it("leaves a skipped hour empty and keeps the rest in place", () => {
    const springForward = day(quarterHours(["02:"]));  // 92 buckets, no 02:xx
    const aligned = alignWeek(day(quarterHours()), springForward)!;
    expect(aligned.rows[0].arrived.length).toBe(92);
    expect(springForward.starts[8]).toBe("03:00");
    expect(aligned.rows[0].arrived[8]).toBe(12);  // 03:00 last week
  });
});

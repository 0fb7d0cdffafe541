import { describe, expect, it } from "vitest";
import { campaignMarks, change, clockOf, flagged, hotTopics, withoutHistory } from "./now";
import type { HotTopics, RowTrend, Trends } from "./types";

function trend(id: string | null, status: RowTrend["status"], extra: number | null): RowTrend {
  return { report: id ? "group" : "total", id, status, arrived: 10, expected: 5, ratio: 2, p: 1e-6,
           since: "2026-11-26T13:30:00.000+03:00", extra, since_ratio: 2, weeks: 4 };
}

function trends(rows: RowTrend[]): Trends {
  return { account: "acme", as_of: "", window_minutes: 30, weeks: [], rows };
}

describe("now against normal", () => {
  it("lists surges and drops, the largest difference first", () => {
    const got = flagged(trends([trend("a", "surge", 12), trend("b", "normal", null),
                                trend("c", "drop", -30), trend(null, "surge", 5)]));
    expect(got.map((r) => r.id)).toEqual(["c", "a", null]);
    expect(flagged(null)).toEqual([]);
  });

  it("says when there is no history anywhere", () => {
    expect(withoutHistory(trends([trend("a", "not_enough_history", null)]))).toBe(true);
    expect(withoutHistory(trends([trend("a", "not_enough_history", null),
                                  trend("b", "normal", null)]))).toBe(false);
    expect(withoutHistory(trends([]))).toBe(false);
  });

  it("puts the total's rising and new topics first, then by ratio", () => {
    const topic = (name: string, status: "rising" | "new" | "usual", ratio: number) =>
      ({ topic: name, count: 5, share: 0.5, usual_share: 0.1, ratio, status });
    const feed: HotTopics = { account: "acme", as_of: "", rows: [
      { report: "group", id: "care", count: 9, weeks: 4,
        topics: [topic("refund", "rising", 4), topic("billing", "usual", 1)] },
      { report: "total", id: null, count: 20, weeks: 4,
        topics: [topic("delivery", "rising", 2), topic("outage", "new", 3)] },
    ] };
    expect(hotTopics(feed).map((h) => [h.row.id, h.topic.topic]))
      .toEqual([[null, "outage"], [null, "delivery"], ["care", "refund"]]);
  });

  it("tells a topic hot in several rows once, where it is told best", () => {
    const topic = (name: string, ratio: number) =>
      ({ topic: name, count: 5, share: 0.5, usual_share: 0.1, ratio, status: "rising" as const });
    const feed: HotTopics = { account: "acme", as_of: "", rows: [
      { report: "channel", id: "web", count: 9, weeks: 4, topics: [topic("refund", 5)] },
      { report: "group", id: "care", count: 9, weeks: 4, topics: [topic("refund", 4)] },
      { report: "total", id: null, count: 20, weeks: 4, topics: [topic("refund", 2)] },
    ] };
    const got = hotTopics(feed);
    expect(got.map((h) => [h.row.report, h.topic.ratio])).toEqual([["total", 2]]);
    expect(got[0].also.map((r) => r.id)).toEqual(["web", "care"]);
  });

  it("reads the clock of a local instant", () => {
    expect(clockOf("2026-11-26T13:30:00.000+03:00")).toBe("13:30");
    expect(clockOf(null)).toBe("");
  });
});

describe("a window against the one before", () => {
  it("goes up, down or stays", () => {
    expect([change(5, 3), change(3, 5), change(4, 4)]).toEqual(["up", "down", "same"]);
  });
});

describe("campaign marks on a day chart", () => {
  const starts = Array.from({ length: 96 }, (_, i) =>
    `${String(Math.floor(i / 4)).padStart(2, "0")}:${String((i % 4) * 15).padStart(2, "0")}`);
  const campaign = (name: string, start: string) =>
    ({ id: name, name, start, end: null, rows: [] });

  it("puts a campaign at the bucket it started in, by the account's clock", () => {
    const marks = campaignMarks([campaign("Radio", "2026-11-26T10:20:00Z"),
                                 campaign("Mail", "2026-11-26T08:00:00+03:00"),
                                 campaign("Old", "2026-11-25T12:00:00+03:00")],
                                "2026-11-26", starts, "Europe/Moscow");
    expect(marks).toEqual([{ index: 32, label: "Mail (08:00)" },
                           { index: 53, label: "Radio (13:20)" }]);
  });
});

import { describe, expect, it } from "vitest";
import { byStart, localInput, verdict, zonedIso } from "./campaigns";
import type { CampaignRowEffect } from "./types";

describe("a time typed on the account's clock", () => {
  it("carries the zone's offset on that day", () => {
    expect(zonedIso("2026-12-02T14:30", "Europe/Moscow")).toBe("2026-12-02T14:30:00+03:00");
    expect(zonedIso("2026-07-01T09:00", "America/New_York")).toBe("2026-07-01T09:00:00-04:00");
    expect(zonedIso("2026-12-01T09:00", "America/New_York")).toBe("2026-12-01T09:00:00-05:00");
    expect(zonedIso("2026-12-02T00:15", "Asia/Kolkata")).toBe("2026-12-02T00:15:00+05:30");
    expect(zonedIso("2026-12-02T10:00", "UTC")).toBe("2026-12-02T10:00:00+00:00");
  });

  it("takes a skipped time after the change and a repeated one at its first pass", () => {
    expect(zonedIso("2026-03-29T02:30", "Europe/Berlin")).toBe("2026-03-29T03:30:00+02:00");
    expect(zonedIso("2026-10-25T02:30", "Europe/Berlin")).toBe("2026-10-25T02:30:00+02:00");
    expect(zonedIso("2026-10-25T03:30", "Europe/Berlin")).toBe("2026-10-25T03:30:00+01:00");
    // Far from UTC as well: Auckland springs forward at 02:00 (+12 to +13) and falls back
    // at 03:00 (+13 to +12).
    expect(zonedIso("2026-09-27T02:30", "Pacific/Auckland")).toBe("2026-09-27T03:30:00+13:00");
    expect(zonedIso("2026-04-05T02:30", "Pacific/Auckland")).toBe("2026-04-05T02:30:00+13:00");
  });

  it("refuses what is not a date and a time", () => {
    expect(zonedIso("", "UTC")).toBeNull();
    expect(zonedIso("2026-12-02", "UTC")).toBeNull();
    expect(zonedIso("14:30", "UTC")).toBeNull();
  });

  it("shows an instant on the account's clock for the field", () => {
    const at = new Date("2026-12-02T11:20:30Z");
    expect(localInput(at, "Europe/Moscow")).toBe("2026-12-02T14:20");
    expect(localInput(at, "America/New_York")).toBe("2026-12-02T06:20");
    expect(zonedIso(localInput(at, "Asia/Kolkata"), "Asia/Kolkata"))
      .toBe("2026-12-02T16:50:00+05:30");
  });
});

function effect(low: number | null, high: number | null): CampaignRowEffect {
  return { report: "group", id: "sales", arrived: 10, expected: low == null ? null : 5,
           uplift: 5, uplift_low: low, uplift_high: high, ratio: 2, avg_wait_s: null,
           normal_avg_wait_s: null, unserved: 0, normal_unserved: null, unserved_share: null,
           normal_unserved_share: null, weeks: low == null ? 0 : 4 };
}

describe("a campaign's report", () => {
  it("says a row was above normal only when the whole interval is", () => {
    expect(verdict(effect(3, 12))).toBe("above");
    expect(verdict(effect(-2, 12))).toBe("usual");
    expect(verdict(effect(-9, -1))).toBe("below");
    expect(verdict(effect(null, null))).toBe("unknown");
  });

  it("lists the latest start first, whatever the offsets", () => {
    const c = (id: string, start: string) => ({ id, name: id, start, end: null, rows: [] });
    expect(byStart([c("a", "2026-12-02T10:00:00+03:00"), c("b", "2026-12-02T08:30:00Z"),
                    c("c", "2026-12-01T23:00:00-05:00")]).map((x) => x.id))
      .toEqual(["b", "a", "c"]);  // 08:30Z, 07:00Z, 04:00Z
  });
});

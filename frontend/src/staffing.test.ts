import { describe, expect, it } from "vitest";
import { clockOffset, formatOperators, operatorsOf, secondsSince, shortBy, staffByGroup } from "./staffing";
import type { OperatorInfo, RowStaffing, Staffing } from "./types";

function staff(id: string | null, needed: number | null, operators: number): RowStaffing {
  return {
    report: id == null ? "total" : "group", id, name: null, status: needed == null ? "not_enough_data" : "ok",
    reason: needed == null ? "few_arrivals" : null, arrivals_per_hour: 60, window_s: 1800,
    handle_s: 300, handle_from: "recent", patience_s: null, chat_limit: 2, operators, slots: 2 * operators,
    needed, now: null, with_needed: null, in_queue: 0, drain_s: 0,
  };
}

function op(id: string, status: OperatorInfo["status"], groups: string[]): OperatorInfo {
  return { id, name: null, status, status_since: null, groups, max_chats: 3, in_work: 0, free_slots: 0,
           conversations: [] };
}

describe("staffing on screen", () => {
  it("finds each group's staffing and how short it is", () => {
    const staffing: Staffing = { account: "a", as_of: "", target: 0.8, sl_threshold_s: 60, suggestions: [],
                                 rows: [staff(null, 5, 6), staff("sales", 4, 2.5), staff("vip", null, 1)] };
    const byGroup = staffByGroup(staffing);
    expect(shortBy(byGroup.get("sales"))).toBe(1.5);
    expect(byGroup.has("")).toBe(false);  // the total is not a group
    expect(byGroup.size).toBe(2);
    expect(shortBy(byGroup.get("vip"))).toBeNull();
    expect(shortBy(byGroup.get("nope"))).toBeNull();
    expect(staffByGroup(null).size).toBe(0);
  });
  it("counts shared operators with one decimal", () => {
    expect(formatOperators(2.5, "en")).toBe("2.5");
    expect(formatOperators(2.5, "ru")).toBe("2,5");
    expect(formatOperators(3, "en")).toBe("3");
  });
  it("counts ages on the server's clock", () => {
    const offset = clockOffset("2026-11-26T12:00:00.000+03:00", Date.parse("2026-11-26T09:00:05Z"));
    expect(offset).toBe(-5000);  // this browser runs 5 s ahead
    const now = Date.parse("2026-11-26T09:01:05Z");
    expect(secondsSince("2026-11-26T11:59:30.000+03:00", now, offset)).toBe(90);
    expect(secondsSince(null, now, offset)).toBeNull();
    expect(secondsSince("2026-11-26T12:10:00.000+03:00", now, offset)).toBe(0);
  });
  it("lists a group's operators, available first", () => {
    const all = [op("a", "away", ["x"]), op("b", "available", ["x", "y"]), op("c", "busy", ["y"])];
    expect(operatorsOf(all, "x").map((o) => o.id)).toEqual(["b", "a"]);
    expect(operatorsOf(all, null).map((o) => o.id)).toEqual(["b", "c", "a"]);
  });
});

import { describe, expect, it } from "vitest";
import { ageNow, formatOperators, operatorsOf, shortBy, staffByGroup } from "./staffing";
import type { OperatorInfo, RowStaffing, Staffing } from "./types";

function staff(id: string | null, needed: number | null, operators: number): RowStaffing {
  return {
    report: id == null ? "total" : "group", id, name: null, status: needed == null ? "not_enough_data" : "ok",
    reason: needed == null ? "few_arrivals" : null, arrivals_per_hour: 60, window_s: 1800,
    handle_s: 300, handle_from: "recent", patience_s: null, patience_from: null, chat_limit: 2, operators, slots: 2 * operators,
    needed, now: null, with_needed: null, in_queue: 0, drain_s: 0,
  };
}

function op(id: string, status: OperatorInfo["status"], groups: string[]): OperatorInfo {
  return { id, name: null, status, in_status_s: null, groups, max_chats: 3, in_work: 0, free_slots: 0,
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
  it("grows the server's ages with this browser's clock", () => {
    expect(ageNow(90, 1_000, 6_000)).toBe(95);
    expect(ageNow(null, 1_000, 6_000)).toBeNull();
    expect(ageNow(90, 6_000, 1_000)).toBe(90);  // never younger than it was
  });
  it("lists a group's operators, available first", () => {
    const all = [op("a", "away", ["x"]), op("b", "available", ["x", "y"]), op("c", "busy", ["y"])];
    expect(operatorsOf(all, "x").map((o) => o.id)).toEqual(["b", "a"]);
    expect(operatorsOf(all, null).map((o) => o.id)).toEqual(["b", "c", "a"]);
  });
});

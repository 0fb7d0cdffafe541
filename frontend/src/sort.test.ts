import { describe, expect, it } from "vitest";
import { sortRows } from "./sort";
import type { Row } from "./types";

function row(id: string | null, name: string | null, figures: Partial<Row> = {}): Row {
  return {
    id, name, in_queue: 0, in_work: 0, longest_wait_s: null, arrived: 0, served: 0,
    unserved: { total: 0, unassigned: 0, canceled: 0, missed: 0 }, avg_wait_s: null,
    wait_samples: 0, answered_within_sl: 0, operators_available: 0, slots_available: 0,
    operators: { available: 0, busy: 0, away: 0, offline: 0 }, held: 0, capacity: 0,
    occupancy: null, windows: null, ...figures,
  };
}

const rows = [
  row("web", "Site chat", { in_queue: 3, avg_wait_s: 20, unserved: { total: 5, unassigned: 1, canceled: 2, missed: 2 } }),
  row("tg", "Telegram", { in_queue: 7, avg_wait_s: null }),
  row("vb", "Viber", { in_queue: 3, avg_wait_s: 90, wait_samples: 10, answered_within_sl: 5 }),
  row(null, null, { in_queue: 1, wait_samples: 4, answered_within_sl: 4 }),
];
const ids = (sorted: Row[]) => sorted.map((r) => r.id);

describe("sorting report rows", () => {
  it("sorts by name in the language's order, the no-group row by its label", () => {
    expect(ids(sortRows(rows, "name", "asc", "en", "No group"))).toEqual([null, "web", "tg", "vb"]);
    expect(ids(sortRows(rows, "name", "desc", "en", "No group"))).toEqual(["vb", "tg", "web", null]);
  });
  it("sorts numbers either way and breaks ties by name", () => {
    expect(ids(sortRows(rows, "in_queue", "desc", "en", "No group"))).toEqual(["tg", "web", "vb", null]);
    expect(ids(sortRows(rows, "in_queue", "asc", "en", "No group"))).toEqual([null, "web", "vb", "tg"]);
  });
  it("puts missing values last in both directions", () => {
    expect(ids(sortRows(rows, "avg_wait_s", "desc", "en", "-"))).toEqual(["vb", "web", null, "tg"]);
    expect(ids(sortRows(rows, "avg_wait_s", "asc", "en", "-"))).toEqual(["web", "vb", null, "tg"]);
  });
  it("sorts by the unserved total and by the service level", () => {
    expect(ids(sortRows(rows, "unserved", "desc", "en", "-"))[0]).toBe("web");
    expect(ids(sortRows(rows, "sl", "desc", "en", "-"))).toEqual([null, "vb", "web", "tg"]);
  });
  it("leaves its input alone", () => {
    const before = ids(rows);
    sortRows(rows, "in_queue", "desc", "en", "-");
    expect(ids(rows)).toEqual(before);
  });
});

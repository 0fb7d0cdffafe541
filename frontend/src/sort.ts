// Sorting report rows by any column: numbers high or low first, names in the language's order.
import type { Lang } from "./i18n";
import { serviceLevel } from "./format";
import { shortBy } from "./staffing";
import type { Row } from "./types";

export type SortKey =
  | "name" | "in_queue" | "longest_wait_s" | "in_work" | "arrived" | "served" | "unserved"
  | "avg_wait_s" | "sl" | "operators_available" | "slots_available" | "occupancy" | "staff"
  | "recent" | "severity";
export type Direction = "asc" | "desc";

export function sortValue(row: Row, key: SortKey): number | null {
  switch (key) {
    case "name": return null;
    case "unserved": return row.unserved.total;
    case "sl": return serviceLevel(row);
    case "staff": return shortBy(row.staff);
    case "recent": return row.windows?.["15m"].arrived ?? null;
    case "severity": return row.severity ?? 0;
    default: return row[key];
  }
}

export function rowName(row: Row, noGroup: string): string {
  return row.name ?? row.id ?? noGroup;
}

/**
 * A sorted copy. Missing values (a past day's gauges, no wait yet) go last in both
 * directions; ties keep name order, so the table does not jump around while figures move.
 */
export function sortRows<T extends Row>(rows: readonly T[], key: SortKey, dir: Direction,
                                        lang: Lang, noGroup: string): T[] {
  const collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });
  const byName = (a: T, b: T) =>
    collator.compare(rowName(a, noGroup), rowName(b, noGroup)) ||
    collator.compare(a.id ?? "", b.id ?? "");
  const sign = dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (key === "name") return sign * byName(a, b);
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x == null || y == null) return x == null && y == null ? byName(a, b) : x == null ? 1 : -1;
    return sign * (x - y) || byName(a, b);
  });
}

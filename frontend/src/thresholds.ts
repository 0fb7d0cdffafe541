// When a figure turns amber or red.
import type { Limit, LimitName, Limits, Thresholds } from "./types";

export type Level = "ok" | "amber" | "red";

/** Higher is worse, unless ``lowerIsWorse`` (the service level). */
export function level(value: number | null | undefined, limit: Limit, lowerIsWorse = false): Level {
  if (value == null) return "ok";
  const beyond = (edge: number | null) =>
    edge != null && (lowerIsWorse ? value < edge : value > edge);
  if (beyond(limit.red)) return "red";
  if (beyond(limit.amber)) return "amber";
  return "ok";
}

const OFF: Limit = { amber: null, red: null };

export const DEFAULT_THRESHOLDS: Thresholds = {
  avg_wait_s: { amber: 60, red: 180 },
  longest_wait_s: { amber: 120, red: 300 },
  in_queue: { amber: 5, red: 10 },
  sl_percent: { amber: 80, red: 60 },
  unserved_percent: OFF,
  abandoned_percent: OFF,
  rows: [],
};

export const LIMIT_NAMES: readonly LimitName[] = [
  "avg_wait_s", "longest_wait_s", "in_queue", "sl_percent", "unserved_percent",
  "abandoned_percent",
];

/** No thresholds at all: a row that is never flagged (the "No group" placeholder). */
export const NO_THRESHOLDS: Limits = Object.fromEntries(
  LIMIT_NAMES.map((name) => [name, OFF])) as unknown as Limits;

/** A row's limit as it applies: each edge it leaves empty is the account's. */
export function merged(own: Limit | null | undefined, account: Limit): Limit {
  return { amber: own?.amber ?? account.amber, red: own?.red ?? account.red };
}

/**
 * Each row's own limits: the account's, edge by edge replaced by the row's where it has
 * one. The same object for a row while the thresholds stay (the tables compare by identity).
 */
export function limitsByRow(t: Thresholds): (report: string, id: string | null) => Limits | null {
  const account: Limits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, t[n]])) as unknown as Limits;
  const own = new Map<string, Limits>();
  for (const row of t.rows ?? []) {
    own.set(`${row.report}:${row.id}`, Object.fromEntries(
      LIMIT_NAMES.map((n) => [n, merged(row[n], t[n])])) as unknown as Limits);
  }
  return (report, id) => (report === "group" && id === null ? null
    : own.get(`${report}:${id ?? ""}`) ?? account);
}

/** The share of today's closed conversations that went unserved, and that were abandoned
 * (unassigned), in percent; null with none closed. */
export function closedShares(f: { served: number; unserved: { total: number; unassigned: number } }
): { unserved: number | null; abandoned: number | null } {
  const closed = f.served + f.unserved.total;
  return closed ? { unserved: (100 * f.unserved.total) / closed,
                    abandoned: (100 * f.unserved.unassigned) / closed }
    : { unserved: null, abandoned: null };
}

/** The worse of two levels. */
export function worse(a: Level, b: Level): Level {
  const rank = { ok: 0, amber: 1, red: 2 };
  return rank[a] >= rank[b] ? a : b;
}

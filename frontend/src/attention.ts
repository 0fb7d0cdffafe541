// Which rows need attention now: those with a figure over its threshold, worst first. The
// wall screen's strip lists them, a screen reader hears the ones that just turned red, and the
// tables can be sorted by the same severity.
import { serviceLevel } from "./format";
import { type Level, closedShares, level } from "./thresholds";
import type { Figures, Limit, Limits } from "./types";

export type Watched = "in_queue" | "longest_wait_s" | "avg_wait_s" | "sl" | "unserved_share" |
  "abandoned_share";

export interface Breach {
  figure: Watched;
  level: Exclude<Level, "ok">;
  value: number;  // as shown: seconds, a count, or the service level in percent
  limit: number;  // the edge it crossed
}

export interface Attention {
  key: string;  // report:id
  report: "total" | "channel" | "group";
  id: string | null;
  name: string;
  level: Exclude<Level, "ok">;
  breaches: Breach[];  // worst first
  severity: number;
}

type Watch = [Watched, (f: Figures) => number | null, (t: Limits) => Limit, boolean];

const WATCHED: Watch[] = [
  ["longest_wait_s", (f) => f.longest_wait_s, (t) => t.longest_wait_s, false],
  ["in_queue", (f) => f.in_queue, (t) => t.in_queue, false],
  ["avg_wait_s", (f) => f.avg_wait_s, (t) => t.avg_wait_s, false],
  ["sl", (f) => { const sl = serviceLevel(f); return sl == null ? null : sl * 100; },
   (t) => t.sl_percent, true],
  ["unserved_share", (f) => closedShares(f).unserved, (t) => t.unserved_percent, false],
  ["abandoned_share", (f) => closedShares(f).abandoned, (t) => t.abandoned_percent, false],
];

/**
 * How bad a breach is: red before amber, then how far past its edge (twice the limit, or
 * half the service level asked for, weighs the same); capped so that one absurd value does
 * not hide every other row.
 */
export function severity(b: Breach, lowerIsWorse: boolean): number {
  const past = lowerIsWorse ? b.limit / Math.max(b.value, b.limit / 10)
    : b.value / Math.max(b.limit, 1e-9);
  return (b.level === "red" ? 10 : 0) + Math.min(9.99, past);
}

/** The breaches of one row's figures against its thresholds, worst first. */
export function breaches(figures: Figures, thresholds: Limits): Breach[] {
  const out: [Breach, number][] = [];
  for (const [figure, read, limitOf, lowerIsWorse] of WATCHED) {
    const value = read(figures);
    const limit = limitOf(thresholds);
    const lvl = level(value, limit, lowerIsWorse);
    if (lvl === "ok" || value == null) continue;
    const edge = (lvl === "red" ? limit.red : limit.amber) as number;
    const b: Breach = { figure, level: lvl, value, limit: edge };
    out.push([b, severity(b, lowerIsWorse)]);
  }
  return out.sort((a, b) => b[1] - a[1]).map(([b]) => b);
}

export interface Watchable extends Figures { id: string | null; name: string | null }

/**
 * Every row over a threshold, worst first. ``thresholdsFor`` gives a row's own thresholds
 * (null: the row is never flagged, as the "No group" placeholder).
 */
export function attention(
  rows: { report: "total" | "channel" | "group"; row: Watchable; name: string }[],
  thresholdsFor: (report: string, id: string | null) => Limits | null,
): Attention[] {
  const out: Attention[] = [];
  for (const { report, row, name } of rows) {
    const limits = thresholdsFor(report, row.id);
    if (!limits) continue;
    const found = breaches(row, limits);
    if (found.length === 0) continue;
    const lowerIsWorse = found[0].figure === "sl";  // the only figure where it is
    out.push({ key: `${report}:${row.id ?? ""}`, report, id: row.id, name,
               level: found.some((b) => b.level === "red") ? "red" : "amber",
               breaches: found, severity: severity(found[0], lowerIsWorse) });
  }
  return out.sort((a, b) => b.severity - a.severity || a.name.localeCompare(b.name));
}

/** The rows red now that were not red before: what a screen reader is told. */
export function newlyRed(before: readonly Attention[], now: readonly Attention[]): Attention[] {
  const was = new Set(before.filter((a) => a.level === "red").map((a) => a.key));
  return now.filter((a) => a.level === "red" && !was.has(a.key));
}

// When a figure turns amber or red.
import type { Limit, Thresholds } from "./types";

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

export const DEFAULT_THRESHOLDS: Thresholds = {
  avg_wait_s: { amber: 60, red: 180 },
  longest_wait_s: { amber: 120, red: 300 },
  in_queue: { amber: 5, red: 10 },
  sl_percent: { amber: 80, red: 60 },
};

/** No thresholds at all: a row that is never flagged (the "No group" placeholder). */
export const NO_THRESHOLDS: Thresholds = {
  avg_wait_s: { amber: null, red: null },
  longest_wait_s: { amber: null, red: null },
  in_queue: { amber: null, red: null },
  sl_percent: { amber: null, red: null },
};

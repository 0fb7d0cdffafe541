// The API's shapes (METRICS.md section 6 and docs/api.md); a row's figures are generated from
// the registry (src/wallboard/figures.py).
import type { Figures, Unserved } from "./generated/figures";

export type { Figures, Unserved };

export interface Row extends Figures {
  id: string | null;
  name: string | null;
  kind?: string;
  topics?: Record<string, number>;
}

export interface Snapshot {
  account: string;
  timezone: string;
  date: string;
  as_of: string;
  sl_threshold_s: number;
  total: Figures & { topics: Record<string, number> };
  channels: Row[];
  groups: Row[];
}

export interface Session {
  account: string;
  role: "view" | "admin";
  account_name: string | null;
  timezone: string;
  sl_threshold_s: number;
  expires_at: number;
}

export interface Limit { amber: number | null; red: number | null }
export interface Thresholds {
  avg_wait_s: Limit;
  longest_wait_s: Limit;
  in_queue: Limit;
  sl_percent: Limit;
}

export interface RowChart {
  report: "total" | "channel" | "group";
  id: string | null;
  arrived: number[];
  in_queue: (number | null)[];
  avg_wait_s: (number | null)[];
}

export interface DayCharts { date: string; starts: string[]; current: number | null; rows: RowChart[] }

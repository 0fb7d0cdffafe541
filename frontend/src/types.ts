// The API's shapes (METRICS.md section 6 and docs/api.md); a row's figures are generated from
// the registry (src/wallboard/figures.py).
import type { Figures, Unserved } from "./generated/figures";

export type { Figures, Unserved };

export interface Row extends Figures {
  id: string | null;
  name: string | null;
  kind?: string;
  topics?: Record<string, number>;
  staff?: RowStaffing;  // not in the snapshot: the staffing feed's row, joined on the screen
  // Not in the snapshot: how badly the row is over its thresholds (attention.ts), 0 when not
  severity?: number;
  level?: "ok" | "amber" | "red";
  risk?: RowAtRisk;  // not in the snapshot: the at_risk feed's row, joined on the screen
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
// The figures a threshold watches (docs/api.md, service/thresholds.py).
export interface Limits {
  avg_wait_s: Limit;
  longest_wait_s: Limit;
  in_queue: Limit;
  sl_percent: Limit;  // lower is worse
  unserved_percent: Limit;  // of today's closed conversations
  abandoned_percent: Limit;
}
export type LimitName = keyof Limits;
export type RowThresholds = {
  report: "channel" | "group";
  id: string;
  sl_threshold_s?: number | null;  // answered within this counts toward its service level
} & { [K in LimitName]: Limit | null };  // null: the account's
export interface Thresholds extends Limits { rows: RowThresholds[] }

export interface RowChart {
  report: "total" | "channel" | "group";
  id: string | null;
  arrived: number[];
  in_queue: (number | null)[];
  avg_wait_s: (number | null)[];
  normal: (number | null)[];  // arrivals normal for each bucket's local time; null: no history
  normal_low: (number | null)[];  // where nine ordinary days in ten fall (docs/normal.md)
  normal_high: (number | null)[];
}

export interface DayCharts { date: string; starts: string[]; current: number | null; rows: RowChart[] }

// Staffing and the operator list (GET /staffing, /operators, and the stream's feeds).
export interface Outlook {
  service_level: number;
  asa_s: number | null;
  p_abandon: number;
  p_wait: number;
}

export interface RowStaffing {
  report: "total" | "group";
  id: string | null;
  name: string | null;
  status: "ok" | "not_enough_data";
  reason: "few_arrivals" | "no_handle_time" | null;
  arrivals_per_hour: number;
  window_s: number;
  handle_s: number | null;
  handle_from: "recent" | "today" | "account" | null;
  patience_s: number | null;
  patience_from: "today" | "account" | null;
  chat_limit: number;
  operators: number;
  slots: number;
  needed: number | null;
  now: Outlook | null;
  with_needed: Outlook | null;
  in_queue: number;
  drain_s: number | null;
}

export interface Move {
  operator: string;
  name: string | null;
  groups: string[];
  to: string;
}

export interface Effect { group: string; before: Outlook; after: Outlook }

export interface Suggestion { to: string; moves: Move[]; effects: Effect[]; reaches_target: boolean }

export interface Staffing {
  account: string;
  as_of: string;
  target: number;
  sl_threshold_s: number;
  rows: RowStaffing[];
  suggestions: Suggestion[];
}

export interface HeldConversation {
  conversation: string;
  channel: string;
  group: string | null;
  held_s: number;  // ages in seconds, as of the list's as_of
  silent_s: number | null;
}

export interface OperatorInfo {
  id: string;
  name: string | null;
  status: "available" | "busy" | "away" | "offline";
  in_status_s: number | null;
  groups: string[];
  max_chats: number;
  in_work: number;
  free_slots: number;
  conversations: HeldConversation[];
}

export interface OperatorList {
  account: string;
  as_of: string;
  group: string | null;
  operators: OperatorInfo[];
}

// Now against normal (GET /trends, /topics/hot, and the stream's trends feed).
export type TrendStatus = "normal" | "surge" | "drop" | "not_enough_history";

export interface RowTrend {
  report: "total" | "channel" | "group";
  id: string | null;
  status: TrendStatus;
  arrived: number;  // the last 30 minutes
  expected: number | null;
  ratio: number | null;
  p: number | null;
  since: string | null;
  extra: number | null;
  since_ratio: number | null;
  weeks: number;
}

export interface Trends {
  account: string;
  as_of: string;
  window_minutes: number;
  weeks: string[];
  rows: RowTrend[];
}

export interface TopicNow {
  topic: string;
  count: number;
  share: number;
  usual_share: number | null;
  ratio: number | null;
  status: "rising" | "new" | "usual" | null;
}

export interface RowTopics {
  report: "total" | "channel" | "group";
  id: string | null;
  count: number;
  weeks: number;
  topics: TopicNow[];
}

export interface HotTopics { account: string; as_of: string; rows: RowTopics[] }

export interface TrendsFeed { trends: Trends; hot_topics: HotTopics }

export interface Campaign {
  id: string;
  name: string;
  start: string;  // RFC 3339
  end: string | null;
  rows: { report: "total" | "channel" | "group"; id: string | null }[];
}

export interface CampaignRowEffect {
  report: "total" | "channel" | "group";
  id: string | null;
  arrived: number;
  expected: number | null;  // null without two weeks of history
  uplift: number | null;
  uplift_low: number | null;  // the 90 % interval of the uplift
  uplift_high: number | null;
  ratio: number | null;
  avg_wait_s: number | null;
  normal_avg_wait_s: number | null;
  unserved: number;
  normal_unserved: number | null;
  unserved_share: number | null;
  normal_unserved_share: number | null;
  weeks: number;
}

export interface CampaignReport {
  account: string;
  campaign: Campaign;
  from: string;
  to: string;
  rows: CampaignRowEffect[];
}

export interface CampaignDraft {
  name: string;
  start: string;
  end: string | null;
  rows: Campaign["rows"];
}

// What is at risk now (GET /at-risk and the stream's at_risk feed).
export interface RowAtRisk {
  report: "total" | "channel" | "group";
  id: string | null;
  waiting_past_sl: number;
  sl_threshold_s: number;
  silent_in_work: number;
  longest_silence_s: number | null;
  full_operators: number;
}
export interface AtRisk { account: string; as_of: string; silent_after_s: number; rows: RowAtRisk[] }

// The conversations behind a figure (GET /explain).
export type ExplainedFigure = "arrived" | "served" | "unserved" | "unassigned" | "canceled" |
  "missed" | "wait_samples" | "answered_within_sl" | "in_queue" | "in_work";
export interface BehindItem {
  conversation: string;
  rule: "started" | "entered" | "served" | "unassigned" | "canceled" | "missed" | "wait" |
    "waiting" | "in_work";
  text: string;
  at: string;
  channel: string;
  group: string | null;
  start: string;
  close: string | null;
  operator: string | null;
  seconds: number | null;
  answered: boolean | null;
  visitor_wrote: boolean;
  events: string;
}
export interface FigureBehind {
  account: string;
  figure: ExplainedFigure;
  report: "total" | "channel" | "group";
  id: string | null;
  date: string;
  total: number;
  offset: number;
  items: BehindItem[];
}

// Alerts: the rules an admin sets, the alerts they raise, and where they were delivered.
export type RowReport = "total" | "channel" | "group";
export interface AlertFigure {
  name: string;
  en: string;
  ru: string;
  unit: "count" | "seconds" | "percent" | "share" | "minutes";
  channels_only: boolean;
}
export interface QuietHours { start: string; end: string }  // "HH:MM", the account's clock
export interface AlertRuleDraft {
  name: string;
  figure: string;
  comparison: "above" | "below";
  threshold: number;
  clear?: number | null;
  hold_s: number;
  rows: { report: RowReport; id: string | null }[];
  quiet: QuietHours[];
  enabled?: boolean;
  webhook?: { url: string; secret: string | null } | null;  // the secret is never shown back
  telegram?: { chat_id: string; bot_token: string | null } | null;
  language?: "en" | "ru";
}
export interface AlertRule extends AlertRuleDraft { id: string }
export interface Alert {
  id: string;
  rule: string;
  name: string;
  figure: string;
  comparison: "above" | "below";
  threshold: number;
  report: RowReport;
  row: string | null;
  fired_at: string;
  fired_ms: number;
  value: number | null;
  resolved_at: string | null;
  resolved_value: number | null;
  resolved_why: "back" | "rule_changed" | null;
  acked_at: string | null;
  acked_by: string | null;
}
export interface OpenAlerts { account: string; open: Alert[] }
export interface AlertPage { account: string; alerts: Alert[]; next_before: number | null }
export interface Delivery {
  id: string;
  alert: string;
  event: "firing" | "resolved";
  kind: "webhook" | "telegram";
  to: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
}

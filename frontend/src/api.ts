// Talking to the service: JSON requests with the session cookie, and the live stream.
import type {
  Alert, AlertFigure, AlertPage, AlertRule, AlertRuleDraft, Delivery, OpenAlerts,
  AtRisk, Campaign, CampaignDraft, CampaignReport, FigureBehind, DayCharts, OperatorList, Session, Snapshot, Staffing,
  Thresholds, TrendsFeed,
} from "./types";

export class HttpError extends Error {
  constructor(public status: number, message: string, public field: string | null = null,
              public code: string | null = null) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const reply = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!reply.ok) {
    let message = reply.statusText;
    let field: string | null = null;
    let code: string | null = null;
    try {
      const detail = (await reply.json()).error;
      message = detail.message;
      field = detail.field;
      code = detail.code;
    } catch {
      // not our error shape: keep the status text
    }
    throw new HttpError(reply.status, message, field, code);
  }
  return reply.status === 204 ? (undefined as T) : ((await reply.json()) as T);
}

export const api = {
  session: () => request<Session>("GET", "/api/v1/session"),
  signIn: (credentials: { token: string } | { code: string }) =>
    request<Session>("POST", "/api/v1/session", credentials),
  signOut: () => request<void>("DELETE", "/api/v1/session"),
  snapshot: (account: string, date: string) =>
    request<Snapshot>("GET", `/api/v1/accounts/${enc(account)}/snapshot?date=${date}`),
  charts: (account: string, date: string) =>
    request<DayCharts>("GET", `/api/v1/accounts/${enc(account)}/series/rows?date=${date}`),
  thresholds: (account: string) =>
    request<Thresholds>("GET", `/api/v1/accounts/${enc(account)}/thresholds`),
  explain: (account: string, query: string) =>
    request<FigureBehind>("GET", `/api/v1/accounts/${enc(account)}/explain?${query}`),
  campaigns: (account: string) =>
    request<Campaign[]>("GET", `/api/v1/accounts/${enc(account)}/campaigns`),
  createCampaign: (account: string, draft: CampaignDraft) =>
    request<Campaign>("POST", `/api/v1/accounts/${enc(account)}/campaigns`, draft),
  updateCampaign: (account: string, id: string, draft: CampaignDraft) =>
    request<Campaign>("PUT", `/api/v1/accounts/${enc(account)}/campaigns/${enc(id)}`, draft),
  deleteCampaign: (account: string, id: string) =>
    request<void>("DELETE", `/api/v1/accounts/${enc(account)}/campaigns/${enc(id)}`),
  campaignReport: (account: string, id: string) =>
    request<CampaignReport>("GET",
                            `/api/v1/accounts/${enc(account)}/campaigns/${enc(id)}/report`),
  openAlerts: (account: string) =>
    request<OpenAlerts>("GET", `/api/v1/accounts/${enc(account)}/alerts/open`),
  alertHistory: (account: string, limit = 50) =>
    request<AlertPage>("GET", `/api/v1/accounts/${enc(account)}/alerts?limit=${limit}`),
  acknowledge: (account: string, id: string) =>
    request<Alert>("POST", `/api/v1/accounts/${enc(account)}/alerts/${enc(id)}/ack`),
  alertFigures: () => request<AlertFigure[]>("GET", "/api/v1/alert-figures"),
  alertRules: (account: string) =>
    request<AlertRule[]>("GET", `/api/v1/accounts/${enc(account)}/alert-rules`),
  createAlertRule: (account: string, draft: AlertRuleDraft) =>
    request<AlertRule>("POST", `/api/v1/accounts/${enc(account)}/alert-rules`, draft),
  updateAlertRule: (account: string, id: string, draft: AlertRuleDraft) =>
    request<AlertRule>("PUT", `/api/v1/accounts/${enc(account)}/alert-rules/${enc(id)}`, draft),
  deleteAlertRule: (account: string, id: string) =>
    request<void>("DELETE", `/api/v1/accounts/${enc(account)}/alert-rules/${enc(id)}`),
  deliveries: (account: string) =>
    request<Delivery[]>("GET", `/api/v1/accounts/${enc(account)}/alert-deliveries?limit=50`),
  saveThresholds: (account: string, value: Thresholds) =>
    request<Thresholds>("PUT", `/api/v1/accounts/${enc(account)}/thresholds`, value),
};

function enc(value: string): string {
  return encodeURIComponent(value);
}

// stale: connected, but nothing heard for longer than the server's tick allows (a stalled
// proxy, a frozen server): the figures on screen are no longer live.
export type StreamState = "connecting" | "live" | "stale" | "reconnecting";

/** How long past a missed tick the page still calls itself live. */
export const TICK_GRACE_MS = 2000;
/** Silent this long past a missed tick, the stream is dropped and opened again. */
const REOPEN_AFTER_MS = 10_000;

/** What a stream delivers: every snapshot, and the operators and staffing when handled. */
export interface Feeds {
  snapshot: (s: Snapshot) => void;
  operators?: (list: OperatorList) => void;
  staffing?: (staffing: Staffing) => void;
  trends?: (feed: TrendsFeed) => void;
  at_risk?: (feed: AtRisk) => void;
  alerts?: (feed: OpenAlerts) => void;
}

/**
 * The account's feeds as they come. EventSource retries by itself after a dropped
 * connection; when the server refuses (an expired session), it gives up, so we check the
 * session and start again with a growing pause.
 */
export function openStream(account: string, feeds: Feeds,
                           onState: (s: StreamState) => void,
                           onSignedOut: () => void): () => void {
  let source: EventSource | null = null;
  let retry = 1000;
  let timer: number | undefined;
  let closed = false;
  let heard: number | null = null;  // when anything last came
  let every = 2000;  // the server's tick, as it says
  let state: StreamState = "connecting";
  const extras = (["operators", "staffing", "trends", "at_risk", "alerts"] as const)
    .filter((name) => feeds[name]);
  const query = extras.length ? `?include=${extras.join(",")}` : "";
  const say = (next: StreamState) => {
    if (next !== state) { state = next; onState(next); }
  };
  const alive = () => {
    heard = Date.now();
    retry = 1000;
    say("live");
  };
  // Silence past the tick: stale; long silence: the connection is dead though not closed.
  const watchdog = window.setInterval(() => {
    if (heard === null || !source) return;
    const silent = Date.now() - heard - every;
    if (silent > REOPEN_AFTER_MS) {
      source.close();
      heard = Date.now();  // the new stream gets as long again, and again if it hangs too
      connect();
    } else if (silent > TICK_GRACE_MS) {
      say("stale");
    }
  }, 250);

  const connect = () => {
    source = new EventSource(`/api/v1/accounts/${enc(account)}/stream${query}`);
    source.addEventListener("tick", (event) => {
      every = (JSON.parse((event as MessageEvent<string>).data) as { every_ms: number }).every_ms;
      alive();
    });
    source.addEventListener("snapshot", (event) => {
      alive();
      feeds.snapshot(JSON.parse((event as MessageEvent<string>).data) as Snapshot);
    });
    source.addEventListener("operators", (event) => {
      feeds.operators?.(JSON.parse((event as MessageEvent<string>).data) as OperatorList);
    });
    source.addEventListener("staffing", (event) => {
      feeds.staffing?.(JSON.parse((event as MessageEvent<string>).data) as Staffing);
    });
    source.addEventListener("at_risk", (event) => {
      feeds.at_risk?.(JSON.parse((event as MessageEvent<string>).data) as AtRisk);
    });
    source.addEventListener("alerts", (event) => {
      feeds.alerts?.(JSON.parse((event as MessageEvent<string>).data) as OpenAlerts);
    });
    source.addEventListener("trends", (event) => {
      feeds.trends?.(JSON.parse((event as MessageEvent<string>).data) as TrendsFeed);
    });
    source.onerror = () => {
      say("reconnecting");
      if (source && source.readyState === EventSource.CLOSED && !closed) {
        source = null;
        api.session().then(
          () => { timer = window.setTimeout(connect, retry); retry = Math.min(retry * 2, 15000); },
          (err: unknown) => {
            if (err instanceof HttpError && err.status === 401) onSignedOut();
            else { timer = window.setTimeout(connect, retry); retry = Math.min(retry * 2, 15000); }
          });
      }
    };
  };
  onState("connecting");
  connect();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    window.clearInterval(watchdog);
    source?.close();
  };
}

// The dashboard: live figures from the stream, day charts from the history API.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, HttpError, openStream, type StreamState } from "./api";
import { Campaigns, type RowChoice } from "./components/Campaigns";
import { arrived, beep, calling, titled } from "./alerts";
import { AlertBanner } from "./components/AlertBanner";
import { Alerts } from "./components/Alerts";
import { remember as keepPref, stored } from "./prefs";
import { type Attention, attention, newlyRed } from "./attention";
import { waitScale } from "./chartdata";
import { Header } from "./components/Header";
import { NeedsAttention } from "./components/NeedsAttention";
import { Wall } from "./components/Wall";
import { ExplainPanel } from "./components/ExplainPanel";
import { Explain, type ExplainTarget } from "./explain";
import { WaitsFrom } from "./clock";
import { Moves } from "./components/Moves";
import { Now } from "./components/Now";
import { campaignMarks } from "./now";
import { Operators } from "./components/Operators";
import { DayChart } from "./components/DayChart";
import { type Report, ReportTable, rowKey } from "./components/ReportTable";
import { ThresholdDialog } from "./components/ThresholdDialog";
import { Topics } from "./components/Topics";
import { Totals } from "./components/Totals";
import { useWords } from "./context";
import { formatClock, formatDay, localDate, shiftDate } from "./format";
import type { Lang } from "./i18n";
import type { Direction, SortKey } from "./sort";
import { DEFAULT_THRESHOLDS, limitsByRow } from "./thresholds";
import { staffByGroup } from "./staffing";
import type {
  Alert, AlertFigure, OpenAlerts, AtRisk, Campaign, DayCharts, OperatorList, Row, Session, Snapshot, Staffing, Thresholds, TrendsFeed,
} from "./types";

const CHARTS_REFRESH_MS = 60_000;
const BASE_TITLE = "Wallboard";
const SOUND_KEY = "wallboard.alert_sound";
const NOTIFY_KEY = "wallboard.alert_notify";

interface Props {
  tv: boolean;
  theme: string;
  onTheme: (theme: string) => void;
  onLang: (lang: Lang) => void;
}

function toSignIn() {
  location.replace(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
}

/**
 * Last week's day laid over this day's buckets by local time of day, not by position: a DST
 * day has 92 or 100 buckets, so positions drift by an hour after the change. A repeated
 * time (the fall-back hour) matches its same occurrence; a time the other day lacks is empty.
 */
export function alignWeek(week: DayCharts | null, day: DayCharts | null): DayCharts | null {
  if (!week || !day || week.starts.join() === day.starts.join()) return week;
  const where = new Map<string, number>();
  const seen = new Map<string, number>();
  week.starts.forEach((start, i) => {
    const n = seen.get(start) ?? 0;
    seen.set(start, n + 1);
    where.set(`${start}#${n}`, i);
  });
  seen.clear();
  const index = day.starts.map((start) => {
    const n = seen.get(start) ?? 0;
    seen.set(start, n + 1);
    return where.get(`${start}#${n}`) ?? where.get(`${start}#0`);
  });
  const pick = <T,>(values: T[], empty: T) => index.map((i) => (i === undefined ? empty : values[i]));
  return {
    ...week,
    starts: day.starts,
    rows: week.rows.map((row) => ({
      ...row,
      arrived: pick(row.arrived, 0),
      in_queue: pick(row.in_queue, null),
      avg_wait_s: pick(row.avg_wait_s, null),
      normal: pick(row.normal, null),
      normal_low: pick(row.normal_low, null),
      normal_high: pick(row.normal_high, null),
    })),
  };
}

function sparkMap(charts: DayCharts | null): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const row of charts?.rows ?? []) {
    const upTo = charts?.current == null ? undefined : charts.current + 1;
    if (row.report !== "total") map.set(rowKey(row.report, row.id), row.arrived.slice(0, upTo));
  }
  return map;
}

/** A day with nothing received: no arrival, close or wait in any row (it says "no data"
 * rather than a screen of zeros). */
function emptyDay(snapshot: Snapshot): boolean {
  const t = snapshot.total;
  return t.arrived === 0 && t.served === 0 && t.unserved.total === 0 && t.wait_samples === 0 &&
    Object.keys(t.topics).length === 0;
}

export function App({ tv, theme, onTheme, onLang }: Props) {
  const { lang, t } = useWords();
  const [session, setSession] = useState<Session | null>(null);
  const [live, setLive] = useState<Snapshot | null>(null);
  const [stream, setStream] = useState<StreamState>("connecting");
  const [lastUpdate, setLastUpdate] = useState<number | null>(null);
  const [day, setDay] = useState<string | null>(null);
  const [refused, setRefused] = useState<string | null>(null);  // a future day asked for
  const [past, setPast] = useState<Snapshot | null>(null);
  const [charts, setCharts] = useState<DayCharts | null>(null);
  const [chartsWeek, setChartsWeek] = useState<DayCharts | null>(null);
  const [thresholds, setThresholds] = useState<Thresholds>(DEFAULT_THRESHOLDS);
  const [tab, setTab] = useState<Report>("channel");
  const [sorts, setSorts] = useState<Record<Report, { key: SortKey; dir: Direction }>>({
    // A wall screen shows the worst rows first; on a desk, by name until asked otherwise.
    channel: tv ? { key: "severity", dir: "desc" } : { key: "name", dir: "asc" },
    group: tv ? { key: "severity", dir: "desc" } : { key: "name", dir: "asc" },
  });
  const [editing, setEditing] = useState(false);
  const [operators, setOperators] = useState<OperatorList | null>(null);
  const [operatorsAt, setOperatorsAt] = useState(0);  // when the list came
  const [staffing, setStaffing] = useState<Staffing | null>(null);
  const [trendsFeed, setTrendsFeed] = useState<TrendsFeed | null>(null);
  const [atRisk, setAtRisk] = useState<AtRisk | null>(null);
  const [explaining, setExplaining] = useState<ExplainTarget | null>(null);
  // What opened a panel or dialog gets the focus back when it closes.
  const opener = useRef<HTMLElement | null>(null);
  const remember = () => { opener.current = document.activeElement as HTMLElement | null; };
  const giveBack = () => { opener.current?.focus(); opener.current = null; };
  const openExplain = useCallback((target: ExplainTarget) => {
    opener.current = document.activeElement as HTMLElement | null;
    setExplaining(target);
  }, []);
  const [campaigns, setCampaigns] = useState<Campaign[]>([]);
  const [openAlerts, setOpenAlerts] = useState<OpenAlerts | null>(null);
  const [alertFigures, setAlertFigures] = useState<AlertFigure[]>([]);
  const [sound, setSound] = useState(stored(SOUND_KEY) === "on");
  const [notify, setNotify] = useState(stored(NOTIFY_KEY) === "on" &&
                                       "Notification" in window &&
                                       Notification.permission === "granted");
  const [chartRow, setChartRow] = useState("total:");  // report:id of the row charted
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.session().then(setSession, (err: unknown) => {
      if (err instanceof HttpError && err.status === 401) toSignIn();
      else setError(String(err));
    });
  }, []);

  const account = session?.account;
  useEffect(() => {
    if (!account) return;
    api.thresholds(account).then(setThresholds, () => undefined);
    api.alertFigures().then(setAlertFigures, () => undefined);
    return openStream(account, {
      snapshot: (snapshot) => { setLive(snapshot); setLastUpdate(Date.now()); },
      operators: (list) => { setOperators(list); setOperatorsAt(Date.now()); },
      staffing: setStaffing,
      trends: setTrendsFeed,
      at_risk: setAtRisk,
      alerts: setOpenAlerts,
    }, setStream, toSignIn);
  }, [account]);

  const today = live?.date ?? (session ? localDate(new Date(), session.timezone) : "");
  const shown = day ?? today;

  useEffect(() => {
    if (!account || !shown) return;
    let stop = false;
    const load = () => {
      api.charts(account, shown).then((c) => !stop && setCharts(c), () => undefined);
      api.campaigns(account).then((c) => !stop && setCampaigns(c), () => undefined);
    };
    load();
    api.charts(account, shiftDate(shown, -7)).then((c) => !stop && setChartsWeek(c),
                                                   () => undefined);
    const timer = day ? undefined : window.setInterval(load, CHARTS_REFRESH_MS);
    return () => { stop = true; window.clearInterval(timer); };
  }, [account, shown]);

  useEffect(() => {
    setPast(null);
    if (!account || !day) return;
    let stale = false;  // another day picked meanwhile: its reply must not land here
    api.snapshot(account, day).then((snapshot) => !stale && setPast(snapshot),
                                    (err: unknown) => !stale && setError(String(err)));
    return () => { stale = true; };
  }, [account, day]);


  const sparks = useMemo(() => sparkMap(charts), [charts]);
  const weekAligned = useMemo(() => alignWeek(chartsWeek, charts), [chartsWeek, charts]);
  const sparksWeek = useMemo(() => sparkMap(weekAligned), [weekAligned]);
  // Buckets after now are ahead, not empty: they are left out of today's lines.
  const chartKey = (r: { report: string; id: string | null }) => `${r.report}:${r.id ?? ""}`;
  const totalToday = useMemo(() => {
    const upTo = charts?.current == null ? undefined : charts.current + 1;
    const row = charts?.rows.find((r) => chartKey(r) === chartRow) ??
      charts?.rows.find((r) => r.report === "total");
    return row && {
      arrived: row.arrived.slice(0, upTo), in_queue: row.in_queue.slice(0, upTo),
      avg_wait_s: row.avg_wait_s.slice(0, upTo),
      normal: row.normal,  // the whole day: what is normal later too
      band: { low: row.normal_low, high: row.normal_high },
    };
  }, [charts, chartRow]);
  const totalWeek = weekAligned?.rows.find((r) => chartKey(r) === chartRow) ??
    weekAligned?.rows.find((r) => r.report === "total");
  // One scale for both days' waits, so that they compare.
  const waits = useMemo(() => waitScale([...(totalToday?.avg_wait_s ?? []),
                                         ...(totalWeek?.avg_wait_s ?? [])]),
                        [totalToday, totalWeek]);
  // The campaigns aimed at the charted row (or at every row).
  const marks = useMemo(() => (charts && session ? campaignMarks(
    campaigns.filter((c) => chartRow === "total:" || c.rows.length === 0 ||
                     c.rows.some((r) => chartKey(r) === chartRow)),
    charts.date, charts.starts, session.timezone) : undefined), [campaigns, chartRow, charts,
                                                                 session]);
  // The rows over a threshold, worst first (the null group, a placeholder, never is).
  const thresholdsFor = useMemo(() => limitsByRow(thresholds), [thresholds]);
  const accountLimits = useMemo(() => thresholdsFor("total", null) ?? thresholds, [thresholdsFor]);
  const troubles = useMemo(() => (live ? attention([
    { report: "total" as const, row: { ...live.total, id: null, name: null }, name: t("total") },
    ...live.channels.map((c) => ({ report: "channel" as const, row: c, name: c.name ?? c.id ?? "" })),
    ...live.groups.map((g) => ({ report: "group" as const, row: g,
                                 name: g.name ?? g.id ?? t("no_group") })),
  ], thresholdsFor) : []), [live, thresholdsFor, t]);
  const wereRed = useRef<Attention[] | null>(null);
  const [announce, setAnnounce] = useState("");
  useEffect(() => {
    if (wereRed.current !== null) {
      const turned = newlyRed(wereRed.current, troubles);
      if (turned.length) setAnnounce(t("turned_red", { rows: turned.map((a) => a.name).join(", ") }));
    }
    wereRed.current = troubles;
  }, [troubles]);
  const staff = useMemo(() => staffByGroup(staffing), [staffing]);
  const severities = useMemo(() => new Map(troubles.map((a) => [a.key, a])), [troubles]);
  const risks = useMemo(() => new Map((atRisk?.rows ?? []).map((r) => [
    `${r.report}:${r.id ?? ""}`, r])), [atRisk]);
  const rated = <T extends Row>(report: string, row: T): T => {
    const key = `${report}:${row.id ?? ""}`;
    const found = severities.get(key);
    const risk = risks.get(key);
    const joined = risk ? { ...row, risk } : row;
    return found ? { ...joined, severity: found.severity, level: found.level } : joined;
  };
  const liveGroups = useMemo(() => (live?.groups ?? []).map((g) => {
    const row = g.id == null ? undefined : staff.get(g.id);
    return rated("group", row ? { ...g, staff: row } : g);
  }), [live, staff, severities, risks]);
  const liveChannels = useMemo(() => (live?.channels ?? []).map((c) => rated("channel", c)),
                               [live, severities, risks]);
  const rowNames = useMemo(() => new Map<string, string>([
    ...(live?.channels ?? []).map((c) => [`channel:${c.id}`, c.name ?? c.id ?? ""] as const),
    ...(live?.groups ?? []).filter((g) => g.id != null)
      .map((g) => [`group:${g.id}`, g.name ?? g.id ?? ""] as const),
  ]), [live]);
  const campaignRows = useMemo((): RowChoice[] => [
    ...(live?.channels ?? []).map((c) => ({ report: "channel" as const, id: c.id,
                                            name: c.name ?? c.id ?? "" })),
    ...(live?.groups ?? []).filter((g) => g.id != null)
      .map((g) => ({ report: "group" as const, id: g.id, name: g.name ?? g.id ?? "" })),
  ], [live]);
  const reloadCampaigns = () => {
    if (account) api.campaigns(account).then(setCampaigns, () => undefined);
  };
  // Alerts calling for attention: in the banner, counted in the tab's title, and (when this
  // browser was asked to) sounded and notified once each as they arrive.
  const callingNow = useMemo(() => calling(openAlerts?.open ?? []), [openAlerts]);
  const figuresByName = useMemo(() => new Map(alertFigures.map((f) => [f.name, f])),
                                [alertFigures]);
  const heardAlerts = useRef<Set<string> | null>(null);
  useEffect(() => {
    document.title = titled(BASE_TITLE, callingNow.length);
    if (openAlerts === null) return;
    const fresh = arrived(heardAlerts.current, callingNow);
    heardAlerts.current = new Set([...(heardAlerts.current ?? []), ...callingNow.map((a) => a.id)]);
    if (fresh.length === 0) return;
    if (sound) beep();
    if (notify && "Notification" in window && Notification.permission === "granted") {
      for (const a of fresh) new Notification(t("alert_notification", { name: a.name }));
    }
  }, [callingNow]);
  const acknowledge = (alert: Alert) => {
    if (!account) return;
    api.acknowledge(account, alert.id).then((done) => setOpenAlerts((current) => current && {
      ...current, open: current.open.map((a) => (a.id === done.id ? done : a)),
    }), (err: unknown) => setError(String(err)));
  };
  const chooseSound = (on: boolean) => { setSound(on); keepPref(SOUND_KEY, on ? "on" : "off"); };
  const chooseNotify = (on: boolean) => {
    if (!on || !("Notification" in window)) {
      setNotify(false);
      keepPref(NOTIFY_KEY, "off");
      return;
    }
    void Notification.requestPermission().then((answer) => {
      setNotify(answer === "granted");
      keepPref(NOTIFY_KEY, answer === "granted" ? "on" : "off");
    });
  };
  const alertsState = (openAlerts?.open ?? []).map((a) => `${a.id}${a.acked_at ? "+" : ""}`)
    .join(",");
  const banner = account && (
    <AlertBanner alerts={callingNow} figures={figuresByName} names={rowNames}
                 timezone={session?.timezone ?? "UTC"} onAck={acknowledge} limit={tv ? 3 : 4} />
  );

  const groupNames = useMemo(() => new Map((live?.groups ?? []).filter((g) => g.id != null)
    .map((g) => [g.id as string, g.name ?? (g.id as string)])), [live]);

  // The arrivals of the row charted against its normal: on the desk and on the wall.
  const withNormal = totalToday?.normal.some((v) => v != null);
  const arrivalsChart = charts && (
    <DayChart title={t("arrivals_chart")} starts={charts.starts} theme={theme}
              today={totalToday?.arrived ?? []} lastWeek={totalWeek?.arrived}
              normal={withNormal ? totalToday?.normal : undefined}
              band={withNormal ? totalToday?.band : undefined}
              marks={marks} current={charts.current} />
  );

  if (error) return <p class="error" role="alert">{t("error", { message: error })}</p>;
  if (!session) return <p class="loading">{t("loading")}</p>;
  // A day not yet begun on the account's clock has no figures: refused, not shown as zeros.
  const chooseDay = (value: string | null) => {
    if (value !== null && value > today) { setRefused(value); return; }
    setRefused(null);
    setDay(value);
  };
  const snapshot = day ? past : live;
  const showingLive = !day;
  // Connected but silent, or the connection lost: the figures are greyed and say since when.
  const notLive = showingLive && (stream === "stale" || stream === "reconnecting");
  // While live, the longest waits keep counting between pushes.
  const waitsFrom = showingLive && stream === "live" ? lastUpdate : null;

  const sortBy = (key: SortKey) => {
    const current = sorts[tab];
    const dir: Direction = current.key === key
      ? (current.dir === "asc" ? "desc" : "asc")
      : (key === "name" ? "asc" : "desc");
    setSorts({ ...sorts, [tab]: { key, dir } });
  };

  const tabs: [Report, string][] = [["channel", t("channels")], ["group", t("groups")]];
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const next: Report = tab === "channel" ? "group" : "channel";
      setTab(next);
      document.getElementById(`tab-${next}`)?.focus();
      event.preventDefault();
    }
  };

  return (
    <WaitsFrom.Provider value={waitsFrom}>
    <Explain.Provider value={tv ? null : openExplain}>
    <div class={`dashboard${notLive ? " not-live" : ""}`}>
      <Header title={session.account_name ?? session.account} timezone={session.timezone}
              stream={stream} lastUpdate={lastUpdate} dataAt={live?.as_of ?? null}
              announce={announce} tv={tv} day={day} today={today}
              onDay={chooseDay} onLang={onLang} theme={theme} onTheme={onTheme}
              admin={session.role === "admin"}
              onThresholds={() => { remember(); setEditing(true); }}
              onSignOut={() => api.signOut().finally(toSignIn)} />
      {banner}
      {day && <p class="past-note" role="note">{t("past_day", { date: formatDay(day, lang) })}</p>}
      {refused && <p class="error" role="alert">{t("future_day", { date: formatDay(refused, lang) })}</p>}
      {notLive && live && (
        <p class="stale-banner" role="alert">
          {t("stale_banner", { at: formatClock(new Date(live.as_of), session.timezone, lang) })}
        </p>
      )}
      {!snapshot ? <p class="loading">{t("loading")}</p> : day && emptyDay(snapshot) ? (
        <p class="no-data" role="status">{t("no_data_day", { date: formatDay(day, lang) })}</p>
      ) : tv && live ? (
        <Wall
          totals={<Totals total={live.total} thresholds={accountLimits} live />}
          attention={<NeedsAttention rows={troubles} limit={6} />}
          channels={<ReportTable report="channel" rows={liveChannels} limitsFor={thresholdsFor} live
                                 sort={sorts.channel} sparks={sparks} sparksWeek={sparksWeek}
                                 wall />}
          groups={<ReportTable report="group" rows={liveGroups} limitsFor={thresholdsFor} live
                               sort={sorts.group} sparks={sparks} sparksWeek={sparksWeek} wall />}
          side={<>
            {arrivalsChart}
            {trendsFeed && <Now feed={trendsFeed} names={rowNames} />}
            <Topics total={live.total.topics} groups={[]} top={5} />
            {staffing && <Moves staffing={staffing} names={groupNames} />}
          </>} />
      ) : (
        <main>
          <Totals total={snapshot.total} thresholds={accountLimits} live={showingLive} day={day} />
          {showingLive && <NeedsAttention rows={troubles} limit={tv ? 6 : 8} />}
          {charts && (
            <div class="chart-row">
              <label>{t("chart_row")}{" "}
                <select value={chartRow}
                        onChange={(e) => setChartRow((e.target as HTMLSelectElement).value)}>
                  <option value="total:">{t("total")}</option>
                  {(live?.channels ?? []).map((c) => (
                    <option key={c.id} value={`channel:${c.id}`}>{c.name ?? c.id}</option>))}
                  {(live?.groups ?? []).map((g) => (
                    <option key={g.id ?? ""} value={`group:${g.id ?? ""}`}>
                      {g.name ?? g.id ?? t("no_group")}</option>))}
                </select>
              </label>
            </div>
          )}
          {charts && (
            <section class="charts" aria-label={rowNames.get(chartRow) ?? t("total")}>
              {arrivalsChart}
              <DayChart title={t("queue_chart")} starts={charts.starts} theme={theme}
                        today={totalToday?.in_queue ?? []} lastWeek={totalWeek?.in_queue}
                        current={charts.current} />
              <DayChart title={t("wait_chart", { unit: t(waits.unit === "min" ? "unit_min" : "unit_s") })}
                        starts={charts.starts} theme={theme} scale={waits}
                        today={totalToday?.avg_wait_s ?? []} lastWeek={totalWeek?.avg_wait_s}
                        current={charts.current} />
            </section>
          )}
          <div class="columns">
            <section class="panel reports">
              <div role="tablist" aria-label={`${t("channels")} / ${t("groups")}`} class="tabs"
                   onKeyDown={onTabKey}>
                {tabs.map(([id, label]) => (
                  <button key={id} id={`tab-${id}`} type="button" role="tab"
                          aria-selected={tab === id} aria-controls={`panel-${id}`}
                          tabIndex={tab === id ? 0 : -1} onClick={() => setTab(id)}>
                    {label}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
                <ReportTable report={tab}
                             rows={tab === "channel" ? (showingLive ? liveChannels : snapshot.channels)
                               : showingLive ? liveGroups : snapshot.groups}
                             limitsFor={thresholdsFor} live={showingLive} sort={sorts[tab]}
                             onSort={tv ? undefined : sortBy} sparks={sparks} sparksWeek={sparksWeek} />
              </div>
            </section>
            <Topics total={snapshot.total.topics} groups={snapshot.groups} day={day} />
          </div>
          {showingLive && trendsFeed && <Now feed={trendsFeed} names={rowNames} />}
          {!tv && account && (
            <Campaigns account={account} timezone={session.timezone}
                       admin={session.role === "admin"} campaigns={campaigns}
                       rows={campaignRows} onChanged={reloadCampaigns} />
          )}
          {!tv && account && (
            <Alerts account={account} timezone={session.timezone} admin={session.role === "admin"}
                    figures={alertFigures} names={rowNames} rows={campaignRows}
                    changed={alertsState} sound={sound} notify={notify}
                    onSound={chooseSound} onNotify={chooseNotify} />
          )}
          {showingLive && (operators || staffing) && (
            <div class="columns people">
              {operators && (
                <Operators list={operators} receivedAt={operatorsAt} tv={tv}
                           groups={[...groupNames].map(([id, name]) => ({ id, name }))} />
              )}
              {staffing && <Moves staffing={staffing} names={groupNames} />}
            </div>
          )}
        </main>
      )}
      {editing && account && (
        <ThresholdDialog account={account} value={thresholds} rows={campaignRows}
                         accountSl={session.sl_threshold_s}
                         onSaved={(value) => { setThresholds(value); setEditing(false); giveBack(); }}
                         onClose={() => { setEditing(false); giveBack(); }} />
      )}
      {explaining && account && (
        <ExplainPanel account={account} target={explaining} date={day}
                      onClose={() => { setExplaining(null); giveBack(); }} />
      )}
    </div>
    </Explain.Provider>
    </WaitsFrom.Provider>
  );
}

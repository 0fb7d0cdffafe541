// A report (Channels or Groups): a semantic table, sortable by any column from the keyboard.
import { useEffect, useRef, useState } from "preact/hooks";
import { grown, useSecond, useWaitsFrom } from "../clock";
import { useWords } from "../context";
import { NONE, formatCount, formatDuration, formatPercent, serviceLevel } from "../format";
import { kindName } from "../i18n";
import { change } from "../now";
import { type Direction, type SortKey, rowName, sortRows } from "../sort";
import { formatOperators, shortBy } from "../staffing";
import { type Level, NO_THRESHOLDS, closedShares, level, worse } from "../thresholds";
import type { ExplainedFigure, Limit, Limits, Row } from "../types";
import { type ExplainTarget, useExplain } from "../explain";
import { KindIcon, LevelMark } from "./Icons";
import { memo } from "../memo";
import { Sparkline } from "./Sparkline";

export type Report = "channel" | "group";

// live: only while live (gauges); desk: only at a desk, not on the wall screen, where the
// columns that lead to a decision keep the width.
interface Column { key: SortKey; label: string; live?: boolean; desk?: boolean }

interface Props {
  report: Report;
  rows: readonly Row[];
  // Each row's limits (its own over the account's); null: never flagged
  limitsFor: (report: string, id: string | null) => Limits | null;
  live: boolean;
  sort: { key: SortKey; dir: Direction };
  onSort?: (key: SortKey) => void;
  sparks: Map<string, number[]>;
  sparksWeek: Map<string, number[]>;
  wall?: boolean;  // the wall screen's columns
}

export const rowKey = (report: Report, id: string | null) => `${report}:${id ?? ""}`;

// Up to this many rows the table is rendered whole; beyond, only the rows in and near the
// window are (a browser spends half a second laying out 500 rows of a dozen cells).
const WHOLE_UP_TO = 120;
// Column widths by what the column holds (a fixed table layout takes them from the header).
const WIDTH: Partial<Record<SortKey, string>> = {
  longest_wait_s: "duration", avg_wait_s: "duration", unserved: "unserved", staff: "staff",
  severity: "status", sl: "percent", occupancy: "percent", served: "wide",
};
const OVERSCAN = 15;

/** The rows [start, end) worth rendering: those in the window, and a margin. */
function useWindow(body: { current: HTMLElement | null }, count: number
                   ): [number, number, number] {
  const [range, setRange] = useState<[number, number]>([0, Math.min(count, 60)]);
  // Measured from a rendered row, so that the gaps left for the others match it exactly.
  const [rowHeight, setRowHeight] = useState(48);
  useEffect(() => {
    if (count <= WHOLE_UP_TO) return;
    const update = () => {
      const element = body.current;
      if (!element) return;
      const row = element.querySelector("tr[data-row]");
      const h = row?.getBoundingClientRect().height || rowHeight;
      if (h !== rowHeight) setRowHeight(h);
      const top = element.getBoundingClientRect().top;
      // Clamped both ways: the table may be far below the window, or far above it.
      const start = Math.min(count, Math.max(0, Math.floor(-top / h) - OVERSCAN));
      const end = Math.max(start, Math.min(count, Math.ceil((window.innerHeight - top) / h)
                                                  + OVERSCAN));
      setRange((prev) => (prev[0] === start && prev[1] === end ? prev : [start, end]));
    };
    update();
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    return () => {
      window.removeEventListener("scroll", update);
      window.removeEventListener("resize", update);
    };
  }, [count, rowHeight]);
  return count <= WHOLE_UP_TO ? [0, count, rowHeight]
    : [range[0], Math.min(range[1], count), rowHeight];
}

export function ReportTable({ report, rows, limitsFor, live, sort, onSort, sparks, sparksWeek,
                             wall = false }: Props) {
  const { lang, t } = useWords();
  const columns: Column[] = [
    { key: "name", label: t("name") },
    { key: "severity", label: t("row_state"), live: true },
    { key: "in_queue", label: t("in_queue"), live: true },
    { key: "longest_wait_s", label: t("longest_wait_s"), live: true },
    { key: "in_work", label: t("in_work"), live: true, desk: true },
    { key: "arrived", label: t("arrived") },
    { key: "recent", label: t("recent"), live: true },
    { key: "served", label: t("served"), desk: true },
    { key: "unserved", label: t("unserved") },
    { key: "avg_wait_s", label: t("avg_wait_s") },
    { key: "sl", label: t("sl") },
    { key: "operators_available", label: t("operators_available"), live: true },
    { key: "slots_available", label: t("slots_available"), live: true },
    { key: "occupancy", label: t("occupancy"), live: true, desk: true },
    ...(report === "group" ? [{ key: "staff", label: t("staff"), live: true }] : []),
  ].filter((c) => (live || !c.live) && !(wall && c.desk)) as Column[];
  const sorted = sortRows(rows, sort.key, sort.dir, lang, t("no_group"));
  const body = useRef<HTMLTableSectionElement>(null);
  const [start, end, rowHeight] = useWindow(body, sorted.length);
  const height = (n: number) => `${n * rowHeight}px`;
  return (
    <table class="report" data-report={report} aria-rowcount={sorted.length + 1}>
      <caption class="sr-only">{t(report === "channel" ? "channels" : "groups")}</caption>
      <thead>
        <tr>
          {columns.map((c) => {
            const active = sort.key === c.key;
            const ariaSort = active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined;
            return (
              <th scope="col" aria-sort={ariaSort} key={c.key}
                  class={c.key === "name" ? "col-name" : `num col-${WIDTH[c.key] ?? "count"}`}>
                {onSort ? (
                  <button type="button" onClick={() => onSort(c.key)}
                          title={t("sort_by", { column: c.label })}>
                    {c.label}<span class="sort-mark" aria-hidden="true">
                      {active ? (sort.dir === "asc" ? " ↑" : " ↓") : ""}</span>
                  </button>
                ) : c.label}
              </th>
            );
          })}
          {!wall && <th scope="col" class="col-spark">{t(live ? "today_chart" : "that_day_chart")}</th>}
        </tr>
      </thead>
      <tbody ref={body}>
        {start > 0 && (
          <tr class="gap" aria-hidden="true">
            <td colSpan={columns.length + (wall ? 0 : 1)} style={{ height: height(start) }} />
          </tr>
        )}
        {sorted.slice(start, end).map((row, i) => {
          const key = rowKey(report, row.id);
          return (
            <RowView key={key} rowId={key} index={start + i + 2} row={row} report={report}
                     live={live} thresholds={limitsFor(report, row.id) ?? NO_THRESHOLDS}
                     lang={lang} today={sparks.get(key)} lastWeek={sparksWeek.get(key)}
                     wall={wall} />
          );
        })}
        {end < sorted.length && (
          <tr class="gap" aria-hidden="true">
            <td colSpan={columns.length + (wall ? 0 : 1)}
                style={{ height: height(sorted.length - end) }} />
          </tr>
        )}
      </tbody>
    </table>
  );
}

interface RowProps {
  rowId: string;
  index: number;
  row: Row;
  report: Report;
  live: boolean;
  thresholds: Limits;
  lang: string;
  today: number[] | undefined;
  lastWeek: number[] | undefined;
  wall: boolean;
}

/** A number that opens the conversations behind it (where the page lets it). */
export function Opens({ text, explain }: { text: string; explain?: ExplainTarget }) {
  const open = useExplain();
  const { t } = useWords();
  if (!open || !explain) return <>{text}</>;
  return (
    <button type="button" class="explain" onClick={() => open(explain)}
            aria-label={`${text}: ${t("explain_open", { label: explain.label })}`}>
      {text}
    </button>
  );
}

function Cell({ name, value, text, lvl = "ok", explain }: {
  name: string; value: number | null; text: string; lvl?: Level; explain?: ExplainTarget;
}) {
  return (
    <td class={`num level-${lvl}`} data-key={name} data-value={value ?? ""}>
      <Opens text={text} explain={explain} /><LevelMark level={lvl} />
    </td>
  );
}

/** The row's worst threshold level (sorts by severity), and what is about to go wrong in it:
 * conversations waiting past its service level, silent in work, and operators with no free
 * slot (late / silent / full). */
function AlertCell({ row }: { row: Row }) {
  const { lang, t } = useWords();
  const risk = row.risk;
  return (
    <td class={`status level-${row.level ?? "ok"}`} data-key="severity"
        data-value={row.severity ?? 0}
        title={risk ? t("risk_title", { sl: formatDuration(risk.sl_threshold_s, lang) }) : undefined}>
      <LevelMark level={row.level ?? "ok"} />
      {risk && (
        <span class="risk" data-late={risk.waiting_past_sl} data-silent={risk.silent_in_work}
              data-full={risk.full_operators}>
          {[risk.waiting_past_sl, risk.silent_in_work, risk.full_operators]
            .map((n) => formatCount(n, lang)).join("/")}
        </span>
      )}
    </td>
  );
}

/** The longest wait now, counting on between pushes while the figures are live. */
function WaitCell({ value, limit }: { value: number | null; limit: Limit }) {
  const { lang } = useWords();
  const now = useSecond();
  const from = useWaitsFrom();
  const shown = grown(value, from, now);
  return <Cell name="longest_wait_s" value={value} text={formatDuration(shown, lang)}
               lvl={level(shown, limit)} />;
}

/** Arrivals over the last 15 minutes, and which way they went against the 15 before. */
function RecentCell({ row }: { row: Row }) {
  const { lang, t } = useWords();
  const w = row.windows;
  if (!w) return <td class="num" data-key="recent" data-value="">{NONE}</td>;
  const now = w["15m"], hour = w["60m"];
  const way = change(now.arrived, now.previous.arrived);
  return (
    <td class="num" data-key="recent" data-value={now.arrived} data-change={way}
        title={t("recent_title", { before: formatCount(now.previous.arrived, lang),
                                   hour: formatCount(hour.arrived, lang),
                                   hour_before: formatCount(hour.previous.arrived, lang) })}>
      {formatCount(now.arrived, lang)}
      {way !== "same" && (
        <span class={`trend trend-${way}`}>
          <span aria-hidden="true">{way === "up" ? " ▲" : " ▼"}</span>
          <span class="sr-only">{t(way === "up" ? "trend_up" : "trend_down")}</span>
        </span>
      )}
    </td>
  );
}

function RowViewImpl({ rowId, index, row, report, live, thresholds, today, lastWeek,
                      wall }: RowProps) {
  const desk = !wall;
  const { lang, t } = useWords();
  const sl = serviceLevel(row);
  const u = row.unserved;
  const name = rowName(row, t("no_group"));
  const about = (figure: ExplainedFigure, label: string): ExplainTarget =>
    ({ figure, report, id: row.id, label: `${label}, ${name}` });
  // The unserved cell says the worse of the unserved and abandoned shares' levels.
  const shares = closedShares(row);
  const lost = worse(level(shares.unserved, thresholds.unserved_percent),
                     level(shares.abandoned, thresholds.abandoned_percent));
  return (
    <tr data-row={rowId} aria-rowindex={index}>
      <th scope="row" class="col-name">
        <span class="row-name">{name}</span>
        {desk && report === "channel" && row.kind && (
          <span class="kind"><KindIcon kind={row.kind} />{kindName(row.kind, lang)}</span>
        )}
      </th>
      {live && <AlertCell row={row} />}
      {live && <Cell name="in_queue" value={row.in_queue} text={formatCount(row.in_queue, lang)}
                     explain={about("in_queue", t("in_queue"))}
                     lvl={level(row.in_queue, thresholds.in_queue)} />}
      {live && <WaitCell value={row.longest_wait_s} limit={thresholds.longest_wait_s} />}
      {live && desk && <Cell name="in_work" value={row.in_work} text={formatCount(row.in_work, lang)}
                             explain={about("in_work", t("in_work"))} />}
      <Cell name="arrived" value={row.arrived} text={formatCount(row.arrived, lang)}
            explain={about("arrived", t("arrived"))} />
      {live && <RecentCell row={row} />}
      {desk && <Cell name="served" value={row.served} text={formatCount(row.served, lang)}
                     explain={about("served", t("served"))} />}
      <td class={`num level-${lost}`} data-key="unserved" data-value={u.total}
          title={`${t("unserved_breakdown", { u: u.unassigned, c: u.canceled, m: u.missed })}; ${
            t("shares_title", { unserved: formatPercent(shares.unserved == null ? null : shares.unserved / 100, lang),
                                abandoned: formatPercent(shares.abandoned == null ? null : shares.abandoned / 100, lang) })}`}>
        <Opens text={formatCount(u.total, lang)} explain={about("unserved", t("unserved"))} />
        <span class="breakdown" data-unserved={`${u.unassigned}/${u.canceled}/${u.missed}`}>
          {` ${u.unassigned}/${u.canceled}/${u.missed}`}</span>
        <LevelMark level={lost} />
      </td>
      <Cell name="avg_wait_s" value={row.avg_wait_s} text={formatDuration(row.avg_wait_s, lang)}
            explain={about("wait_samples", t("wait_samples"))}
            lvl={level(row.avg_wait_s, thresholds.avg_wait_s)} />
      <Cell name="sl" value={sl} text={formatPercent(sl, lang)}
            lvl={level(sl == null ? null : sl * 100, thresholds.sl_percent, true)} />
      {live && <Cell name="operators_available" value={row.operators_available}
                     text={formatCount(row.operators_available, lang)} />}
      {live && <Cell name="slots_available" value={row.slots_available}
                     text={formatCount(row.slots_available, lang)} />}
      {live && desk && <Cell name="occupancy" value={row.occupancy}
                     text={formatPercent(row.occupancy, lang)} />}
      {live && report === "group" && <StaffCell row={row} />}
      {desk && <td class="col-spark"><Sparkline today={today} lastWeek={lastWeek}
                                                label={`${t("arrived")}: ${name}`} /></td>}
    </tr>
  );
}

/** "needs / has": red when the group is short, the model's reasons in the title. */
function StaffCell({ row }: { row: Row }) {
  const { lang, t } = useWords();
  const staff = row.staff;
  const short = shortBy(staff);
  if (!staff || staff.needed == null) {
    return (
      <td class="num staff" data-key="staff" data-value=""
          title={staff?.reason ? t(`reason_${staff.reason}`) : undefined}>
        {staff ? t("staff_unknown") : NONE}
      </td>
    );
  }
  const has = formatOperators(staff.operators, lang);
  const lvl: Level = short != null && short > 0 ? "red" : "ok";
  return (
    <td class={`num staff level-${lvl}`} data-key="staff" data-value={short ?? ""}
        data-needed={staff.needed}
        title={t("staff_title", { needed: staff.needed, has,
                                  rate: formatCount(Math.round(staff.arrivals_per_hour), lang),
                                  handle: formatDuration(staff.handle_s, lang) })}>
      {t("staff_cell", { needed: staff.needed, has })}<LevelMark level={lvl} />
    </td>
  );
}

// Most rows do not change between two snapshots: compare their figures, not their objects.
const RowView = memo(RowViewImpl, (a, b) =>
  a.index === b.index && a.live === b.live && a.thresholds === b.thresholds && a.lang === b.lang &&
  a.today === b.today && a.lastWeek === b.lastWeek && a.wall === b.wall &&
  sameFigures(a.row, b.row));

function sameFigures(a: Row, b: Row): boolean {
  return a.in_queue === b.in_queue && a.in_work === b.in_work &&
    a.longest_wait_s === b.longest_wait_s && a.arrived === b.arrived && a.served === b.served &&
    a.unserved.total === b.unserved.total && a.unserved.unassigned === b.unserved.unassigned &&
    a.unserved.canceled === b.unserved.canceled && a.avg_wait_s === b.avg_wait_s &&
    a.wait_samples === b.wait_samples && a.answered_within_sl === b.answered_within_sl &&
    a.operators_available === b.operators_available && a.slots_available === b.slots_available &&
    a.occupancy === b.occupancy && a.staff === b.staff && a.name === b.name && a.kind === b.kind &&
    a.severity === b.severity && a.level === b.level && sameRecent(a, b) && a.risk === b.risk;
}

/** The last 15 minutes' cell reads these (a new windows object comes with every snapshot). */
function sameRecent(a: Row, b: Row): boolean {
  const x = a.windows, y = b.windows;
  if (!x || !y) return x === y;
  return x["15m"].arrived === y["15m"].arrived &&
    x["15m"].previous.arrived === y["15m"].previous.arrived &&
    x["60m"].arrived === y["60m"].arrived && x["60m"].previous.arrived === y["60m"].previous.arrived;
}

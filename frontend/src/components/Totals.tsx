// The strip of the account's totals, each with its threshold level.
import { grown, useSecond, useWaitsFrom } from "../clock";
import { useWords } from "../context";
import { formatCount, formatDay, formatDuration, formatPercent, serviceLevel } from "../format";
import { change } from "../now";
import { type Level, closedShares, level, worse } from "../thresholds";
import type { ExplainedFigure, Figures, Limits } from "../types";
import { Opens } from "./ReportTable";
import { LevelMark } from "./Icons";

interface Props {
  total: Figures;
  thresholds: Limits;  // the account's
  live: boolean;
  day?: string | null;  // a past day shown: its date is on the tiles
}

function Tile({ id, label, value, extra, lvl = "ok", figure }: {
  id: string; label: string; value: string; extra?: string; lvl?: Level;
  figure?: ExplainedFigure;  // the number opens the conversations behind it
}) {
  return (
    <div class={`tile level-${lvl}`} data-total={id}>
      <dt>{label}</dt>
      <dd><span class="tile-value">
        <Opens text={value} explain={figure && { figure, report: "total", id: null, label }} />
      </span><LevelMark level={lvl} />
        {extra && <span class="tile-extra">{extra}</span>}</dd>
    </div>
  );
}

export function Totals({ total, thresholds, live, day }: Props) {
  const { lang, t } = useWords();
  const now = useSecond();
  const longest = grown(total.longest_wait_s, useWaitsFrom(), now);
  const u = total.unserved;
  const shares = closedShares(total);
  const sl = serviceLevel(total);
  return (
    <>
    {day && <p class="tiles-day">{t("totals_on", { date: formatDay(day, lang) })}</p>}
    <dl class={`totals${day ? " past" : ""}`}
        aria-label={day ? t("totals_on", { date: formatDay(day, lang) }) : t("total")}
        data-day={day ?? undefined}>
      {live && <Tile id="in_queue" label={t("in_queue")} value={formatCount(total.in_queue, lang)}
                     figure="in_queue"
                     lvl={level(total.in_queue, thresholds.in_queue)} />}
      {live && <Tile id="in_work" label={t("in_work")} value={formatCount(total.in_work, lang)}
                     figure="in_work" />}
      {live && total.windows && (() => {
        const now = total.windows["15m"];
        const before = formatCount(now.previous.arrived, lang);
        const way = change(now.arrived, now.previous.arrived);
        return <Tile id="recent" label={t("recent")} value={formatCount(now.arrived, lang)}
                     extra={t(`recent_${way}`, { before })} />;
      })()}
      <Tile id="served" label={t("served")} value={formatCount(total.served, lang)}
            figure="served" />
      <Tile id="unserved" label={t("unserved")} value={formatCount(u.total, lang)}
            figure="unserved"
            lvl={worse(level(shares.unserved, thresholds.unserved_percent),
                       level(shares.abandoned, thresholds.abandoned_percent))}
            extra={t("unserved_breakdown", { u: formatCount(u.unassigned, lang),
                                              c: formatCount(u.canceled, lang),
                                              m: formatCount(u.missed, lang) })} />
      <Tile id="avg_wait_s" label={t("avg_wait_s")} value={formatDuration(total.avg_wait_s, lang)}
            figure="wait_samples"
            lvl={level(total.avg_wait_s, thresholds.avg_wait_s)} />
      {live && <Tile id="longest_wait_s" label={t("longest_wait_s")}
                     value={formatDuration(longest, lang)}
                     lvl={level(longest, thresholds.longest_wait_s)} />}
      <Tile id="sl" label={t("sl")} value={formatPercent(sl, lang)}
            lvl={level(sl == null ? null : sl * 100, thresholds.sl_percent, true)} />
      {live && <Tile id="operators_available" label={t("operators_available")}
                     value={formatCount(total.operators_available, lang)} />}
      {live && <Tile id="slots_available" label={t("slots_available")}
                     value={formatCount(total.slots_available, lang)} />}
    </dl>
    </>
  );
}

// The alerts calling for attention, at the top of every view, each with its acknowledgement:
// what fired, where, how much against what, and since when.
import { formatValue } from "../alerts";
import { useWords } from "../context";
import { formatClock } from "../format";
import type { Alert, AlertFigure } from "../types";

interface Props {
  alerts: readonly Alert[];  // calling: open, not acknowledged, newest first
  figures: ReadonlyMap<string, AlertFigure>;
  names: ReadonlyMap<string, string>;  // "channel:web" -> its name
  timezone: string;
  onAck: (alert: Alert) => void;
  limit?: number;
}

export function AlertBanner({ alerts, figures, names, timezone, onAck, limit = 4 }: Props) {
  const { lang, t } = useWords();
  const say = useAlertWords(figures, names);
  if (alerts.length === 0) return null;
  return (
    <section class="alert-banner" aria-labelledby="alert-banner-title" data-count={alerts.length}>
      <h2 id="alert-banner-title">{t("alerts_calling", { n: String(alerts.length) })}</h2>
      <ul role="list">
        {alerts.slice(0, limit).map((a) => (
          <li key={a.id} data-alert={a.id}>
            <span><strong>{a.name}</strong>{": "}{say(a)}{" · "}
              {t("alert_since", { at: formatClock(new Date(a.fired_at), timezone, lang) })}</span>
            <button type="button" class="primary" onClick={() => onAck(a)}
                    aria-label={`${t("alert_ack")}: ${a.name}`}>{t("alert_ack")}</button>
          </li>
        ))}
        {alerts.length > limit && (
          <li class="alert-rest">{t("attention_more", { n: String(alerts.length - limit) })}</li>
        )}
      </ul>
    </section>
  );
}

/** An alert in words: "channel Site chat: In queue 7 (above 5)". */
export function useAlertWords(figures: ReadonlyMap<string, AlertFigure>,
                              names: ReadonlyMap<string, string>) {
  const { lang, t } = useWords();
  return (a: Alert, value: number | null = a.value) => {
    const figure = figures.get(a.figure);
    const row = a.report === "total" ? t("total")
      : a.row === null ? t("no_group")
      : `${t(a.report === "channel" ? "alert_channel" : "alert_group")} ${names.get(`${a.report}:${a.row}`) ?? a.row}`;
    const label = figure ? figure[lang] : a.figure;
    return t(a.comparison === "above" ? "alert_above" : "alert_below", {
      row, figure: label, value: formatValue(value, figure?.unit, lang),
      limit: formatValue(a.threshold, figure?.unit, lang),
    });
  };
}

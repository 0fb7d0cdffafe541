// The top bar: account, its local date and time, freshness of the data, and the controls.
import { useEffect, useState } from "preact/hooks";
import type { StreamState } from "../api";
import { useWords } from "../context";
import { formatClock, formatDay, formatDuration } from "../format";
import { LANGS, type Lang } from "../i18n";

interface Props {
  title: string;
  timezone: string;
  stream: StreamState;
  lastUpdate: number | null;
  tv: boolean;
  day: string | null;
  today: string;
  onDay: (day: string | null) => void;
  onLang: (lang: Lang) => void;
  theme: string;
  onTheme: (theme: string) => void;
  admin: boolean;
  onThresholds: () => void;
  onSignOut: () => void;
}

export function Header(props: Props) {
  const { lang, t } = useWords();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const age = props.lastUpdate == null ? null : Math.max(0, (now - props.lastUpdate) / 1000);
  let freshness: string;
  let state: string;
  if (props.stream === "reconnecting") {
    freshness = t("reconnecting"); state = "reconnecting";
  } else if (age == null) {
    freshness = t("connecting"); state = "connecting";
  } else if (age > 30) {
    freshness = t("stale", { age: formatDuration(age, lang) }); state = "stale";
  } else {
    freshness = `${t("live")} · ${t("updated", { age: formatDuration(age, lang) })}`;
    state = "live";
  }
  return (
    <header class="top">
      <h1>{props.title}</h1>
      <div class="clock" title={t("local_time")}>
        <span class="clock-date">{formatDay(props.day ?? props.today, lang)}</span>
        {!props.day && <time class="clock-time">{formatClock(new Date(now), props.timezone, lang)}</time>}
      </div>
      <p class={`freshness freshness-${state}`} role="status" aria-live="polite" data-state={state}>
        <span class="dot" aria-hidden="true" />{freshness}
      </p>
      {!props.tv && (
        <div class="controls">
          <label>
            <span class="sr-only">{t("date")}</span>
            <input type="date" name="day" value={props.day ?? props.today} max={props.today}
                   onChange={(e) => {
                     const value = (e.target as HTMLInputElement).value;
                     props.onDay(!value || value === props.today ? null : value);
                   }} />
          </label>
          {props.day && <button type="button" onClick={() => props.onDay(null)}>{t("back_to_today")}</button>}
          <label>
            <span class="sr-only">{t("language")}</span>
            <select name="lang" value={lang} onChange={(e) => props.onLang((e.target as HTMLSelectElement).value as Lang)}>
              {LANGS.map((l) => <option key={l} value={l}>{l === "ru" ? "Русский" : "English"}</option>)}
            </select>
          </label>
          <label>
            <span class="sr-only">{t("theme")}</span>
            <select name="theme" value={props.theme} onChange={(e) => props.onTheme((e.target as HTMLSelectElement).value)}>
              <option value="light">{t("theme_light")}</option>
              <option value="dark">{t("theme_dark")}</option>
            </select>
          </label>
          {props.admin && <button type="button" onClick={props.onThresholds}>{t("thresholds")}</button>}
          <button type="button" onClick={props.onSignOut}>{t("sign_out")}</button>
        </div>
      )}
    </header>
  );
}

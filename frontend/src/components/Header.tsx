// The top bar: account, its local date and time, freshness of the data, and the controls.
import type { StreamState } from "../api";
import { useSecond } from "../clock";
import { useWords } from "../context";
import { formatClock, formatDay, formatDuration } from "../format";
import { LANGS, type Lang } from "../i18n";

interface Props {
  title: string;
  timezone: string;
  stream: StreamState;
  lastUpdate: number | null;  // when the last snapshot came (the page's clock)
  dataAt: string | null;  // its as_of
  announce: string;  // rows that just turned red, for screen readers
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
  const now = useSecond();
  const age = props.lastUpdate == null ? null : Math.max(0, (now - props.lastUpdate) / 1000);
  // The time of the figures on screen, on the account's clock.
  const dataClock = props.dataAt ? formatClock(new Date(props.dataAt), props.timezone, lang) : "";
  const state = props.day ? "past" : age == null && props.stream !== "reconnecting"
    ? "connecting" : props.stream;
  const freshness = {
    past: t("past_short"),
    connecting: t("connecting"),
    live: `${t("live")} · ${t("updated", { age: formatDuration(age, lang) })}`,
    stale: t("stale_since", { at: dataClock }),
    reconnecting: `${t("reconnecting")} ${t("figures_as_of", { at: dataClock })}`,
  }[state];
  // What a screen reader is told: a change of state (and rows turning red), never the ticking
  // age of the data.
  const spoken = {
    past: "", connecting: "", live: t("live"), stale: t("stale_since", { at: dataClock }),
    reconnecting: t("reconnecting"),
  }[state];
  return (
    <header class="top">
      <h1>{props.title}</h1>
      <div class="clock" title={t("local_time")}>
        <span class="clock-date">{formatDay(props.day ?? props.today, lang)}</span>
        {!props.day && <time class="clock-time">{formatClock(new Date(now), props.timezone, lang)}</time>}
        {!props.day && props.dataAt && (
          <span class="clock-data" data-at={props.dataAt}>{t("data_at", { at: dataClock })}</span>
        )}
      </div>
      <p class={`freshness freshness-${state}`} data-state={state}>
        <span class="dot" aria-hidden="true" />{freshness}
      </p>
      <p class="sr-only" role="status" aria-live="polite" data-spoken>
        {[spoken, props.announce].filter(Boolean).join(". ")}
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

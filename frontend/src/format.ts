// Numbers, durations and times as a supervisor reads them, in English or Russian.
import type { Lang } from "./i18n";

export const NONE = "—";

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(lang: Lang, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = lang + JSON.stringify(options);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(lang, options);
    numberFormats.set(key, format);
  }
  return format;
}

const counts: Partial<Record<Lang, Intl.NumberFormat>> = {};

export function formatCount(value: number | null | undefined, lang: Lang): string {
  if (value == null) return NONE;
  if (value < 1000 && value >= 0 && Number.isInteger(value)) return String(value);
  return (counts[lang] ??= new Intl.NumberFormat(lang)).format(value);
}

const UNITS: Record<Lang, { h: string; min: string; s: string }> = {
  en: { h: "h", min: "min", s: "s" },
  ru: { h: "ч", min: "мин", s: "с" },
};

/** 45 s · 1 min 05 s · 2 h 03 min (ru: 45 с · 1 мин 05 с · 2 ч 03 мин); whole seconds. */
export function formatDuration(seconds: number | null | undefined, lang: Lang): string {
  if (seconds == null || !Number.isFinite(seconds)) return NONE;
  const u = UNITS[lang];
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} ${u.s}`;
  if (total < 3600) {
    const m = Math.floor(total / 60);
    return `${m} ${u.min} ${String(total % 60).padStart(2, "0")} ${u.s}`;
  }
  const h = Math.floor(total / 3600);
  return `${h} ${u.h} ${String(Math.floor((total % 3600) / 60)).padStart(2, "0")} ${u.min}`;
}

/** A share (0..1) as a whole percentage: 95% (ru: 95 %). */
export function formatPercent(share: number | null | undefined, lang: Lang): string {
  if (share == null || !Number.isFinite(share)) return NONE;
  return numberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(share);
}

/** The service level of a row: answered within the threshold over all wait samples. */
export function serviceLevel(row: { answered_within_sl: number; wait_samples: number }): number | null {
  return row.wait_samples ? row.answered_within_sl / row.wait_samples : null;
}

export function formatClock(at: Date, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang, {
    timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(at);
}

export function formatDay(isoDate: string, lang: Lang): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(lang, {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "long", year: "numeric",
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Today's date (YYYY-MM-DD) in the account's time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The date ``days`` away from an ISO date, as an ISO date. */
export function shiftDate(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

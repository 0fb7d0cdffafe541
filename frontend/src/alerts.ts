// Alerts on the page: which call for attention, what the tab's title says, how an alert and a
// rule read in words, and a rule typed into the form checked before it is sent.
import { formatCount, formatDuration, formatPercent, NONE } from "./format";
import type { Lang } from "./i18n";
import type { Alert, AlertFigure, AlertRuleDraft, RowReport } from "./types";

/** Open alerts nobody has acknowledged yet, newest first: what the banner shows. */
export function calling(open: readonly Alert[]): Alert[] {
  return open.filter((a) => a.acked_at === null && a.resolved_at === null)
    .sort((a, b) => b.fired_ms - a.fired_ms);
}

/** The tab's title with the count of alerts calling, so a background tab shows it. */
export function titled(base: string, count: number): string {
  return count > 0 ? `(${count}) ${base}` : base;
}

/** Alerts calling now that were not before (each sounds and notifies once). */
export function arrived(before: ReadonlySet<string> | null, now: readonly Alert[]): Alert[] {
  return before === null ? [] : now.filter((a) => !before.has(a.id));
}

/** A figure's value in its unit. */
export function formatValue(value: number | null, unit: AlertFigure["unit"] | undefined,
                            lang: Lang): string {
  if (value === null) return NONE;
  switch (unit) {
    case "seconds": return formatDuration(value, lang);
    case "percent": return formatPercent(value / 100, lang);
    case "share": return formatPercent(value, lang);
    case "minutes": return formatDuration(value * 60, lang);
    default: return formatCount(Math.round(value * 10) / 10, lang);
  }
}

/** A form's threshold in the figure's own unit: percentages typed as 80, shares as 80 too. */
export function fromTyped(typed: number, unit: AlertFigure["unit"]): number {
  return unit === "share" ? typed / 100 : typed;
}

export interface RuleFields {
  name: string;
  figure: AlertFigure | undefined;
  comparison: "above" | "below";
  threshold: string;
  clear: string;
  hold: string;  // seconds
  row: string;  // "" (every row) or "report:id"
  quietFrom: string;
  quietTo: string;
  webhookUrl: string;
  webhookSecret: string;
  telegramChat: string;
  telegramToken: string;
  language: Lang;
}

export type Checked = { draft: AlertRuleDraft } | { field: string; problem: "number" | "pair" };

const number = (text: string): number | null => {
  const value = Number(text.trim().replace(",", "."));
  return text.trim() === "" || !Number.isFinite(value) ? null : value;
};

/** The rule a form holds, or the field at fault (the service checks the rest and says). */
export function ruleOf(f: RuleFields): Checked {
  const threshold = number(f.threshold);
  if (threshold === null) return { field: "threshold", problem: "number" };
  const clear = f.clear.trim() === "" ? null : number(f.clear);
  if (f.clear.trim() !== "" && clear === null) return { field: "clear", problem: "number" };
  const hold = f.hold.trim() === "" ? 0 : number(f.hold);
  if (hold === null || hold < 0) return { field: "hold_s", problem: "number" };
  if ((f.quietFrom === "") !== (f.quietTo === "")) return { field: "quiet", problem: "pair" };
  if ((f.telegramChat === "") !== (f.telegramToken === "")) {
    return { field: "telegram", problem: "pair" };
  }
  const unit = f.figure?.unit ?? "count";
  const [report, ...rest] = f.row.split(":");
  return {
    draft: {
      name: f.name.trim(),
      figure: f.figure?.name ?? "",
      comparison: f.comparison,
      threshold: fromTyped(threshold, unit),
      clear: clear === null ? null : fromTyped(clear, unit),
      hold_s: hold,
      rows: f.row === "" ? [] : [{ report: report as RowReport, id: rest.join(":") || null }],
      quiet: f.quietFrom ? [{ start: f.quietFrom, end: f.quietTo }] : [],
      webhook: f.webhookUrl.trim() ? { url: f.webhookUrl.trim(),
                                       secret: f.webhookSecret || null } : null,
      telegram: f.telegramChat ? { chat_id: f.telegramChat.trim(),
                                   bot_token: f.telegramToken.trim() } : null,
      language: f.language,
    },
  };
}

/** A short tone (no sound file to fetch): an alert arrived. */
export function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.15;
    tone.connect(gain).connect(audio.destination);
    tone.onended = () => { void audio.close(); };
    tone.start();
    tone.stop(audio.currentTime + 0.35);
  } catch {
    // no audio here: the banner and the title still say it
  }
}

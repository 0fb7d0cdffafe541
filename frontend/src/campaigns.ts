// Campaigns as the page handles them: times typed on the account's clock (whatever the
// browser's own zone), and what a report row says against normal.
import type { Campaign, CampaignRowEffect } from "./types";

function zoneOffsetMinutes(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"),
                        get("second"));
  return Math.round((wall - Math.floor(at / 1000) * 1000) / 60_000);
}

/**
 * A wall-clock time typed in a datetime-local field ("2026-12-02T14:30"), read on the clock of
 * ``timeZone``, as RFC 3339 with that zone's offset then. A time the clocks skipped is taken
 * after the change (02:30 on a spring-forward night is 03:30); a repeated one at its first
 * pass. Null for anything else.
 */
export function zonedIso(local: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return null;
  const [y, mo, d, h, mi] = match.slice(1).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The offset before the wall time and after it: the earlier wins when both fit (the first
  // pass of a repeated hour); when neither fits, the clocks skipped it.
  // A day away on either side: past any offset (up to 14 h) and any one change of clocks.
  const before = zoneOffsetMinutes(wall - 86_400_000, timeZone);
  const after = zoneOffsetMinutes(wall + 86_400_000, timeZone);
  const fits = (offset: number) => zoneOffsetMinutes(wall - offset * 60_000, timeZone) === offset;
  const offset = [Math.max(before, after), Math.min(before, after)].find(fits) ?? before;
  const instant = wall - offset * 60_000;
  const shown = zoneOffsetMinutes(instant, timeZone);
  const sign = shown < 0 ? "-" : "+";
  const hh = String(Math.floor(Math.abs(shown) / 60)).padStart(2, "0");
  const mm = String(Math.abs(shown) % 60).padStart(2, "0");
  const clock = new Date(instant + shown * 60_000).toISOString().slice(0, 16);
  return `${clock}:00${sign}${hh}:${mm}`;
}

/** An instant as a datetime-local value on the account's clock. */
export function localInput(at: Date, timeZone: string): string {
  const offset = zoneOffsetMinutes(at.getTime(), timeZone);
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + offset * 60_000)
    .toISOString().slice(0, 16);
}

/** Latest start first, as the API lists them. */
export function byStart(campaigns: readonly Campaign[]): Campaign[] {
  return [...campaigns].sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
}

export type Verdict = "above" | "below" | "usual" | "unknown";

/** Whether a row's arrivals during the campaign were beyond what ordinary days give: its
 * uplift's interval wholly above zero (or below). */
export function verdict(row: CampaignRowEffect): Verdict {
  if (row.uplift_low == null || row.uplift_high == null) return "unknown";
  if (row.uplift_low > 0) return "above";
  if (row.uplift_high < 0) return "below";
  return "usual";
}

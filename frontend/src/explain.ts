// Every number opens into the conversations behind it: which number was asked about, and each
// conversation's rule said in the page's language from the service's fields.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { formatDuration } from "./format";
import type { Key, Lang } from "./i18n";
import type { BehindItem, ExplainedFigure } from "./types";

export interface ExplainTarget {
  figure: ExplainedFigure;
  report: "total" | "channel" | "group";
  id: string | null;
  label: string;  // "Served, Site chat": what the panel is about
}

/** Opens the panel (null: numbers are not controls, as on the wall screen). */
export const Explain = createContext<((target: ExplainTarget) => void) | null>(null);

export function useExplain(): ((target: ExplainTarget) => void) | null {
  return useContext(Explain);
}

/** The query of the explain route for a target. */
export function explainQuery(target: ExplainTarget, date: string | null): string {
  const params = new URLSearchParams({ figure: target.figure, limit: "200" });
  if (target.report !== "total") params.set(target.report, target.id ?? "");
  if (date) params.set("date", date);
  return params.toString();
}

const clock = (iso: string | null) => (iso ? iso.slice(11, 19) : "");

/** One conversation's rule in words. */
export function sayItem(item: BehindItem, lang: Lang,
                        t: (key: Key, vars?: Record<string, string | number>) => string): string {
  const seconds = formatDuration(item.seconds, lang);
  const group = item.group ?? t("no_group");
  switch (item.rule) {
    case "started": return t("why_started", { at: clock(item.at) });
    case "entered": return t("why_entered", { group, at: clock(item.at) });
    case "served": return t("why_served", { operator: item.operator ?? "?", at: clock(item.close) });
    case "unassigned": return t("why_unassigned", { after: seconds });
    case "canceled": return item.visitor_wrote ? t("why_canceled", { after: seconds })
      : t("why_canceled_silent");
    case "missed": return t("why_missed", { operator: item.operator ?? "?" });
    case "wait": return t(item.answered ? "why_wait_answered" : "why_wait_left",
                          { wait: seconds, group, at: clock(item.at) });
    case "waiting": return t("why_waiting", { wait: seconds, group });
    case "in_work": return t("why_in_work", { operator: item.operator ?? "?", for: seconds });
  }
}

// What the "now against normal" panel shows: the rows whose arrivals are out of the ordinary,
// worst first, and the topics above their usual share (from the stream's trends feed).
import { localDate } from "./format";
import type { Campaign, HotTopics, RowTopics, RowTrend, TopicNow, Trends } from "./types";

/** Surging or dropping rows, the largest difference from normal first. */
export function flagged(trends: Trends | null): RowTrend[] {
  if (!trends) return [];
  return trends.rows
    .filter((r) => r.status === "surge" || r.status === "drop")
    .sort((a, b) => Math.abs(b.extra ?? 0) - Math.abs(a.extra ?? 0) ||
                    (a.id ?? "").localeCompare(b.id ?? ""));
}

/** Whether there is too little history anywhere to tell what is normal. */
export function withoutHistory(trends: Trends | null): boolean {
  return trends !== null && trends.rows.length > 0 &&
    trends.rows.every((r) => r.status === "not_enough_history");
}

export interface HotTopic {
  row: RowTopics;  // where it is told: the total if it is hot there, else the highest ratio
  topic: TopicNow;
  also: RowTopics[];  // the other rows it is hot in (a topic hot in a group often is in the total)
}

/** Rising and new topics, once each: the total's first, then by ratio. */
export function hotTopics(feed: HotTopics | null): HotTopic[] {
  if (!feed) return [];
  const found: { row: RowTopics; topic: TopicNow }[] = [];
  for (const row of feed.rows) {
    for (const topic of row.topics) {
      if (topic.status === "rising" || topic.status === "new") found.push({ row, topic });
    }
  }
  found.sort((a, b) => Number(b.row.report === "total") - Number(a.row.report === "total") ||
                       (b.topic.ratio ?? 0) - (a.topic.ratio ?? 0) ||
                       a.topic.topic.localeCompare(b.topic.topic));
  const byTopic = new Map<string, HotTopic>();
  for (const { row, topic } of found) {
    const first = byTopic.get(topic.topic);
    if (first) first.also.push(row);
    else byTopic.set(topic.topic, { row, topic, also: [] });
  }
  return [...byTopic.values()];
}

/** "13:30" from a local RFC 3339 instant as the server writes it. */
export function clockOf(iso: string | null): string {
  return iso ? iso.slice(11, 16) : "";
}

export type Change = "up" | "down" | "same";

/** Which way a window's figure moved against the window before it. */
export function change(now: number, before: number): Change {
  return now > before ? "up" : now < before ? "down" : "same";
}

export interface Mark { index: number; label: string }

/** The campaigns that started on ``day`` (in the account's zone), at the bucket they
 * started in: a mark for a day chart whose buckets start at ``starts`` ("HH:MM"). */
export function campaignMarks(campaigns: readonly Campaign[], day: string,
                              starts: readonly string[], timeZone: string): Mark[] {
  const marks: Mark[] = [];
  for (const c of campaigns) {
    const at = new Date(c.start);
    if (Number.isNaN(at.getTime()) || localDate(at, timeZone) !== day) continue;
    const clock = new Intl.DateTimeFormat("en-GB", {
      timeZone, hour: "2-digit", minute: "2-digit", hour12: false,
    }).format(at);
    const [h, m] = clock.split(":").map(Number);
    const bucket = `${String(h).padStart(2, "0")}:${String(m - (m % 15)).padStart(2, "0")}`;
    const index = starts.indexOf(bucket);
    if (index >= 0) marks.push({ index, label: `${c.name} (${clock})` });
  }
  return marks.sort((a, b) => a.index - b.index);
}

// Now against normal: the rows whose arrivals are out of the ordinary for the time of day, and
// the topics above their usual share (the stream's trends feed; docs/normal.md).
import { useWords } from "../context";
import { formatCount, formatPercent } from "../format";
import { clockOf, flagged, hotTopics, withoutHistory } from "../now";
import type { RowTopics, RowTrend, TrendsFeed } from "../types";

interface Props { feed: TrendsFeed; names: Map<string, string> }

export function Now({ feed, names }: Props) {
  const { lang, t } = useWords();
  const rowName = (row: RowTrend | RowTopics) =>
    row.report === "total" ? t("total_row")
      : row.id === null ? t("no_group") : names.get(`${row.report}:${row.id}`) ?? row.id;
  const rows = flagged(feed.trends);
  const topics = hotTopics(feed.hot_topics);
  return (
    <section class="panel now" aria-labelledby="now-title" aria-live="polite">
      <h2 id="now-title">{t("now_title")}</h2>
      {rows.length === 0 && (
        <p>{withoutHistory(feed.trends) ? t("now_no_history") : t("now_usual")}</p>
      )}
      {rows.length > 0 && (
        <ul class="flags">
          {rows.map((r) => (
            <li key={`${r.report}:${r.id}`} class={r.status} data-row={`${r.report}:${r.id ?? ""}`}>
              {t(r.status === "surge" ? "now_surge" : "now_drop", {
                row: rowName(r),
                ratio: formatPercent(r.since_ratio ?? r.ratio, lang),
                extra: formatCount(Math.round(Math.abs(r.extra ?? 0)), lang),
                since: clockOf(r.since),
              })}
            </li>
          ))}
        </ul>
      )}
      <h3>{t("hot_title")}</h3>
      {topics.length === 0 && <p>{t("hot_none")}</p>}
      {topics.length > 0 && (
        <ul class="hot-topics">
          {topics.map(({ row, topic, also }) => (
            <li key={topic.topic} data-topic={topic.topic}>
              {t(topic.status === "new" ? "hot_new" : "hot_rising", {
                topic: topic.topic, row: rowName(row),
                ratio: formatPercent(topic.ratio, lang),
                count: formatCount(topic.count, lang),
              })}
              {also.length > 0 && `; ${t("hot_also", { rows: also.map(rowName).join(", ") })}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

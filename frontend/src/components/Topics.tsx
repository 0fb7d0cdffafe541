// What customers write about today: overall, and the top three of each group.
import { useWords } from "../context";
import { formatCount, formatDay } from "../format";
import type { Row } from "../types";

function Bars({ topics, limit }: { topics: Record<string, number>; limit: number }) {
  const { lang } = useWords();
  const entries = Object.entries(topics).slice(0, limit);  // already ordered by count
  const top = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <ol class="topics">
      {entries.map(([topic, n]) => (
        <li key={topic}>
          <span class="topic-name">{topic}</span>
          <span class="topic-bar" style={{ width: `${(100 * n) / top}%` }} aria-hidden="true" />
          <span class="topic-count">{formatCount(n, lang)}</span>
        </li>
      ))}
    </ol>
  );
}

export function Topics({ total, groups, day, top = 8 }: {
  total: Record<string, number>;
  groups: readonly Row[];  // their top three each (none given: the total's alone)
  day?: string | null;
  top?: number;  // how many of the total's
}) {
  const { lang, t } = useWords();
  const busy = groups.filter((g) => g.topics && Object.keys(g.topics).length);
  return (
    <section class="panel" aria-labelledby="topics-title">
      <h2 id="topics-title">{day ? t("topics_on", { date: formatDay(day, lang) }) : t("topics")}</h2>
      {Object.keys(total).length ? <Bars topics={total} limit={top} /> : <p>{t("topics_none")}</p>}
      {busy.length > 0 && (
        <>
          <h3>{t("per_group")}</h3>
          <div class="group-topics">
            {busy.map((g) => (
              <div key={g.id ?? ""}>
                <h4>{g.name ?? g.id ?? t("no_group")}</h4>
                <Bars topics={g.topics ?? {}} limit={3} />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

// Who is logged in, per group: status and time in it, chats against the limit, and how long
// since the operator last replied in each chat.
import { useEffect, useState } from "preact/hooks";
import { useWords } from "../context";
import { formatDuration } from "../format";
import type { Key } from "../i18n";
import { ageNow, operatorsOf } from "../staffing";
import type { OperatorList } from "../types";

interface Props {
  list: OperatorList;
  receivedAt: number;  // when the list came (this browser's clock): its ages grow from there
  groups: { id: string; name: string }[];
  tv: boolean;
}

const TICK_MS = 1000;

export function Operators({ list, receivedAt, groups, tv }: Props) {
  const { lang, t } = useWords();
  const [group, setGroup] = useState<string>("");
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), TICK_MS);
    return () => window.clearInterval(timer);
  }, []);
  const shown = operatorsOf(list.operators, group || null);
  return (
    <section class="panel operators" aria-labelledby="operators-title">
      <div class="panel-head">
        <h2 id="operators-title">{t("operators_title")}</h2>
        {!tv && (
          <label class="group-filter">{t("group_filter")}{" "}
            <select value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
              <option value="">{t("all_groups")}</option>
              {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </select>
          </label>
        )}
      </div>
      {shown.length === 0 ? <p>{t("operators_none")}</p> : (
        <table class="operator-table">
          <caption class="sr-only">{t("operators_title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col" class="num">{t("chats")}</th>
              <th scope="col" class="num">{t("silent")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((o) => {
              const since = ageNow(o.in_status_s, receivedAt, now);
              // The chat waiting longest for this operator: since their last reply, or since
              // they took it when they have not replied yet.
              const silences = o.conversations.map((c) => ({
                seconds: ageNow(c.silent_s ?? c.held_s, receivedAt, now) ?? 0,
                replied: c.silent_s != null,
              }));
              const longest = silences.reduce<typeof silences[number] | null>(
                (a, b) => (a == null || b.seconds > a.seconds ? b : a), null);
              return (
                <tr key={o.id} data-operator={o.id} data-status={o.status}>
                  <th scope="row">{o.name ?? o.id}</th>
                  <td>
                    <span class={`status status-${o.status}`}>{t(`status_${o.status}` as Key)}</span>
                    {since != null && <span class="status-age">
                      {" "}{t("status_for", { age: formatDuration(since, lang) })}</span>}
                  </td>
                  <td class="num">
                    <span class="load-text">{t("chats_cell", { n: o.in_work, max: o.max_chats })}</span>
                    <meter class="load" min={0} max={Math.max(1, o.max_chats)} value={o.in_work}
                           aria-label={`${t("chats")}: ${o.name ?? o.id}`} />
                  </td>
                  <td class="num">
                    {longest == null ? "—" : t(longest.replied ? "silent_cell" : "no_reply",
                                               { age: formatDuration(longest.seconds, lang) })}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

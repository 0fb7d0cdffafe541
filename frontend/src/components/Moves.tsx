// The moves of operators that would bring short groups to their target, and what they do.
import { useWords } from "../context";
import { formatDuration, formatPercent } from "../format";
import type { Staffing } from "../types";

interface Props { staffing: Staffing; names: Map<string, string> }

export function Moves({ staffing, names }: Props) {
  const { lang, t } = useWords();
  const name = (group: string) => names.get(group) ?? group;
  const list = (groups: string[]) => groups.map(name).join(", ");
  const short = staffing.rows.filter((r) => r.report === "group" && r.now != null &&
                                            r.now.service_level < staffing.target);
  const helped = new Set(staffing.suggestions.map((s) => s.to));
  const stuck = short.filter((r) => r.id != null && !helped.has(r.id));
  return (
    <section class="panel moves" aria-labelledby="moves-title" aria-live="polite">
      <h2 id="moves-title">{t("moves_title")}</h2>
      {short.length === 0 && <p>{t("moves_none")}</p>}
      {staffing.suggestions.map((s) => (
        <div key={s.to} class="suggestion" data-to={s.to}>
          <ul class="move-list">
            {s.moves.map((m) => (
              <li key={m.operator} data-operator={m.operator}>
                {t("move_lend", { operator: m.name ?? m.operator, from: list(m.groups),
                                  to: name(m.to) })}
              </li>
            ))}
          </ul>
          <ul class="effects">
            {s.effects.map((e) => (
              <li key={e.group} data-group={e.group}>
                {t("effect", {
                  group: name(e.group),
                  before: formatPercent(e.before.service_level, lang),
                  after: formatPercent(e.after.service_level, lang),
                  wait_before: formatDuration(e.before.asa_s, lang),
                  wait_after: formatDuration(e.after.asa_s, lang),
                })}
              </li>
            ))}
          </ul>
          {!s.reaches_target && <p class="note">{t("still_short")}</p>}
        </div>
      ))}
      {stuck.map((r) => (
        <p key={r.id} class="note" data-stuck={r.id ?? ""}>
          {t("moves_stuck", { group: name(r.id ?? "") })}
        </p>
      ))}
    </section>
  );
}

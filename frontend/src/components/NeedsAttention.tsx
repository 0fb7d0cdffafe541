// The rows over a threshold, worst first, each with what is wrong in words: where the eye goes
// first on a wall screen.
import type { Attention, Breach } from "../attention";
import { useWords } from "../context";
import { formatCount, formatDuration, formatPercent } from "../format";
import { LevelMark } from "./Icons";

interface Props { rows: readonly Attention[]; limit?: number }

const PERCENTS = new Set(["sl", "unserved_share", "abandoned_share"]);

export function NeedsAttention({ rows, limit = 8 }: Props) {
  const { lang, t } = useWords();
  const shown = (b: Breach, value: number) =>
    b.figure === "in_queue" ? formatCount(value, lang)
      : PERCENTS.has(b.figure) ? formatPercent(value / 100, lang) : formatDuration(value, lang);
  const said = (b: Breach) => t(b.figure === "sl" ? "breach_below" : "breach_above", {
    figure: t(b.figure), value: shown(b, b.value), limit: shown(b, b.limit),
  });
  return (
    <section class="attention" aria-labelledby="attention-title">
      <h2 id="attention-title">{t("attention_title")}</h2>
      {rows.length === 0 ? <p class="attention-none">{t("attention_none")}</p> : (
        <ol class="attention-list">
          {rows.slice(0, limit).map((a) => (
            <li key={a.key} class={`level-${a.level}`} data-row={a.key} data-level={a.level}>
              <LevelMark level={a.level} />
              <strong>{a.name}</strong>{": "}{said(a.breaches[0])}
              {/* The others in a word: the strip stays one line a row at most. */}
              {a.breaches.length > 1 && (
                <span class="attention-more" title={a.breaches.slice(1).map(said).join("; ")}>
                  {" "}{t("attention_also", { n: String(a.breaches.length - 1) })}
                  <span class="sr-only">{": "}{a.breaches.slice(1).map(said).join("; ")}</span>
                </span>
              )}
            </li>
          ))}
          {rows.length > limit && (
            <li class="attention-rest">{t("attention_more", { n: String(rows.length - limit) })}</li>
          )}
        </ol>
      )}
    </section>
  );
}

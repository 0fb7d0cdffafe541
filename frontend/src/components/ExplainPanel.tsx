// The conversations behind a number, in a side panel: each with its rule in words and a link
// to its events. Opened from any number that is a control; Escape or the button closes it.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { useWords } from "../context";
import { type ExplainTarget, explainQuery, sayItem } from "../explain";
import type { FigureBehind } from "../types";

interface Props {
  account: string;
  target: ExplainTarget;
  date: string | null;  // a past day shown, or today
  onClose: () => void;
}

export function ExplainPanel({ account, target, date, onClose }: Props) {
  const { lang, t } = useWords();
  const [found, setFound] = useState<FigureBehind | null>(null);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let stop = false;
    setFound(null);
    setError(null);
    api.explain(account, explainQuery(target, date)).then(
      (got) => { if (!stop) setFound(got); },
      (err: unknown) => { if (!stop) setError(String(err)); });
    return () => { stop = true; };
  }, [account, target, date]);
  useEffect(() => { heading.current?.focus(); }, [found]);

  return (
    <aside class="explain-panel" aria-labelledby="explain-title"
           onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div class="explain-head">
        <h2 id="explain-title" tabIndex={-1} ref={heading}>
          {t("explain_title", { label: target.label, total: found ? String(found.total) : "…" })}
        </h2>
        <button type="button" onClick={onClose}>{t("explain_close")}</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {found && found.total > found.items.length && (
        <p class="hint">{t("explain_more", { shown: String(found.items.length),
                                              total: String(found.total) })}</p>
      )}
      {found && (
        <ol class="explain-list" data-total={found.total}>
          {found.items.map((item, i) => (
            <li key={`${item.conversation}:${i}`} data-conversation={item.conversation}>
              <span class="explain-id">{item.conversation}</span>{" "}
              {sayItem(item, lang, t)}{" "}
              <a href={item.events} target="_blank" rel="noopener">{t("explain_events")}</a>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}

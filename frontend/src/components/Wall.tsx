// The wall screen (?view=tv): one screen, no scrolling, at any size. The totals and the rows
// needing attention on top; channels and groups side by side, worst first, as many rows as fit
// (the rest counted); the arrivals chart, what is unusual now and the suggested moves beside.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { useWords } from "../context";

interface Props {
  totals: ComponentChildren;
  attention: ComponentChildren;
  channels: ComponentChildren;
  groups: ComponentChildren;
  side: ComponentChildren;
}

export function Wall({ totals, attention, channels, groups, side }: Props) {
  const { t } = useWords();
  return (
    <main class="wall">
      {totals}
      {attention}
      <div class="wall-body">
        <Fitted title={t("channels")} id="wall-channels">{channels}</Fitted>
        <Fitted title={t("groups")} id="wall-groups">{groups}</Fitted>
        <div class="wall-side">{side}</div>
      </div>
    </main>
  );
}

/** A table cut to the rows that fit its box, and how many more there are (worst first, so
 * those left out are the calmest). */
function Fitted({ title, id, children }: { title: string; id: string; children: ComponentChildren }) {
  const { t } = useWords();
  const box = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState(0);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const count = () => {
      const bottom = element.getBoundingClientRect().bottom;
      const rows = [...element.querySelectorAll<HTMLElement>("tbody tr[data-row]")];
      const cut = rows.filter((r) => r.getBoundingClientRect().bottom > bottom + 1);
      for (const r of rows) r.classList.toggle("cut", cut.includes(r));
      const total = Number(element.querySelector("table")?.getAttribute("aria-rowcount") ?? 1) - 1;
      const next = cut.length + Math.max(0, total - rows.length);
      setHidden((before) => (before === next ? before : next));
    };
    count();
    const observer = new ResizeObserver(count);
    observer.observe(element);
    return () => observer.disconnect();
  });
  return (
    <section class="panel wall-table" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div ref={box} class="wall-fit">{children}</div>
      {hidden > 0 && <p class="wall-more" data-hidden={hidden}>{t("wall_more", { n: String(hidden) })}</p>}
    </section>
  );
}

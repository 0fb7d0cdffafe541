// One timer for the whole page: what moves with time alone between pushes (the longest wait
// now, the header's clock) re-renders on it, not the page.
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";

/** When the figures on screen came (the page's clock), while they are live; null otherwise.
 * A context, so that only what counts on (the longest waits) re-renders at each push. */
export const WaitsFrom = createContext<number | null>(null);

export function useWaitsFrom(): number | null {
  return useContext(WaitsFrom);
}

const listeners = new Set<() => void>();
let timer: number | undefined;

/** The time now, renewed every second while the component is on the page. */
export function useSecond(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const listener = () => setNow(Date.now());
    listeners.add(listener);
    if (timer === undefined) {
      timer = window.setInterval(() => listeners.forEach((f) => f()), 1000);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) { window.clearInterval(timer); timer = undefined; }
    };
  }, []);
  return now;
}

/**
 * A wait of ``seconds`` as the data said at ``from`` (ms), still running at ``now``: a
 * conversation that waited 40 s at the last push has waited 43 s three seconds later. With no
 * ``from`` (a past day, or figures no longer live) the data's own value.
 */
export function grown(seconds: number | null, from: number | null, now: number): number | null {
  if (seconds == null || from == null) return seconds;
  return seconds + Math.max(0, (now - from) / 1000);
}

// What a day chart draws: no line of zeros before the day's first data or for a comparison
// day with none, the bucket still filling set apart from the finished ones, and a wait scale
// that a few very long waits (an email answered next morning) do not flatten.

type Values = readonly (number | null)[];

/** Whether a series has anything to draw: a day with no data is left off, not drawn as 0. */
export function hasData(values: Values | undefined): boolean {
  return !!values && values.some((v) => v != null && v !== 0);
}

/** The values with the zeros before the first data taken out (no data yet, not a quiet hour). */
export function fromFirstData(values: Values): (number | null)[] {
  const first = values.findIndex((v) => v != null && v !== 0);
  return values.map((v, i) => (first < 0 || i < first ? null : v));
}

export interface Split { done: (number | null)[]; partial: (number | null)[] }

/** The finished buckets, and the one still filling (``current``) on its own: its count so far
 * would read as a collapse on the line. */
export function splitCurrent(values: Values, current: number | null): Split {
  if (current == null || current >= values.length) {
    return { done: [...values], partial: values.map(() => null) };
  }
  return {
    done: values.map((v, i) => (i === current ? null : v)),
    partial: values.map((v, i) => (i === current ? v : null)),
  };
}

export interface WaitScale {
  unit: "s" | "min";
  divisor: number;  // seconds per unit
  top: number | null;  // the scale's top in that unit; null: as high as the data
  over: number;  // buckets above the top (drawn at the edge, counted in words)
  highest: number | null;  // the highest value, in the unit
}

/**
 * Minutes once waits run past three minutes; and a top at twice the 90th percentile when a
 * few buckets lie far above it (at least ten buckets to judge by).
 */
export function waitScale(seconds: Values): WaitScale {
  const values = seconds.filter((v): v is number => v != null).sort((a, b) => a - b);
  const highest = values.length ? values[values.length - 1] : null;
  const minutes = highest != null && highest > 180;
  const divisor = minutes ? 60 : 1;
  let top: number | null = null;
  let over = 0;
  if (values.length >= 10 && highest != null) {
    const p90 = values[Math.floor(0.9 * (values.length - 1))];
    const cap = 2 * p90;
    if (p90 > 0 && highest > cap) {
      top = cap / divisor;
      over = values.filter((v) => v > cap).length;
    }
  }
  return { unit: minutes ? "min" : "s", divisor, top, over,
           highest: highest == null ? null : highest / divisor };
}

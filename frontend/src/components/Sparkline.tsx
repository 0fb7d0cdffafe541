// A row's day at a glance: arrivals per 15 minutes, today against the same weekday last week.
import { memo } from "../memo";

interface Props {
  today: readonly number[] | undefined;
  lastWeek: readonly number[] | undefined;
  label: string;
}

function points(values: readonly number[], n: number, top: number): string {
  const w = 96, h = 22;
  return values.map((v, i) => `${((i / Math.max(1, n - 1)) * w).toFixed(1)},${(h - (v / top) * h + 1).toFixed(1)}`).join(" ");
}

function SparklineView({ today, lastWeek, label }: Props) {
  if (!today) return <span class="spark-empty" aria-hidden="true" />;
  const n = Math.max(today.length, lastWeek?.length ?? 0);
  const top = Math.max(1, ...today, ...(lastWeek ?? []));
  return (
    // Stretched to its cell, however narrow the table makes it: a fixed width was cut off on
    // the right, where the day's latest buckets are.
    <svg class="spark" viewBox="0 0 96 24" width="100%" height="24" preserveAspectRatio="none"
         role="img" aria-label={label}>
      {lastWeek && <polyline class="spark-week" points={points(lastWeek, n, top)} />}
      <polyline class="spark-today" points={points(today, n, top)} />
    </svg>
  );
}

// Series change once a minute while figures change several times a second: skip the redraw.
export const Sparkline = memo(SparklineView, (a, b) =>
  a.today === b.today && a.lastWeek === b.lastWeek && a.label === b.label);

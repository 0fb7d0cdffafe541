// One figure of a row over the day in 15-minute buckets (uPlot), this day against the same
// weekday a week before: from the day's first data on (no line of zeros before it), the
// bucket still filling apart from the finished ones, a comparison day with no data left off.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useWords } from "../context";
import { type WaitScale, fromFirstData, hasData, splitCurrent } from "../chartdata";
import type { Mark } from "../now";

export interface Band { low: readonly (number | null)[]; high: readonly (number | null)[] }

interface Props {
  title: string;
  starts: readonly string[];
  today: readonly (number | null)[];
  lastWeek: readonly (number | null)[] | undefined;
  // The normal for each bucket's time of day (docs/normal.md), drawn when given.
  normal?: readonly (number | null)[];
  // Where nine ordinary days in ten fall for each bucket, shaded around the normal when given.
  band?: Band;
  marks?: readonly Mark[];  // campaigns, at the bucket they started in
  current?: number | null;  // the bucket still filling (today), drawn apart
  // Waits: the unit and a top that a few very long waits do not set (chartdata.waitScale).
  scale?: WaitScale;
  theme: string;
}

function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** The page's type size: a chart and its labels grow with it (the wall screen's grows with
 * the screen). */
function remPx(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
}

export function DayChart({ title, starts, today, lastWeek, normal, band, marks, current, scale,
                          theme }: Props) {
  const { t } = useWords();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const [rem, setRem] = useState(remPx);
  const shownMarks = useRef<readonly Mark[]>(marks ?? []);
  shownMarks.current = marks ?? [];
  const shownBand = useRef<Band | undefined>(band);
  shownBand.current = band;

  const withWeek = hasData(lastWeek);
  const data = (): uPlot.AlignedData => {
    const xs = starts.map((_, i) => i);
    // In the scale's unit, the values above its top drawn at the top.
    const unit = (v: number | null | undefined) => (v == null ? null : !scale ? v
      : scale.top != null ? Math.min(v / scale.divisor, scale.top) : v / scale.divisor);
    const day = splitCurrent(fromFirstData(starts.map((_, i) => unit(today[i]))),
                             current ?? null);
    const lines: (number | null)[][] = [day.done, day.partial];
    if (withWeek) lines.push(fromFirstData(starts.map((_, i) => unit(lastWeek?.[i]))));
    if (normal) lines.push(starts.map((_, i) => normal[i] ?? null));
    return [xs, ...lines] as uPlot.AlignedData;
  };

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const font = `${Math.round(0.8 * rem)}px system-ui, sans-serif`;
    const axis = { stroke: css("--text-muted"), grid: { stroke: css("--grid"), width: 1 },
                   ticks: { stroke: css("--grid"), width: 1 }, font };
    const height = Math.round(10 * rem);
    const made = new uPlot({
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { drawAxes: [(u: uPlot) => {
        // The usual range: a shaded step per bucket, under the lines.
        const range = shownBand.current;
        if (!range) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.fillStyle = css("--band");
        for (let i = 0; i < starts.length; i++) {
          const low = range.low[i];
          const high = range.high[i];
          if (low == null || high == null) continue;
          const left = u.valToPos(i - 0.5, "x", true);
          const right = u.valToPos(i + 0.5, "x", true);
          const top = u.valToPos(high, "y", true);
          const bottom = u.valToPos(low, "y", true);
          ctx.fillRect(left, top, right - left, Math.max(1, bottom - top));
        }
        ctx.restore();
      }], draw: [(u: uPlot) => {
        // A campaign: a dashed vertical line at the bucket it started in, and its name.
        const ctx = u.ctx;
        const scale = window.devicePixelRatio || 1;
        ctx.save();
        ctx.strokeStyle = css("--accent");
        ctx.fillStyle = css("--text");
        ctx.font = `${12 * scale}px system-ui, sans-serif`;
        ctx.setLineDash([4 * scale, 3 * scale]);
        for (const mark of shownMarks.current) {
          const x = u.valToPos(mark.index, "x", true);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillText(mark.label, x + 4 * scale, u.bbox.top + 12 * scale);
        }
        ctx.restore();
      }] },
      scales: {
        x: { time: false },
        // Tall enough for the band as well as the lines.
        y: { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(max,
          ...(shownBand.current?.high ?? []).map((v) => v ?? 0)), 0.1, true) },
      },
      axes: [
        // Labels as far apart as their size asks (uPlot's spacing is in pixels).
        { ...axis, size: Math.round(2.6 * rem), space: Math.round(4 * rem),
          values: (_u, splits) => splits.map((i) => starts[Math.round(i)] ?? "") },
        { ...axis, size: Math.round(4 * rem), space: Math.round(2 * rem) },
      ],
      series: [
        {},
        // Points drawn always: a lone sampled bucket amid unsampled ones has no line.
        { label: t("this_day"), stroke: css("--accent"), width: 2, spanGaps: false,
          points: { show: true, size: 3 } },
        // The bucket still filling: a hollow point, no line to it.
        { label: t("so_far"), stroke: css("--accent"), width: 0,
          points: { show: true, size: Math.round(0.6 * rem), fill: css("--surface"), width: 2 } },
        ...(withWeek ? [{ label: t("week_ago"), stroke: css("--text-muted"), width: 1.5,
                          dash: [5, 4] }] : []),
        ...(normal ? [{ label: t("normal_line"), stroke: css("--text"), width: 1,
                        dash: [2, 3] }] : []),
      ],
    }, data(), element);
    chart.current = made;
    const observer = new ResizeObserver(() => {
      if (remPx() !== rem) setRem(remPx());  // a new chart, its labels at the new size
      else made.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    observer.observe(element);
    return () => { observer.disconnect(); made.destroy(); chart.current = null; };
    // A new chart when the buckets, the language or the theme change; data alone updates.
  }, [starts.length, starts[0], t, theme, normal === undefined, rem, withWeek]);

  // New marks are drawn with the data (a redraw before the chart's first one would fail).
  useEffect(() => {
    const drawn = data();
    chart.current?.setData(drawn);
    // What is drawn, by series label, for the browser tests (the canvas cannot be read back
    // as numbers).
    const labels = chart.current?.series.slice(1).map((x) => String(x.label)) ?? [];
    box.current?.setAttribute("data-drawn", JSON.stringify(
      Object.fromEntries(labels.map((label, i) => [label, drawn[i + 1]]))));
  }, [today, lastWeek, normal, band, marks, current, scale, rem, withWeek, t]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {band && <p class="chart-note">{t("band_note")}</p>}
      {scale && scale.over > 0 && scale.highest != null && (
        <p class="chart-note" data-over={scale.over}>
          {t("off_scale", { n: String(scale.over),
                            highest: `${Math.round(scale.highest)} ${t(scale.unit === "min" ? "unit_min" : "unit_s")}` })}
        </p>
      )}
      {marks && marks.length > 0 && (
        <p class="chart-marks">{t("campaigns_on_chart")}: {marks.map((m) => m.label).join(", ")}</p>
      )}
    </figure>
  );
}

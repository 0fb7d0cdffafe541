// WCAG AA: every text colour of both themes against the backgrounds it is drawn on.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("./styles.css", import.meta.url), "utf8");

function theme(selector: string): Record<string, string> {
  const start = css.indexOf(selector);
  const block = css.slice(css.indexOf("{", start) + 1, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)]
    .map((m) => [m[1], m[2]]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// [foreground, background, minimum]: 4.5 for text, 3 for marks that are not text.
const PAIRS: [string, string, number][] = [
  ["text", "bg", 4.5], ["text", "surface", 4.5], ["text-muted", "surface", 4.5],
  ["text-muted", "bg", 4.5], ["accent-text", "accent", 4.5], ["amber-text", "amber-bg", 4.5],
  ["red-text", "red-bg", 4.5], ["warn", "bg", 4.5], ["text", "bar", 4.5],
  ["accent", "surface", 3], ["live", "bg", 3],
];

describe.each([[":root, [data-theme=\"light\"]"], ["[data-theme=\"dark\"]"]])("theme %s", (selector) => {
  const colours = theme(selector);
  it.each(PAIRS)("%s on %s", (fg, bg, minimum) => {
    expect(colours[fg], fg).toBeDefined();
    expect(colours[bg], bg).toBeDefined();
    expect(contrast(colours[fg], colours[bg])).toBeGreaterThanOrEqual(minimum);
  });
});

it("computes the known ratio of black on white", () => {
  expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
});

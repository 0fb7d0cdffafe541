import { describe, expect, it } from "vitest";
import { arrived, calling, formatValue, ruleOf, type RuleFields, titled } from "./alerts";
import type { Alert, AlertFigure } from "./types";

const alert = (id: string, fired_ms: number, more: Partial<Alert> = {}): Alert => ({
  id, rule: "r", name: "Queue", figure: "in_queue", comparison: "above", threshold: 5,
  report: "channel", row: "web", fired_at: "", fired_ms, value: 7, resolved_at: null,
  resolved_value: null, resolved_why: null, acked_at: null, acked_by: null, ...more,
});

const percent: AlertFigure = { name: "sl_percent", en: "SL", ru: "SL", unit: "percent",
                               channels_only: false };
const share: AlertFigure = { name: "15m.service_level", en: "SL", ru: "SL", unit: "share",
                             channels_only: false };
const fields = (more: Partial<RuleFields> = {}): RuleFields => ({
  name: " Queue ", figure: percent, comparison: "below", threshold: "80", clear: "", hold: "60",
  row: "", quietFrom: "", quietTo: "", webhookUrl: "", webhookSecret: "", telegramChat: "",
  telegramToken: "", language: "en", ...more,
});

describe("alerts on the page", () => {
  it("call for attention while open and not acknowledged, newest first", () => {
    const open = [alert("a", 1), alert("b", 3), alert("c", 2, { acked_at: "x" })];
    expect(calling(open).map((a) => a.id)).toEqual(["b", "a"]);
  });

  it("count in the tab's title only when some call", () => {
    expect(titled("Wallboard", 0)).toBe("Wallboard");
    expect(titled("Wallboard", 2)).toBe("(2) Wallboard");
  });

  it("sound once for each alert that arrives, never for those there at load", () => {
    expect(arrived(null, [alert("a", 1)])).toEqual([]);
    expect(arrived(new Set(["a"]), [alert("a", 1), alert("b", 2)]).map((a) => a.id))
      .toEqual(["b"]);
  });

  it("show values in the figure's unit", () => {
    expect(formatValue(75, "percent", "en")).toBe("75%");
    expect(formatValue(0.5, "share", "en")).toBe("50%");
    expect(formatValue(95, "seconds", "en")).toBe("1 min 35 s");
    expect(formatValue(2.5, "minutes", "en")).toBe("2 min 30 s");
    expect(formatValue(null, "count", "en")).toBe("—");
  });
});

describe("a rule typed into the form", () => {
  it("becomes the rule the API takes", () => {
    const got = ruleOf(fields({ row: "channel:web:chat", clear: "85", quietFrom: "22:00",
                                quietTo: "07:00", webhookUrl: " http://h/x ",
                                webhookSecret: "s".repeat(16) }));
    expect(got).toEqual({ draft: {
      name: "Queue", figure: "sl_percent", comparison: "below", threshold: 80, clear: 85,
      hold_s: 60, rows: [{ report: "channel", id: "web:chat" }],
      quiet: [{ start: "22:00", end: "07:00" }],
      webhook: { url: "http://h/x", secret: "s".repeat(16) }, telegram: null, language: "en",
    } });
  });

  it("takes shares as percentages and every row when none is chosen", () => {
    const got = ruleOf(fields({ figure: share, threshold: "80,5" }));
    expect("draft" in got && got.draft.threshold).toBeCloseTo(0.805);
    expect("draft" in got && got.draft.rows).toEqual([]);
    expect(ruleOf(fields({ row: "total:" }))).toMatchObject({
      draft: { rows: [{ report: "total", id: null }] } });
  });

  it("names the field at fault", () => {
    expect(ruleOf(fields({ threshold: "lots" }))).toEqual({ field: "threshold", problem: "number" });
    expect(ruleOf(fields({ hold: "-1" }))).toEqual({ field: "hold_s", problem: "number" });
    expect(ruleOf(fields({ quietFrom: "22:00" }))).toEqual({ field: "quiet", problem: "pair" });
    expect(ruleOf(fields({ telegramChat: "42" }))).toEqual({ field: "telegram", problem: "pair" });
  });
});

import { describe, expect, it } from "vitest";
import { formatCount, formatDuration, formatPercent, localDate, serviceLevel, shiftDate } from "./format";
import { pickLang, translate } from "./i18n";
import { level } from "./thresholds";

describe("durations", () => {
  it("reads as a supervisor says them, in both languages", () => {
    expect(formatDuration(65, "ru")).toBe("1 мин 05 с");
    expect(formatDuration(65, "en")).toBe("1 min 05 s");
    expect(formatDuration(41.5, "en")).toBe("42 s");
    expect(formatDuration(0, "ru")).toBe("0 с");
    expect(formatDuration(3 * 3600 + 7 * 60 + 59, "en")).toBe("3 h 07 min");
    expect(formatDuration(3600, "ru")).toBe("1 ч 00 мин");
  });
  it("shows a dash for no value", () => {
    expect(formatDuration(null, "en")).toBe("—");
    expect(formatDuration(undefined, "ru")).toBe("—");
  });
});

describe("numbers", () => {
  it("groups thousands per locale", () => {
    expect(formatCount(12345, "en")).toBe("12,345");
    expect(formatCount(12345, "ru").replace(/\s/g, " ")).toBe("12 345");
    expect(formatCount(null, "en")).toBe("—");
  });
  it("formats the service level as a whole percentage", () => {
    const sl = serviceLevel({ answered_within_sl: 380, wait_samples: 402 });
    expect(formatPercent(sl, "en")).toBe("95%");
    expect(formatPercent(sl, "ru").replace(/\s/g, " ")).toBe("95 %");
    expect(serviceLevel({ answered_within_sl: 0, wait_samples: 0 })).toBeNull();
  });
});

describe("dates", () => {
  it("takes the account's local date, not the browser's", () => {
    const at = new Date("2026-11-26T22:30:00Z");
    expect(localDate(at, "Europe/Moscow")).toBe("2026-11-27");
    expect(localDate(at, "America/New_York")).toBe("2026-11-26");
  });
  it("moves a date by days across months", () => {
    expect(shiftDate("2026-03-03", -7)).toBe("2026-02-24");
  });
});

describe("languages and levels", () => {
  it("picks the first language it speaks", () => {
    expect(pickLang(["de-DE", "ru-RU", "en"])).toBe("ru");
    expect(pickLang(["fr"])).toBe("en");
    expect(translate("ru", "in_queue")).toBe("В очереди");
    expect(translate("en", "updated", { age: "3 s" })).toBe("updated 3 s ago");
  });
  it("colours over the edges, and under them for the service level", () => {
    const wait = { amber: 60, red: 180 };
    expect([level(60, wait), level(61, wait), level(181, wait), level(null, wait)])
      .toEqual(["ok", "amber", "red", "ok"]);
    const sl = { amber: 80, red: 60 };
    expect([level(85, sl, true), level(79, sl, true), level(59, sl, true)])
      .toEqual(["ok", "amber", "red"]);
  });
});

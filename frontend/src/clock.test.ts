import { describe, expect, it } from "vitest";
import { grown } from "./clock";

describe("a wait between pushes", () => {
  it("keeps counting from the data's value while live", () => {
    expect(grown(40, 1_000_000, 1_003_400)).toBeCloseTo(43.4);
    expect(grown(40, 1_000_000, 999_000)).toBe(40);  // a clock stepping back adds nothing
  });

  it("stays as the data said when not live, and absent when nobody waits", () => {
    expect(grown(40, null, 1_003_400)).toBe(40);
    expect(grown(null, 1_000_000, 1_003_400)).toBeNull();
  });
});

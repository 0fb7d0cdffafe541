import { describe, expect, it } from "vitest";
import { fromFirstData, hasData, splitCurrent, waitScale } from "./chartdata";

describe("a day chart's lines", () => {
  it("start at the day's first data, not with a line of zeros", () => {
    expect(fromFirstData([0, 0, null, 3, 0, 2])).toEqual([null, null, null, 3, 0, 2]);
    expect(fromFirstData([0, 0])).toEqual([null, null]);
  });

  it("leave out a day with no data", () => {
    expect(hasData([0, null, 0])).toBe(false);
    expect(hasData(undefined)).toBe(false);
    expect(hasData([0, 1])).toBe(true);
  });

  it("set the bucket still filling apart", () => {
    expect(splitCurrent([5, 6, 1], 2)).toEqual({ done: [5, 6, null], partial: [null, null, 1] });
    expect(splitCurrent([5, 6], null)).toEqual({ done: [5, 6], partial: [null, null] });
  });
});

describe("the wait scale", () => {
  it("reads in minutes past three minutes", () => {
    expect(waitScale([30, 45, 120]).unit).toBe("s");
    const long = waitScale([30, 400]);
    expect([long.unit, long.divisor, long.highest]).toEqual(["min", 60, 400 / 60]);
  });

  it("is not flattened by a few very long waits", () => {
    const chat = [20, 25, 30, 35, 40, 30, 25, 20, 35, 30, 28, 33];
    const scale = waitScale([...chat, 36_000]);  // one email answered ten hours later
    expect(scale.top).toBe((2 * 35) / 60);  // the 90th percentile is 35 s; in minutes
    expect(scale.over).toBe(1);
    expect(waitScale(chat).top).toBeNull();  // nothing far above: the data's own height
    expect(waitScale([10, 9000]).top).toBeNull();  // too few buckets to call one an outlier
  });
});

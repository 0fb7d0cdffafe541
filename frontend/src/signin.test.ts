import { describe, expect, it } from "vitest";
import { nextPath } from "./components/SignIn";

// Every way we know of to turn a "next page" into another site; the browser test follows the
// same list in Chromium.
export const TRICKS = [
  "//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
  "/%5Cevil.example", "\\\\evil.example", "/..//evil.example/", "/.//evil.example",
  "/%2e%2e//evil.example", "/./%2e//evil.example", "/\t/evil.example", "/\n/evil.example",
  "/ /evil.example", "///evil.example", "/\\/evil.example", "/a/../..//evil.example",
  "/%2F/evil.example", "http:evil.example", "//evil.example@127.0.0.1", "/@evil.example",
  "data:text/html,x", "\u2215\u2215evil.example",
];

describe("the page after signing in", () => {
  const origin = "http://127.0.0.1:8000";
  it("keeps a page of this site", () => {
    expect(nextPath("?next=%2F%3Fview%3Dtv", origin)).toBe("/?view=tv");
    expect(nextPath("", origin)).toBe("/");
  });
  it("never goes to another site", () => {
    for (const next of TRICKS) {
      const path = nextPath(`?next=${encodeURIComponent(next)}`, origin);
      expect(new URL(path, origin).origin, next).toBe(origin);
      expect(path.startsWith("//") || path.startsWith("/\\"), next).toBe(false);
    }
  });
});

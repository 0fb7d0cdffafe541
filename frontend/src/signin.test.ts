import { describe, expect, it } from "vitest";
import { nextPath } from "./components/SignIn";

describe("the page after signing in", () => {
  const origin = "http://127.0.0.1:8000";
  it("keeps a page of this site", () => {
    expect(nextPath("?next=%2F%3Fview%3Dtv", origin)).toBe("/?view=tv");
    expect(nextPath("", origin)).toBe("/");
  });
  it("never goes to another site", () => {
    for (const next of ["//evil.example/", "/\\evil.example", "https://evil.example/",
                        "javascript:alert(1)", "/%5Cevil.example", "\\\\evil.example"]) {
      const path = nextPath(`?next=${encodeURIComponent(next)}`, origin);
      expect(new URL(path, origin).origin, next).toBe(origin);
    }
  });
});

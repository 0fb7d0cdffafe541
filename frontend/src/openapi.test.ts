import { describe, expect, it } from "vitest";
import { operations, schemaText } from "./openapi";

describe("the API reference", () => {
  it("says a schema in a few words", () => {
    expect(schemaText({ $ref: "#/components/schemas/Snapshot" })).toBe("Snapshot");
    expect(schemaText({ type: "array", items: { $ref: "#/x/Event" } })).toBe("array of Event");
    expect(schemaText({ oneOf: [{ type: "string", format: "date-time" }, { type: "integer" }] }))
      .toBe("string (date-time) | integer");
    expect(schemaText({ enum: ["json", "csv"] })).toBe('"json" | "csv"');
    expect(schemaText(undefined)).toBe("");
  });
  it("lists every operation under its group", () => {
    const ops = operations({
      info: { title: "W", version: "1" },
      paths: {
        "/api/v1/events": { post: { summary: "Send", responses: { "200": {
          description: "ok", content: { "application/json": { schema: { $ref: "#/c/Reply" } } },
        } } } },
        "/api/v1/accounts/{id}/snapshot": { get: { parameters: [
          { name: "date", in: "query", schema: { type: "string" } }] } },
        "/healthz": { get: {} },
      },
    });
    expect(ops.map(o => [o.method, o.group])).toEqual(
      [["post", "events"], ["get", "snapshot"], ["get", "service"]]);
    expect(ops[0].responses).toEqual([{ status: "200", description: "ok", schema: "Reply" }]);
    expect(ops[1].parameters[0].name).toBe("date");
  });
});

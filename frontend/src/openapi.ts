// The parts of an OpenAPI 3.1 document the API reference shows, flattened for display.

export interface Schema { type?: string | string[]; $ref?: string; items?: Schema;
  oneOf?: Schema[]; anyOf?: Schema[]; enum?: unknown[]; format?: string; pattern?: string }
interface Parameter { name: string; in: string; required?: boolean; description?: string;
  schema?: Schema }
interface Response { description?: string; content?: Record<string, { schema?: Schema }> }
interface RawOperation { summary?: string; description?: string; parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, Response> }
export interface OpenApi {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string; path: string; group: string; summary?: string; description?: string;
  parameters: Parameter[];
  body: { media: string; schema: string }[];
  responses: { status: string; description: string; schema: string | null }[];
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** A schema in a few words: `Snapshot`, `array of Event`, `string | integer`. */
export function schemaText(schema: Schema | undefined): string {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop() ?? schema.$ref;
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(schemaText).join(" | ");
  if (schema.enum) return schema.enum.map(v => JSON.stringify(v)).join(" | ");
  if (schema.type === "array") return `array of ${schemaText(schema.items)}`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type ?? "any";
  return schema.format ? `${type} (${schema.format})` : type;
}

function groupOf(path: string): string {
  if (path.startsWith("/api/v1/accounts/")) return path.split("/")[5] ?? "accounts";
  if (path.startsWith("/api/v1/")) return path.split("/")[3];
  return "service";
}

export function operations(doc: OpenApi): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      out.push({
        method, path, group: groupOf(path), summary: op.summary, description: op.description,
        parameters: op.parameters ?? [],
        body: Object.entries(op.requestBody?.content ?? {}).map(([media, c]) => (
          { media, schema: schemaText(c.schema) })),
        responses: Object.entries(op.responses ?? {}).map(([status, r]) => {
          const first = Object.values(r.content ?? {})[0];
          return { status, description: r.description ?? "",
            schema: first?.schema ? schemaText(first.schema) : null };
        }),
      });
    }
  }
  return out;
}

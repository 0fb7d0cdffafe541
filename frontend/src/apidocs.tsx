// The API reference: the service's own OpenAPI document, rendered here so that the page loads
// nothing from another host (the usual viewers come from a CDN).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type OpenApi, type Operation, operations, schemaText } from "./openapi";
import "./apidocs.css";

function OperationView({ op }: { op: Operation }) {
  const id = `${op.method}-${op.path}`.replace(/[^A-Za-z0-9]+/g, "-");
  return (
    <section class="operation" aria-labelledby={id}>
      <h3 id={id}><span class={`method ${op.method}`}>{op.method.toUpperCase()}</span>{" "}
        <code>{op.path}</code></h3>
      {op.summary && <p class="summary">{op.summary}</p>}
      {op.description && <p>{op.description}</p>}
      {op.parameters.length > 0 && (
        <table>
          <caption>Parameters</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">In</th>
            <th scope="col">Type</th><th scope="col">Description</th></tr></thead>
          <tbody>
            {op.parameters.map(p => (
              <tr key={`${p.in}-${p.name}`}>
                <th scope="row"><code>{p.name}</code>{p.required ? " (required)" : ""}</th>
                <td>{p.in}</td><td><code>{schemaText(p.schema)}</code></td>
                <td>{p.description ?? ""}</td>
              </tr>))}
          </tbody>
        </table>)}
      {op.body.length > 0 && (
        <p>Body: {op.body.map((b, i) => <span key={b.media}>{i > 0 && ", "}<code>{b.media}</code>
          {" "}({b.schema})</span>)}</p>)}
      <table>
        <caption>Responses</caption>
        <thead><tr><th scope="col">Status</th><th scope="col">Description</th>
          <th scope="col">Body</th></tr></thead>
        <tbody>
          {op.responses.map(r => (
            <tr key={r.status}><th scope="row">{r.status}</th><td>{r.description}</td>
              <td>{r.schema && <code>{r.schema}</code>}</td></tr>))}
        </tbody>
      </table>
    </section>
  );
}

function Reference() {
  const [doc, setDoc] = useState<OpenApi | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetch("/schema/openapi.json").then(r => r.json()).then(setDoc,
      (e: unknown) => setError(String(e)));
  }, []);
  if (error) return <main><h1>Wallboard API</h1><p role="alert">{error}</p></main>;
  if (!doc) return <main><h1>Wallboard API</h1><p>Loading…</p></main>;
  const ops = operations(doc);
  const tags = [...new Set(ops.map(o => o.group))];
  return (
    <main>
      <h1>{doc.info.title} API <small>version {doc.info.version}</small></h1>
      {doc.info.description && <p>{doc.info.description}</p>}
      <p>Send a token as <code>Authorization: Bearer …</code>. The machine-readable document is
        at <a href="/schema/openapi.json">/schema/openapi.json</a>.</p>
      {tags.map(tag => (
        <section key={tag} aria-labelledby={`g-${tag}`}>
          <h2 id={`g-${tag}`}>{tag}</h2>
          {ops.filter(o => o.group === tag).map(op => (
            <OperationView key={`${op.method} ${op.path}`} op={op} />))}
        </section>))}
      <section aria-labelledby="schemas">
        <h2 id="schemas">Types</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <details key={name}>
            <summary><code>{name}</code></summary>
            <pre>{JSON.stringify(schema, null, 2)}</pre>
          </details>))}
      </section>
    </main>
  );
}

document.documentElement.dataset.theme =
  matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
render(<Reference />, document.getElementById("app")!);

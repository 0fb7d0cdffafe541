// An admin changes when figures turn amber or red: the account's thresholds, and a channel's
// or group's own (email is answered in hours, chat in seconds), figure by figure.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { useWords } from "../context";
import type { Key } from "../i18n";
import { LIMIT_NAMES, merged } from "../thresholds";
import type { Limit, LimitName, RowThresholds, Thresholds } from "../types";
import type { RowChoice } from "./Campaigns";

interface Props {
  account: string;
  value: Thresholds;
  rows: readonly RowChoice[];  // the channels and groups a threshold may be set for
  accountSl: number;  // the account's service-level threshold, s
  onSaved: (value: Thresholds) => void;
  onClose: () => void;
}

const LABELS: Record<LimitName, Key> = {
  avg_wait_s: "avg_wait_s", longest_wait_s: "longest_wait_s", in_queue: "in_queue",
  sl_percent: "sl", unserved_percent: "unserved_share", abandoned_percent: "abandoned_share",
};
const LOWER_IS_WORSE = new Set<LimitName>(["sl_percent"]);
const PERCENT = new Set<LimitName>(["sl_percent", "unserved_percent", "abandoned_percent"]);
const SECONDS = new Set<LimitName>(["avg_wait_s", "longest_wait_s"]);
const EMPTY: Limit = { amber: null, red: null };
const MAX_SL_S = 7 * 86400;  // as the service allows

/** The first problem of a set of limits, as the service would name it (its codes). */
export function problemOf(limits: Partial<Record<LimitName, Limit | null>>
): { field: LimitName; code: string } | null {
  for (const name of LIMIT_NAMES) {
    const limit = limits[name];
    if (!limit) continue;
    const { amber, red } = limit;
    if (PERCENT.has(name) && [amber, red].some((v) => v != null && v > 100)) {
      return { field: name, code: "percent_over_100" };
    }
    if ([amber, red].some((v) => v != null && (Number.isNaN(v) || v < 0))) {
      return { field: name, code: "not_a_number" };
    }
    if (amber == null || red == null) continue;
    if (LOWER_IS_WORSE.has(name) ? amber < red : amber > red) {
      return { field: name, code: LOWER_IS_WORSE.has(name) ? "amber_below_red" : "amber_above_red" };
    }
  }
  return null;
}

export function ThresholdDialog({ account, value, rows, accountSl, onSaved, onClose }: Props) {
  const { t } = useWords();
  const [draft, setDraft] = useState<Thresholds>({ ...value, rows: [...(value.rows ?? [])] });
  const [target, setTarget] = useState("");  // "" the account; else report:id
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLFormElement>(null);

  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>("select, input")?.focus();
  }, []);

  const own = draft.rows.find((r) => `${r.report}:${r.id}` === target);
  const limitOf = (name: LimitName): Limit => (target === "" ? draft[name] : own?.[name] ?? EMPTY);
  const unit = (name: LimitName) => (PERCENT.has(name) ? ", %" : SECONDS.has(name)
    ? `, ${t("unit_s")}` : "");
  const label = (name: LimitName) => `${t(LABELS[name])}${unit(name)}`;

  const change = (name: LimitName, edge: keyof Limit, text: string) => {
    const number = text.trim() === "" ? null : Number(text);
    if (target === "") {
      setDraft({ ...draft, [name]: { ...draft[name], [edge]: number } });
      return;
    }
    const [report, ...rest] = target.split(":");
    const base: RowThresholds = own ?? {
      report: report as "channel" | "group", id: rest.join(":"),
      ...Object.fromEntries(LIMIT_NAMES.map((n) => [n, null])) as Record<LimitName, null>,
    };
    const limit = { ...(base[name] ?? EMPTY), [edge]: number };
    // Both edges empty: the row follows the account's again for this figure.
    const next = { ...base, [name]: limit.amber == null && limit.red == null ? null : limit };
    setDraft({ ...draft, rows: [...draft.rows.filter((r) => r !== own), next] });
  };

  const changeSl = (text: string) => {
    const seconds = text.trim() === "" ? null : Number(text);
    const [report, ...rest] = target.split(":");
    const base: RowThresholds = own ?? {
      report: report as "channel" | "group", id: rest.join(":"),
      ...Object.fromEntries(LIMIT_NAMES.map((n) => [n, null])) as Record<LimitName, null>,
    };
    setDraft({ ...draft, rows: [...draft.rows.filter((r) => r !== own),
                                { ...base, sl_threshold_s: seconds }] });
  };

  const said = (field: string, code: string, message: string) => {
    const name = field.split(".").pop()?.split("[")[0] as LimitName | undefined;
    const known: Record<string, Key> = {
      amber_above_red: "err_amber_above_red", amber_below_red: "err_amber_below_red",
      percent_over_100: "err_percent_over_100", not_a_number: "err_not_a_number",
    };
    const what = name && name in LABELS ? t(LABELS[name]) : field;
    return `${what}: ${code in known ? t(known[code]) : message}`;
  };

  const save = async (event: Event) => {
    event.preventDefault();
    // A row's limits checked as they apply: its empty edges the account's.
    const applied = (r: RowThresholds) => Object.fromEntries(LIMIT_NAMES.map(
      (n) => [n, r[n] ? merged(r[n], draft[n]) : null])) as Record<LimitName, Limit | null>;
    const sets: [string, Partial<Record<LimitName, Limit | null>>][] = [
      ["", draft], ...draft.rows.map((r): [string, Record<LimitName, Limit | null>] =>
        [`${r.report}:${r.id}`, applied(r)])];
    for (const row of draft.rows) {
      const sl = row.sl_threshold_s;
      if (sl != null && (Number.isNaN(sl) || sl <= 0 || sl > MAX_SL_S)) {
        setTarget(`${row.report}:${row.id}`);
        setError(`${t("sl_threshold_field")}: ${t("err_sl_threshold")}`);
        return;
      }
    }
    for (const [where, limits] of sets) {
      const problem = problemOf(limits);
      if (problem) {
        setTarget(where);
        setError(said(problem.field, problem.code, ""));
        return;
      }
    }
    try {
      onSaved(await api.saveThresholds(account, draft));
    } catch (err) {
      setError(err instanceof HttpError ? said(err.field ?? "", err.code ?? "", err.message)
        : String(err));
    }
  };

  // Focus stays in the dialog: Tab from the last control goes to the first, and back.
  const trap = (event: KeyboardEvent) => {
    if (event.key === "Escape") { onClose(); return; }
    if (event.key !== "Tab" || !dialog.current) return;
    const controls = [...dialog.current.querySelectorAll<HTMLElement>(
      "select, input, button")].filter((e) => !e.hasAttribute("disabled"));
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  };

  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form ref={dialog} class="dialog" role="dialog" aria-modal="true"
            aria-labelledby="thresholds-title" onSubmit={save} onKeyDown={trap}>
        <h2 id="thresholds-title">{t("thresholds")}</h2>
        <label class="threshold-target">{t("thresholds_for")}{" "}
          <select name="target" value={target}
                  onChange={(e) => { setTarget((e.target as HTMLSelectElement).value); setError(null); }}>
            <option value="">{t("thresholds_account")}</option>
            {rows.map((r) => (
              <option key={`${r.report}:${r.id}`} value={`${r.report}:${r.id ?? ""}`}>
                {`${t(r.report === "channel" ? "channel_word" : "group_word")}: ${r.name}`}
              </option>
            ))}
          </select>
        </label>
        {target !== "" && <p class="hint">{t("thresholds_row_hint")}</p>}
        <table>
          <thead>
            <tr><th scope="col" /><th scope="col">{t("amber_word")}</th><th scope="col">{t("red_word")}</th></tr>
          </thead>
          <tbody>
            {LIMIT_NAMES.map((name) => {
              const below = LOWER_IS_WORSE.has(name);
              const limit = limitOf(name);
              return (
                <tr key={name}>
                  <th scope="row">{label(name)}{" "}
                    <span class="direction">{t(below ? "when_below" : "when_above")}</span></th>
                  {(["amber", "red"] as const).map((edge) => (
                    <td key={edge}>
                      <input type="number" min="0" step="any" name={`${name}.${edge}`}
                             aria-label={`${label(name)}: ${t(below ? (edge === "amber" ? "sl_amber" : "sl_red") : edge)}`}
                             placeholder={target === "" ? "" : String(draft[name][edge] ?? "")}
                             value={limit[edge] ?? ""}
                             onInput={(e) => change(name, edge, (e.target as HTMLInputElement).value)} />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
        {target !== "" && (
          <label class="threshold-sl">{t("sl_threshold_field")}{" "}
            <input type="number" min="1" step="any" name="sl_threshold_s"
                   placeholder={String(accountSl)} value={own?.sl_threshold_s ?? ""}
                   onInput={(e) => changeSl((e.target as HTMLInputElement).value)} />
          </label>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>{t("cancel")}</button>
          <button type="submit" class="primary">{t("save")}</button>
        </div>
      </form>
    </div>
  );
}

// The alerts panel: how this page calls for attention (sound, browser notifications), the
// alerts of late (fired, resolved, acknowledged), and for admins the rules and where their
// messages went.
import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { type RuleFields, ruleOf } from "../alerts";
import { useWords } from "../context";
import { formatClock } from "../format";
import type { Key } from "../i18n";
import type { Alert, AlertFigure, AlertRule, Delivery } from "../types";
import type { RowChoice } from "./Campaigns";
import { useAlertWords } from "./AlertBanner";

interface Props {
  account: string;
  timezone: string;
  admin: boolean;
  figures: readonly AlertFigure[];
  names: ReadonlyMap<string, string>;
  rows: readonly RowChoice[];
  changed: string;  // the open alerts' state: the history is read again when it changes
  sound: boolean;
  notify: boolean;
  onSound: (on: boolean) => void;
  onNotify: (on: boolean) => void;
}

export function Alerts(props: Props) {
  const { account, timezone, admin, figures, names, changed } = props;
  const { lang, t } = useWords();
  const [history, setHistory] = useState<Alert[]>([]);
  const [rules, setRules] = useState<AlertRule[]>([]);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [error, setError] = useState<string | null>(null);
  const byName = new Map(figures.map((f) => [f.name, f]));
  const say = useAlertWords(byName, names);
  const clock = (iso: string | null) => (iso ? formatClock(new Date(iso), timezone, lang) : "—");

  const reload = () => {
    api.alertHistory(account).then((page) => setHistory(page.alerts), () => undefined);
    if (admin) {
      api.alertRules(account).then(setRules, () => undefined);
      api.deliveries(account).then(setDeliveries, () => undefined);
    }
  };
  useEffect(reload, [account, admin, changed]);

  const remove = (rule: AlertRule) =>
    api.deleteAlertRule(account, rule.id).then(reload, (err: unknown) => setError(String(err)));
  // Secrets come back null: sent so, the service keeps the saved ones.
  const pause = (rule: AlertRule) => {
    const { id, ...draft } = rule;
    api.updateAlertRule(account, id, { ...draft, enabled: rule.enabled === false })
      .then(reload, (err: unknown) => setError(String(err)));
  };

  return (
    <section class="panel alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t("alerts_title")}</h2>
      <fieldset class="alert-prefs">
        <legend>{t("alerts_on_this_page")}</legend>
        <label><input type="checkbox" name="alert-sound" checked={props.sound}
                      onChange={(e) => props.onSound((e.target as HTMLInputElement).checked)} />
          {" "}{t("alerts_sound")}</label>
        <label><input type="checkbox" name="alert-notify" checked={props.notify}
                      onChange={(e) => props.onNotify((e.target as HTMLInputElement).checked)} />
          {" "}{t("alerts_notify")}</label>
      </fieldset>
      <h3>{t("alerts_history")}</h3>
      {history.length === 0 ? <p>{t("alerts_none")}</p> : (
        <div class="table-scroll">
          <table class="alert-history">
            <thead>
              <tr>
                <th scope="col">{t("alert_rule")}</th>
                <th scope="col">{t("alert_what")}</th>
                <th scope="col">{t("alert_fired")}</th>
                <th scope="col">{t("alert_resolved")}</th>
                <th scope="col">{t("alert_acked")}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((a) => (
                <tr key={a.id} data-alert={a.id} data-state={a.resolved_at ? "resolved" : "firing"}>
                  <th scope="row">{a.name}</th>
                  <td>{say(a)}</td>
                  <td>{clock(a.fired_at)}</td>
                  <td>{a.resolved_at ? clock(a.resolved_at) : t("alert_open")}
                    {a.resolved_why === "rule_changed" && ` (${t("alert_rule_changed")})`}</td>
                  <td>{a.acked_at ? clock(a.acked_at) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && (
        <>
          <h3>{t("alert_rules")}</h3>
          {error && <p class="error" role="alert">{error}</p>}
          {rules.length === 0 ? <p>{t("alert_rules_none")}</p> : (
            <ul class="rule-list">
              {rules.map((r) => (
                <li key={r.id} data-rule={r.id}>
                  <strong>{r.name}</strong>{": "}
                  {t(r.comparison === "above" ? "rule_above" : "rule_below", {
                    figure: byName.get(r.figure)?.[lang] ?? r.figure, limit: String(r.threshold),
                    hold: String(r.hold_s) })}
                  {r.webhook && <span class="rule-to">{" · "}{t("rule_webhook")}</span>}
                  {r.telegram && <span class="rule-to">{" · "}Telegram</span>}
                  {r.enabled === false && <em>{" · "}{t("rule_paused")}</em>}
                  {" "}
                  <button type="button" onClick={() => pause(r)}
                          aria-label={`${t(r.enabled === false ? "rule_resume" : "rule_pause")}: ${r.name}`}>
                    {t(r.enabled === false ? "rule_resume" : "rule_pause")}</button>
                  {" "}
                  <button type="button" aria-label={`${t("campaign_delete")}: ${r.name}`}
                          onClick={() => remove(r)}>{t("campaign_delete")}</button>
                </li>
              ))}
            </ul>
          )}
          <RuleForm account={account} figures={figures} rows={props.rows} onAdded={reload} />
          {deliveries.length > 0 && (
            <details class="deliveries">
              <summary>{t("alert_deliveries", { n: String(deliveries.length) })}</summary>
              <div class="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t("delivery_to")}</th>
                      <th scope="col">{t("delivery_event")}</th>
                      <th scope="col">{t("delivery_state")}</th>
                      <th scope="col">{t("delivery_attempts")}</th>
                      <th scope="col">{t("delivery_error")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {deliveries.map((d) => (
                      <tr key={d.id} data-delivery={d.id} data-state={d.state}>
                        <th scope="row">{d.kind === "telegram" ? `Telegram ${d.to}` : d.to}</th>
                        <td>{t(d.event === "firing" ? "delivery_firing" : "delivery_resolved")}</td>
                        <td>{t(`delivery_${d.state}` as Key)}</td>
                        <td>{d.attempts}</td>
                        <td>{d.last_error ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </>
      )}
    </section>
  );
}

const EMPTY = {
  name: "", comparison: "above" as const, threshold: "", clear: "", hold: "60", row: "",
  quietFrom: "", quietTo: "", webhookUrl: "", webhookSecret: "", telegramChat: "",
  telegramToken: "",
};

function RuleForm({ account, figures, rows, onAdded }: {
  account: string; figures: readonly AlertFigure[]; rows: readonly RowChoice[];
  onAdded: () => void;
}) {
  const { lang, t } = useWords();
  const [f, setF] = useState<Omit<RuleFields, "figure" | "language"> & { figure: string }>(
    { ...EMPTY, figure: "in_queue" });
  const [error, setError] = useState<string | null>(null);
  const set = (name: keyof typeof f) => (e: Event) =>
    setF({ ...f, [name]: (e.target as HTMLInputElement | HTMLSelectElement).value });
  const figure = figures.find((x) => x.name === f.figure);
  const choices = rows.filter((r) => !figure?.channels_only || r.report === "channel");

  const submit = async (event: Event) => {
    event.preventDefault();
    const checked = ruleOf({ ...f, figure, language: lang });
    if ("field" in checked) {
      return setError(`${checked.field}: ${t(checked.problem === "number" ? "rule_bad_number"
                                                                          : "rule_bad_pair")}`);
    }
    try {
      await api.createAlertRule(account, checked.draft);
      setF({ ...EMPTY, figure: f.figure });
      setError(null);
      onAdded();
    } catch (err) {
      setError(err instanceof HttpError ? `${err.field ?? ""}: ${err.message}` : String(err));
    }
  };

  return (
    <form class="rule-form" onSubmit={submit} aria-labelledby="rule-new">
      <h3 id="rule-new">{t("rule_new")}</h3>
      <div class="campaign-fields">
        <label>{t("campaign_name")}
          <input name="rule-name" required maxLength={200} value={f.name} onInput={set("name")} />
        </label>
        <label>{t("rule_figure")}
          <select name="rule-figure" value={f.figure} onChange={set("figure")}>
            {figures.map((x) => <option key={x.name} value={x.name}>{x[lang]}</option>)}
          </select>
        </label>
        <label>{t("rule_rows")}
          <select name="rule-row" value={f.row} onChange={set("row")}>
            <option value="">{t("campaign_all_rows")}</option>
            {!figure?.channels_only && <option value="total:">{t("total")}</option>}
            {choices.map((r) => (
              <option key={`${r.report}:${r.id}`} value={`${r.report}:${r.id ?? ""}`}>
                {`${t(r.report === "channel" ? "alert_channel" : "alert_group")} ${r.name}`}
              </option>))}
          </select>
        </label>
        <label>{t("rule_when")}
          <select name="rule-comparison" value={f.comparison} onChange={set("comparison")}>
            <option value="above">{t("rule_is_above")}</option>
            <option value="below">{t("rule_is_below")}</option>
          </select>
        </label>
        <label>{t(figure?.unit === "percent" || figure?.unit === "share" ? "rule_threshold_pct"
                                                                         : "rule_threshold")}
          <input name="rule-threshold" required inputMode="decimal" value={f.threshold}
                 onInput={set("threshold")} /></label>
        <label>{t("rule_clear")}
          <input name="rule-clear" inputMode="decimal" value={f.clear} onInput={set("clear")} />
        </label>
        <label>{t("rule_hold")}
          <input name="rule-hold" inputMode="numeric" value={f.hold} onInput={set("hold")} />
        </label>
        <label>{t("rule_quiet_from")}
          <input name="rule-quiet-from" type="time" value={f.quietFrom} onInput={set("quietFrom")} />
        </label>
        <label>{t("rule_quiet_to")}
          <input name="rule-quiet-to" type="time" value={f.quietTo} onInput={set("quietTo")} />
        </label>
        <label>{t("rule_webhook_url")}
          <input name="rule-webhook-url" type="url" value={f.webhookUrl} onInput={set("webhookUrl")} />
        </label>
        <label>{t("rule_webhook_secret")}
          <input name="rule-webhook-secret" type="password" autoComplete="off" value={f.webhookSecret}
                 onInput={set("webhookSecret")} /></label>
        <label>{t("rule_telegram_chat")}
          <input name="rule-telegram-chat" value={f.telegramChat} onInput={set("telegramChat")} />
        </label>
        <label>{t("rule_telegram_token")}
          <input name="rule-telegram-token" type="password" autoComplete="off"
                 value={f.telegramToken} onInput={set("telegramToken")} /></label>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">{t("rule_add")}</button>
    </form>
  );
}

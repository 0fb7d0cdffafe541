// Campaigns: the marks on the timeline, what each did against normal, and (for admins) marking,
// ending and deleting them. Times are typed and shown on the account's clock.
import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { byStart, localInput, verdict, zonedIso } from "../campaigns";
import { useWords } from "../context";
import { formatCount, formatDuration, formatPercent } from "../format";
import type { Campaign, CampaignDraft, CampaignReport, CampaignRowEffect } from "../types";

export interface RowChoice { report: "channel" | "group"; id: string | null; name: string }

interface Props {
  account: string;
  timezone: string;
  admin: boolean;
  campaigns: readonly Campaign[];
  rows: readonly RowChoice[];  // what a campaign may aim at
  onChanged: () => void;  // a campaign was marked, ended or deleted
}

const rowKey = (r: { report: string; id: string | null }) => `${r.report}:${r.id ?? ""}`;

export function Campaigns({ account, timezone, admin, campaigns, rows, onChanged }: Props) {
  const { lang, t } = useWords();
  const [open, setOpen] = useState<string | null>(null);  // the campaign whose report is shown
  const [error, setError] = useState<string | null>(null);
  const names = new Map(rows.map((r) => [rowKey(r), r.name]));
  const when = (iso: string) => new Intl.DateTimeFormat(lang, {
    timeZone: timezone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    hour12: false,
  }).format(new Date(iso));
  const aimed = (c: Campaign) => (c.rows.length === 0 ? t("campaign_all_rows")
    : c.rows.map((r) => (r.report === "total" ? t("total_row")
      : names.get(rowKey(r)) ?? r.id ?? t("no_group"))).join(", "));
  const failed = (err: unknown) =>
    setError(err instanceof HttpError ? `${err.field ?? ""}: ${err.message}` : String(err));
  const endNow = (c: Campaign) =>
    api.updateCampaign(account, c.id, { name: c.name, start: c.start,
                                        end: new Date().toISOString(), rows: c.rows })
      .then(onChanged, failed);
  const remove = (c: Campaign) => {
    if (open === c.id) setOpen(null);
    api.deleteCampaign(account, c.id).then(onChanged, failed);
  };

  return (
    <section class="panel campaigns" aria-labelledby="campaigns-title">
      <h2 id="campaigns-title">{t("campaigns_title")}</h2>
      {admin && <CampaignForm account={account} timezone={timezone} rows={rows}
                              onMarked={onChanged} />}
      {error && <p class="error" role="alert">{error}</p>}
      {campaigns.length === 0 ? <p>{t("campaign_none")}</p> : (
        <ul class="campaign-list">
          {byStart(campaigns).map((c) => (
            <li key={c.id} data-campaign={c.id}>
              <div class="campaign-line">
                <strong>{c.name}</strong>{" "}
                <span>{when(c.start)} – {c.end ? when(c.end) : t("campaign_running")}</span>
                {" · "}<span>{aimed(c)}</span>
                <span class="campaign-actions">
                  <button type="button" aria-expanded={open === c.id}
                          aria-controls={`report-${c.id}`}
                          onClick={() => setOpen(open === c.id ? null : c.id)}>
                    {t(open === c.id ? "campaign_hide" : "campaign_report")}
                  </button>
                  {admin && !c.end && (
                    <button type="button" onClick={() => endNow(c)}>{t("campaign_end_now")}</button>
                  )}
                  {admin && (
                    <button type="button" aria-label={`${t("campaign_delete")}: ${c.name}`}
                            onClick={() => remove(c)}>{t("campaign_delete")}</button>
                  )}
                </span>
              </div>
              {open === c.id && <Report account={account} campaign={c} names={names}
                                        when={when} id={`report-${c.id}`} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CampaignForm({ account, timezone, rows, onMarked }: {
  account: string; timezone: string; rows: readonly RowChoice[]; onMarked: () => void;
}) {
  const { t } = useWords();
  const [name, setName] = useState("");
  const [start, setStart] = useState(() => localInput(new Date(), timezone));
  const [end, setEnd] = useState("");
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const startIso = zonedIso(start, timezone);
    const endIso = end === "" ? null : zonedIso(end, timezone);
    if (startIso === null) return setError(`start: ${t("campaign_bad_time")}`);
    if (end !== "" && endIso === null) return setError(`end: ${t("campaign_bad_time")}`);
    const draft: CampaignDraft = {
      name: name.trim(), start: startIso, end: endIso,
      rows: rows.filter((r) => chosen.has(rowKey(r))).map((r) => ({ report: r.report, id: r.id })),
    };
    try {
      await api.createCampaign(account, draft);
      setName("");
      setEnd("");
      setChosen(new Set());
      setError(null);
      onMarked();
    } catch (err) {
      setError(err instanceof HttpError ? `${err.field ?? ""}: ${err.message}` : String(err));
    }
  };
  const toggle = (key: string) => {
    const next = new Set(chosen);
    if (!next.delete(key)) next.add(key);
    setChosen(next);
  };

  return (
    <form class="campaign-form" onSubmit={submit} aria-labelledby="campaign-new">
      <h3 id="campaign-new">{t("campaign_new")}</h3>
      <div class="campaign-fields">
        <label>{t("campaign_name")}
          <input name="campaign-name" required maxLength={200} value={name}
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <label>{t("campaign_start")}
          <input name="campaign-start" type="datetime-local" required value={start}
                 onInput={(e) => setStart((e.target as HTMLInputElement).value)} /></label>
        <label>{t("campaign_end")}
          <input name="campaign-end" type="datetime-local" value={end}
                 onInput={(e) => setEnd((e.target as HTMLInputElement).value)} /></label>
      </div>
      <fieldset class="campaign-rows">
        <legend>{t("campaign_rows")}</legend>
        {rows.map((r) => (
          <label key={rowKey(r)}>
            <input type="checkbox" name="campaign-row" value={rowKey(r)}
                   checked={chosen.has(rowKey(r))} onChange={() => toggle(rowKey(r))} />
            {" "}{r.name}
          </label>
        ))}
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">{t("campaign_add")}</button>
    </form>
  );
}

function Report({ account, campaign, names, when, id }: {
  account: string; campaign: Campaign; names: Map<string, string>;
  when: (iso: string) => string; id: string;
}) {
  const { lang, t } = useWords();
  const [report, setReport] = useState<CampaignReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    api.campaignReport(account, campaign.id).then((r) => !stop && setReport(r),
                                                  (err: unknown) => !stop && setError(String(err)));
    return () => { stop = true; };
  }, [account, campaign.id, campaign.end]);

  if (error) return <p id={id} class="error" role="alert">{error}</p>;
  if (!report) return <p id={id}>{t("loading")}</p>;
  const name = (r: CampaignRowEffect) => (r.report === "total" ? t("total_row")
    : r.id === null ? t("no_group") : names.get(rowKey(r)) ?? r.id);
  const count = (v: number | null) => (v === null ? "—" : formatCount(Math.round(v), lang));
  const signed = (v: number | null) => (v === null ? "—"
    : `${v > 0 ? "+" : v < 0 ? "−" : ""}${formatCount(Math.abs(Math.round(v)), lang)}`);
  const weeks = Math.max(0, ...report.rows.map((r) => r.weeks));
  return (
    <div id={id} class="campaign-report">
      <p>{t(weeks >= 2 ? "report_period" : "report_no_history",
            { from: when(report.from), to: when(report.to), weeks: String(weeks) })}</p>
      <table class="report-table">
        <thead>
          <tr>
            <th scope="col">{t("report_row")}</th>
            <th scope="col">{t("report_arrived")}</th>
            <th scope="col">{t("report_normal")}</th>
            <th scope="col">{t("report_extra")}</th>
            <th scope="col">{t("report_wait")}</th>
            <th scope="col">{t("report_normal_wait")}</th>
            <th scope="col">{t("report_lost")}</th>
            <th scope="col">{t("report_normal_lost")}</th>
          </tr>
        </thead>
        <tbody>
          {report.rows.map((r) => {
            const said = verdict(r);
            return (
              <tr key={rowKey(r)} data-row={rowKey(r)} data-verdict={said}>
                <th scope="row">{name(r)}</th>
                <td>{formatCount(r.arrived, lang)}</td>
                <td>{count(r.expected)}</td>
                <td>{signed(r.uplift)}
                  {r.uplift_low !== null && r.uplift_high !== null &&
                    ` (${signed(r.uplift_low)} … ${signed(r.uplift_high)})`}
                  {said !== "unknown" && <span class={`verdict ${said}`}> · {t(`verdict_${said}`)}</span>}
                </td>
                <td>{formatDuration(r.avg_wait_s, lang)}</td>
                <td>{formatDuration(r.normal_avg_wait_s, lang)}</td>
                <td>{formatCount(r.unserved, lang)} ({formatPercent(r.unserved_share, lang)})</td>
                <td>{count(r.normal_unserved)} ({formatPercent(r.normal_unserved_share, lang)})</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// An admin changes when figures turn amber or red.
import { useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { useWords } from "../context";
import type { Key } from "../i18n";
import type { Limit, Thresholds } from "../types";

interface Props {
  account: string;
  value: Thresholds;
  onSaved: (value: Thresholds) => void;
  onClose: () => void;
}

const FIGURES: [keyof Thresholds, Key][] = [
  ["avg_wait_s", "avg_wait_s"], ["longest_wait_s", "longest_wait_s"], ["in_queue", "in_queue"],
  ["sl_percent", "sl"],
];

export function ThresholdDialog({ account, value, onSaved, onClose }: Props) {
  const { t } = useWords();
  const [draft, setDraft] = useState<Thresholds>(value);
  const [error, setError] = useState<string | null>(null);

  const change = (figure: keyof Thresholds, edge: keyof Limit, text: string) => {
    const number = text.trim() === "" ? null : Number(text);
    setDraft({ ...draft, [figure]: { ...draft[figure], [edge]: number } });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    try {
      onSaved(await api.saveThresholds(account, draft));
    } catch (err) {
      setError(err instanceof HttpError ? `${err.field ?? ""}: ${err.message}` : String(err));
    }
  };

  return (
    <div class="dialog-backdrop">
      <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="thresholds-title"
            onSubmit={save} onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h2 id="thresholds-title">{t("thresholds")}</h2>
        <table>
          <thead>
            <tr><th scope="col" /><th scope="col">{t("amber")}</th><th scope="col">{t("red")}</th></tr>
          </thead>
          <tbody>
            {FIGURES.map(([figure, label]) => {
              const below = figure === "sl_percent";
              return (
                <tr key={figure}>
                  <th scope="row">{t(label)}{below ? ", %" : figure === "in_queue" ? "" : ", s"}</th>
                  {(["amber", "red"] as const).map((edge) => (
                    <td key={edge}>
                      <input type="number" min="0" step="any" name={`${figure}.${edge}`}
                             aria-label={`${t(label)}: ${t(below ? (edge === "amber" ? "sl_amber" : "sl_red") : edge)}`}
                             value={draft[figure][edge] ?? ""}
                             onInput={(e) => change(figure, edge, (e.target as HTMLInputElement).value)} />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>{t("cancel")}</button>
          <button type="submit" class="primary">{t("save")}</button>
        </div>
      </form>
    </div>
  );
}

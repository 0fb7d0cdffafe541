// Reading the staffing advice and the operator list for the screen.
import type { Lang } from "./i18n";
import type { OperatorInfo, RowStaffing, Staffing } from "./types";

/** The staffing of each group by id (the no-group row has none: it has no operators). */
export function staffByGroup(staffing: Staffing | null): Map<string, RowStaffing> {
  return new Map((staffing?.rows ?? []).flatMap((row) =>
    row.report === "group" && row.id != null ? [[row.id, row] as const] : []));
}

/** Operators the row lacks (negative: to spare); null when the model has no answer. */
export function shortBy(row: RowStaffing | undefined): number | null {
  return row?.needed == null ? null : row.needed - row.operators;
}

/** Operators as a supervisor counts them: whole, or with one decimal when shared. */
export function formatOperators(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
}

/** An age the server gave at ``receivedAt``, grown to ``now`` (both this browser's clock). */
export function ageNow(age: number | null, receivedAt: number, now: number): number | null {
  return age == null ? null : age + Math.max(0, now - receivedAt) / 1000;
}

const STATUS_ORDER: Record<OperatorInfo["status"], number> = {
  available: 0, busy: 1, away: 2, offline: 3,
};

/** The operators of one group (all when null), in the list's order: available first. */
export function operatorsOf(operators: readonly OperatorInfo[], group: string | null
                            ): OperatorInfo[] {
  const mine = group == null ? [...operators] : operators.filter((o) => o.groups.includes(group));
  return mine.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

// Turns the summary's flat monthly rows into chart series: one dataset per app, one value per
// month (zero where the app earned nothing), in one currency. Pure, unit-tested.
import type { AppName, Money } from '../ipc';
import { toMajor } from '../lib/format';

export interface Series {
  /** `YYYY-MM`, oldest first. */
  months: string[];
  datasets: { appId: string | null; label: string; data: number[] }[];
}

export interface MonthlyRow {
  month: string;
  appId: string | null;
}

export function appLabel(appId: string | null, apps: AppName[], other: string): string {
  if (appId === null) return other;
  return apps.find((a) => a.id === appId)?.name ?? appId;
}

/** One dataset per app (sorted by total, largest first), summing `value` per month. */
export function pivot<R extends MonthlyRow>(
  months: string[],
  rows: R[],
  value: (row: R) => number,
  apps: AppName[],
  other: string,
): Series {
  const index = new Map(months.map((m, i) => [m, i]));
  const byApp = new Map<string | null, number[]>();
  for (const row of rows) {
    const at = index.get(row.month);
    if (at === undefined) continue;
    let data = byApp.get(row.appId);
    if (!data) {
      data = months.map(() => 0);
      byApp.set(row.appId, data);
    }
    data[at] = (data[at] ?? 0) + value(row);
  }
  const total = (data: number[]) => data.reduce((a, b) => a + b, 0);
  const datasets = [...byApp.entries()]
    .map(([appId, data]) => ({ appId, label: appLabel(appId, apps, other), data }))
    .sort((a, b) => total(b.data) - total(a.data) || a.label.localeCompare(b.label));
  return { months, datasets };
}

/** The major-unit value of `money` if it is in `currency`, else 0. */
export function inCurrency(money: Money, currency: string): number {
  return money.currency === currency ? toMajor(money) : 0;
}

/** Every currency that appears, the one with the largest absolute total first. */
export function currenciesOf(amounts: Money[]): string[] {
  const totals = new Map<string, number>();
  for (const m of amounts) totals.set(m.currency, (totals.get(m.currency) ?? 0) + Math.abs(toMajor(m)));
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

/** Whole days from `now` until `iso` (0 when it is today or past). */
export function daysUntil(iso: string, now: Date): number {
  const ms = new Date(iso).getTime() - now.getTime();
  return Math.max(0, Math.floor(ms / 86_400_000));
}

/**
 * The currency the charts start in: the chosen card's (the currency of its latest purchase),
 * else the one most of the wallet's cards use, when the summary has amounts in it; else the
 * summary's first (`currencies`, largest total first). Empty when there is no amount at all.
 */
export function defaultCurrency(
  currencies: string[],
  cards: { token: string; currency: string | null }[],
  cardToken: string,
): string {
  const available = (c: string | null | undefined): c is string => !!c && currencies.includes(c);
  if (cardToken) {
    const own = cards.find((c) => c.token === cardToken)?.currency;
    if (available(own)) return own;
  }
  const uses = new Map<string, number>();
  for (const c of cards) if (available(c.currency)) uses.set(c.currency, (uses.get(c.currency) ?? 0) + 1);
  // Ties go to the currency with the larger total (the order of `currencies`).
  const main = [...uses.entries()].sort((a, b) => b[1] - a[1] || currencies.indexOf(a[0]) - currencies.indexOf(b[0]))[0];
  return main?.[0] ?? currencies[0] ?? '';
}

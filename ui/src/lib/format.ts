// Locale-aware formatting of money (integer minor units + ISO 4217 code), dates and months.
// Pure functions of their arguments (the locale is passed in), so they are unit-tested.
import type { Money } from '../ipc';

const digitsCache = new Map<string, number>();

/** How many minor-unit digits a currency has (EUR 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** `{minor: 1240, currency: 'EUR'}` → "€12.40" (en) / "12,40 €" (fr). Never through a float sum. */
export function formatMoney(money: Money, locale: string, options: { signed?: boolean } = {}): string {
  const digits = minorDigits(money.currency);
  const major = money.minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: options.signed ? 'exceptZero' : 'auto',
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${money.currency}`;
  }
}

/** Minor units as a plain number of major units, for chart axes. */
export function toMajor(money: Money): number {
  return money.minor / 10 ** minorDigits(money.currency);
}

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

/** `2026-03` → "Mar 2026" / "mars 2026". Months are UTC calendar months. */
export function formatMonth(month: string, locale: string): string {
  const [year, mon] = month.split('-').map(Number);
  if (!year || !mon) return month;
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, mon - 1, 1)),
  );
}

export function formatNumber(value: number, locale: string, options: { signed?: boolean } = {}): string {
  return new Intl.NumberFormat(locale, { signDisplay: options.signed ? 'exceptZero' : 'auto' }).format(value);
}

/** A `YYYY-MM-DD` from a date input, as the instant its local day starts (ISO, UTC). */
export function startOfLocalDay(day: string): string | null {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return null;
  return new Date(y, m - 1, d).toISOString();
}

/** The instant after the local day `day` ends: the exclusive upper bound of a date range. */
export function endOfLocalDay(day: string): string | null {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return null;
  return new Date(y, m - 1, d + 1).toISOString();
}

/** "5 minutes ago" / "il y a 5 minutes", "now" under 45 seconds; `now` is passed in. */
export function formatRelative(iso: string, now: Date, locale: string): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** Money as a person types it in `locale`, without symbol or grouping: "4.50" (en), "4,50" (fr). */
export function formatAmountInput(money: Money, locale: string): string {
  const digits = minorDigits(money.currency);
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false,
  }).format(money.minor / 10 ** digits);
}

/** A typed amount ("4.50", "4,50", "12") in minor units of `currency`; null unless positive. */
export function parseAmount(text: string, currency: string): Money | null {
  const trimmed = text.trim().replace(/\s/g, '');
  const digits = minorDigits(currency);
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(trimmed);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) && minor > 0 ? { minor, currency } : null;
}

// A day typed the way the window's language writes it (03/12/2026 in French, 12/03/2026 in
// English), kept as an ISO day (2026-12-03). WebKitGTK draws `<input type="date">` in the
// system's locale whatever the page's language, so the app's date fields are text fields
// that use these.

type Part = 'day' | 'month' | 'year';

export interface DayShape {
  /** The order of the fields, e.g. day, month, year. */
  order: Part[];
  /** What separates them, e.g. "/". */
  separator: string;
  /** What to type, in the language's words: "jj/mm/aaaa", "mm/dd/yyyy". */
  placeholder: string;
}

const ENGLISH_LETTERS: Record<Part, string> = { day: 'dd', month: 'mm', year: 'yyyy' };
const LETTERS: Record<string, Record<Part, string>> = {
  fr: { day: 'jj', month: 'mm', year: 'aaaa' },
  en: ENGLISH_LETTERS,
};

export function dayShape(locale: string): DayShape {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    new Date(2026, 11, 31),
  );
  const order = parts.map((p) => p.type).filter((t): t is Part => t === 'day' || t === 'month' || t === 'year');
  const separator = parts.find((p) => p.type === 'literal')?.value ?? '/';
  const letters = LETTERS[locale.slice(0, 2)] ?? ENGLISH_LETTERS;
  return { order, separator, placeholder: order.map((p) => letters[p]).join(separator) };
}

/** `iso` (YYYY-MM-DD) written for `locale`; '' for '' or something that is not a day. */
export function formatDay(iso: string, locale: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const [, year, month, day] = match ?? [];
  if (year === undefined || month === undefined || day === undefined) return '';
  const fields: Record<Part, string> = { year, month, day };
  const shape = dayShape(locale);
  return shape.order.map((p) => fields[p]).join(shape.separator);
}

/** The ISO day `text` names in `locale`'s order, or null when it names no real day. */
export function parseDay(text: string, locale: string): string | null {
  const numbers = text.trim().split(/[^0-9]+/).filter((n) => n !== '');
  const shape = dayShape(locale);
  if (numbers.length !== 3) return null;
  const fields = {} as Record<Part, number>;
  shape.order.forEach((part, i) => (fields[part] = Number(numbers[i])));
  const { year, month, day } = fields;
  if (numbers[shape.order.indexOf('year')]?.length !== 4) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// Card-number helpers for the link form: Luhn check, brand from the leading digits (the same
// IIN table as crates/domain/src/card.rs), and the masked display shown while typing.
// The digits themselves only ever live in the form's local variable.

export type Brand =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'jcb'
  | 'diners_club'
  | 'union_pay'
  | 'maestro'
  | 'mir'
  | 'unknown';

/** The brands the platform tokenizes; others are recognised but refused there. */
export const SUPPORTED_BRANDS: readonly Brand[] = ['visa', 'mastercard', 'amex', 'discover'];

export const MASK = '•';

// First match wins; more specific prefixes come before the broader ones they overlap.
const IIN_RANGES: readonly (readonly [string, string, Brand])[] = [
  ['2200', '2204', 'mir'],
  ['2221', '2720', 'mastercard'],
  ['300', '305', 'diners_club'],
  ['3095', '3095', 'diners_club'],
  ['34', '34', 'amex'],
  ['37', '37', 'amex'],
  ['36', '36', 'diners_club'],
  ['38', '39', 'diners_club'],
  ['3528', '3589', 'jcb'],
  ['4', '4', 'visa'],
  ['51', '55', 'mastercard'],
  ['50', '50', 'maestro'],
  ['56', '58', 'maestro'],
  ['6011', '6011', 'discover'],
  ['644', '649', 'discover'],
  ['65', '65', 'discover'],
  ['62', '62', 'union_pay'],
  ['6304', '6304', 'maestro'],
  ['6759', '6759', 'maestro'],
  ['6761', '6763', 'maestro'],
];

const LENGTHS: Record<Brand, readonly number[]> = {
  visa: [13, 16, 19],
  mastercard: [16],
  amex: [15],
  diners_club: [14, 15, 16, 17, 18, 19],
  maestro: [12, 13, 14, 15, 16, 17, 18, 19],
  unknown: [12, 13, 14, 15, 16, 17, 18, 19],
  discover: [16, 17, 18, 19],
  jcb: [16, 17, 18, 19],
  union_pay: [16, 17, 18, 19],
  mir: [16, 17, 18, 19],
};

export const MAX_DIGITS = 19;

export function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/** The brand the leading digits announce; `unknown` until a range matches. */
export function detectBrand(digits: string): Brand {
  const match = IIN_RANGES.find(([from, to]) => {
    const prefix = digits.slice(0, from.length);
    return prefix.length === from.length && from <= prefix && prefix <= to;
  });
  return match ? match[2] : 'unknown';
}

export function lengthsFor(brand: Brand): readonly number[] {
  return LENGTHS[brand];
}

export function maxLength(brand: Brand): number {
  return Math.max(...LENGTHS[brand]);
}

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export type NumberCheck =
  | { state: 'empty' }
  /** Still typing: not enough digits for this brand yet. */
  | { state: 'incomplete' }
  | { state: 'too_long' }
  /** A complete length whose check digit does not match. */
  | { state: 'luhn' }
  | { state: 'unsupported'; brand: Brand }
  | { state: 'valid' };

/** Where a typed number stands; `incomplete` is not an error while the cardholder types. */
export function checkNumber(digits: string): NumberCheck {
  if (digits.length === 0) return { state: 'empty' };
  const brand = detectBrand(digits);
  const lengths = LENGTHS[brand];
  if (digits.length > maxLength(brand)) return { state: 'too_long' };
  if (!lengths.includes(digits.length)) {
    return { state: 'incomplete' };
  }
  if (!luhnValid(digits)) {
    // Most cards have 16 digits: say "mistyped" from there (Amex at 15), not at 13 for a Visa.
    return digits.length >= Math.min(16, maxLength(brand)) ? { state: 'luhn' } : { state: 'incomplete' };
  }
  if (!SUPPORTED_BRANDS.includes(brand)) return { state: 'unsupported', brand };
  return { state: 'valid' };
}

/** Like checkNumber, but for a submit: every not-yet-valid state is an error. */
export function submitCheck(digits: string): NumberCheck {
  const check = checkNumber(digits);
  if (check.state !== 'incomplete') return check;
  const brand = detectBrand(digits);
  const lengths = LENGTHS[brand];
  // A complete length that only failed Luhn is a mistyped number, not a short one.
  return lengths.includes(digits.length) ? { state: 'luhn' } : check;
}

/** Group sizes: Amex 4-6-5, Diners 14 4-6-4, everything else by fours. */
function groups(brand: Brand, length: number): number[] {
  if (brand === 'amex') return [4, 6, 5];
  if (brand === 'diners_club' && length === 14) return [4, 6, 4];
  return [4, 4, 4, 4, 3];
}

/**
 * What the input shows: every digit masked but the last four, grouped like the card.
 * `4242424242424242` → `•••• •••• •••• 4242`.
 */
export function maskedDisplay(digits: string): string {
  const shown = digits
    .split('')
    .map((d, i) => (i < digits.length - 4 ? MASK : d))
    .join('');
  const sizes = groups(detectBrand(digits), digits.length);
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= shown.length) break;
    parts.push(shown.slice(at, at + size));
    at += size;
  }
  if (at < shown.length) parts.push(shown.slice(at));
  return parts.join(' ');
}

/** How many digits (or masks) stand before position `position` of a display string. */
function digitIndex(display: string, position: number): number {
  return display.slice(0, position).replace(/ /g, '').length;
}

/** The position in `display` just after its `index`-th digit (for the caret). */
export function displayPosition(display: string, index: number): number {
  if (index <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < display.length; i++) {
    if (display[i] !== ' ') seen++;
    if (seen === index) return i + 1;
  }
  return display.length;
}

/**
 * Applies an edit the browser made to the masked display (typing, deleting, pasting, anywhere,
 * over a selection) to the real digits. `before` is what the input showed, `after` what it
 * holds now and `caret` where the caret ended. Returns the new digits and the digit index the
 * caret should sit after.
 */
export function applyEdit(
  digits: string,
  before: string,
  after: string,
  caret: number,
): { digits: string; caret: number } {
  // Text after the caret is what the edit left untouched at the end.
  const suffix = Math.min(after.length - caret, before.length);
  let prefix = 0;
  const prefixLimit = Math.min(caret, before.length - suffix);
  while (prefix < prefixLimit && before[prefix] === after[prefix]) prefix++;
  const removedFrom = digitIndex(before, prefix);
  const removedTo = digitIndex(before, before.length - suffix);
  const inserted = digitsOf(after.slice(prefix, caret));
  let removedStart = removedFrom;
  // A Backspace that only removed a group space removes the digit before it.
  if (removedFrom === removedTo && inserted === '' && after.length < before.length && removedFrom > 0) {
    removedStart = removedFrom - 1;
  }
  const next = (digits.slice(0, removedStart) + inserted + digits.slice(removedTo)).slice(0, MAX_DIGITS);
  return { digits: next, caret: Math.min(removedStart + inserted.length, next.length) };
}

// One permission's settings as the grant detail edits them (channels, trigger, minimum
// purchase in the card's currency, end date), and the grant_set request a change makes.
import type { CardView, Channel, GrantExpiry, GrantSetRequest, GrantView, Money, Scope, Trigger } from '../ipc';
import { formatAmountInput, parseAmount } from '../lib/format';
import { ALL_CHANNELS } from './options';

/** How the end date is chosen: kept as it is, none, a number of days from now, or a day. */
export type EndChoice = 'keep' | 'never' | '30' | '90' | '365' | 'date';

export const PERIODS = ['30', '90', '365'] as const;

export interface DetailsDraft {
  channels: Channel[];
  trigger: Trigger;
  /** The minimum as typed ("4.50", "4,50"); empty for none. */
  minimum: string;
  currency: string;
  end: EndChoice;
  /** `YYYY-MM-DD` when `end` is 'date'. */
  date: string;
}

export type DraftProblem = 'noChannel' | 'badMinimum' | 'noDate' | 'pastDate';

/** Currencies offered for a minimum: the card's and the grant's first, then common ones. */
export function currencyChoices(...known: (string | null | undefined)[]): string[] {
  const all = [...known, 'EUR', 'USD', 'GBP', 'CHF', 'JPY', 'CAD'].filter((c): c is string => !!c);
  return [...new Set(all)];
}

/**
 * The currency the form starts with: the grant's minimum's own (shown as it is, even when it
 * differs from the card's: the form warns), else the one the card's purchases are made in (a
 * minimum in another currency would stop every purchase from being shared), else EUR.
 */
export function minimumCurrency(grant: GrantView | undefined, card: CardView | undefined): string {
  return grant?.minPurchase?.currency ?? card?.currency ?? 'EUR';
}

/** Whether a grant still runs and has an end that can be kept as it is. */
function hasEndToKeep(grant: GrantView | undefined, now: Date): boolean {
  return !!grant && grant.expiresAt !== null && new Date(grant.expiresAt).getTime() > now.getTime();
}

/** The form for a grant as it stands (or, for a permission not given yet, for a new one). */
export function draftOf(grant: GrantView | undefined, card: CardView | undefined, locale: string, now: Date): DetailsDraft {
  const currency = minimumCurrency(grant, card);
  const minimum = grant?.minPurchase ? formatAmountInput(grant.minPurchase, locale) : '';
  let end: EndChoice = 'never';
  if (hasEndToKeep(grant, now)) end = 'keep';
  else if (grant?.expiresAt && grant.renewalDays !== null && PERIODS.includes(String(grant.renewalDays) as '30')) {
    end = String(grant.renewalDays) as EndChoice;
  }
  return {
    channels: grant ? ALL_CHANNELS.filter((c) => grant.channels.includes(c)) : [...ALL_CHANNELS],
    trigger: grant?.trigger ?? 'authorization',
    minimum,
    currency,
    end,
    date: '',
  };
}

/** The end choices that make sense for this grant: 'keep' only while it has a future end. */
export function endChoices(grant: GrantView | undefined, now: Date): EndChoice[] {
  return [...(hasEndToKeep(grant, now) ? (['keep'] as const) : []), 'never', ...PERIODS, 'date'];
}

function localDay(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function expiryOf(draft: DetailsDraft, now: Date): GrantExpiry | DraftProblem {
  switch (draft.end) {
    case 'keep':
      return { kind: 'keep' };
    case 'never':
      return { kind: 'never' };
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.date)) return 'noDate';
      if (draft.date <= localDay(now)) return 'pastDate';
      return { kind: 'date', date: draft.date };
    default:
      return { kind: 'days', days: Number(draft.end) };
  }
}

/** The minimum the draft asks for: null for none, 'badMinimum' when it cannot be read. */
export function minimumOf(draft: DetailsDraft): Money | null | 'badMinimum' {
  if (draft.minimum.trim() === '') return null;
  return parseAmount(draft.minimum, draft.currency) ?? 'badMinimum';
}

/** The grant_set request for this permission with the draft's settings, or what is wrong. */
export function requestOf(
  draft: DetailsDraft,
  key: { appId: string; cardToken: string; scope: Scope },
  now: Date,
): { request: GrantSetRequest } | { problem: DraftProblem } {
  if (draft.channels.length === 0) return { problem: 'noChannel' };
  const minPurchase = minimumOf(draft);
  if (minPurchase === 'badMinimum') return { problem: 'badMinimum' };
  const expiry = expiryOf(draft, now);
  if (typeof expiry === 'string') return { problem: expiry };
  return {
    request: {
      ...key,
      channels: ALL_CHANNELS.filter((c) => draft.channels.includes(c)),
      trigger: draft.trigger,
      minPurchase,
      expiry,
    },
  };
}

function sameMoney(a: Money | null, b: Money | null): boolean {
  return a === b || (!!a && !!b && a.minor === b.minor && a.currency === b.currency);
}

/**
 * Whether saving would change nothing: an active grant with the same channels, trigger and
 * minimum whose end stays as it is. (Saving would still record a consent change: nothing to
 * save.)
 */
export function changesNothing(draft: DetailsDraft, grant: GrantView | undefined): boolean {
  if (!grant || grant.status !== 'active') return false;
  const endKept = draft.end === 'keep' || (draft.end === 'never' && grant.expiresAt === null);
  if (!endKept) return false;
  const minimum = minimumOf(draft);
  if (minimum === 'badMinimum') return false;
  const channels = ALL_CHANNELS.filter((c) => draft.channels.includes(c));
  const current = ALL_CHANNELS.filter((c) => grant.channels.includes(c));
  return channels.join() === current.join() && draft.trigger === grant.trigger && sameMoney(minimum, grant.minPurchase);
}

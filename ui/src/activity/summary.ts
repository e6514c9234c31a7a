// One line per feed item, phrased for the reader: which i18n key and which values.
import type { ActivityItem, EventKind, PurchaseGroup } from '../ipc';
import { formatMoney, formatNumber } from '../lib/format';

export type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** Kind filter groups offered in the UI, each a set of event kinds. */
export const KIND_GROUPS: Record<string, EventKind[]> = {
  transactions: ['transaction.authorized', 'transaction.settled', 'transaction.reversed'],
  receipts: ['receipt.issued'],
  points: ['points.awarded'],
  cashback: ['cashback.pending', 'cashback.paid'],
  offers: ['offer.issued', 'offer.redeemed'],
  recommendations: ['recommendation.made'],
  social: ['social.posted'],
  consent: ['consent.changed', 'app.terms_changed'],
  cards: ['card.changed'],
};

/** The card changes a `card.changed` item's label names. */
const CARD_CHANGES = ['linked', 'renamed', 'unlinked'];

/** `receipt.issued` → `receipt_issued`: i18n keys cannot hold dots. */
export function kindKey(kind: EventKind): string {
  return kind.replace('.', '_');
}

export function summaryLine(item: ActivityItem, t: Translate, locale: string): string {
  const money = item.amount ? formatMoney(item.amount, locale) : '';
  const values: Record<string, string | number> = {
    merchant: item.merchant ?? '',
    amount: money,
    points: item.points === null ? '' : formatNumber(item.points, locale, { signed: true }),
    label: item.label ?? '',
    text: item.text ?? '',
  };
  if (item.kind === 'consent.changed') {
    values.label = item.label ? t(`ledger.actions.${item.label}`) : '';
    values.text = item.text ? t(`scopes.${item.text}.name`) : '';
    // Who made it: this device, another one (signature verified, by name when the wallet
    // knows it), the platform restricting on its own, or only the platform's claim (no device
    // signed it).
    const origin = item.consentOrigin ?? 'other_device';
    if (origin === 'other_device' && item.deviceName) {
      return t('activity.consentOrigin.other_device_named', { values: { ...values, device: item.deviceName } });
    }
    return t(`activity.consentOrigin.${origin}`, { values });
  }
  if (item.kind === 'card.changed') {
    values.card = item.cardLast4 ? `•••• ${item.cardLast4}` : item.cardToken;
    values.nickname = item.text ?? '';
    values.where = whereMade(item, t);
    const change = item.label && CARD_CHANGES.includes(item.label) ? item.label : null;
    if (change === null) return t('activity.summary.card_changed', { values });
    return t(`activity.cardChange.${change === 'renamed' && !item.text ? 'renamedNoName' : change}`, { values });
  }
  return t(`activity.summary.${kindKey(item.kind)}`, { values });
}

/** "on Laptop", "on this device", "on another device": where a card change was made. */
function whereMade(item: Pick<ActivityItem, 'deviceName' | 'consentOrigin'>, t: Translate): string {
  if (item.deviceName) return t('activity.where.named', { values: { device: item.deviceName } });
  return t(item.consentOrigin === 'this_device' ? 'activity.where.this_device' : 'activity.where.other_device');
}

/** "Everyday •••• 4242", "•••• 4242", or the token when the card is gone. */
export function cardLabel(item: Pick<ActivityItem, 'cardLast4' | 'cardNickname' | 'cardToken'>): string {
  if (!item.cardLast4) return item.cardToken;
  const masked = `•••• ${item.cardLast4}`;
  return item.cardNickname ? `${item.cardNickname} ${masked}` : masked;
}

/**
 * What identifies a row of the list across pages and refreshes: a purchase by its card and
 * transaction (it comes back at its newest event when a reaction arrives), any other event by
 * its id.
 */
export function rowKey(item: Pick<ActivityItem, 'id' | 'cardToken' | 'group'>): string {
  return item.group ? `purchase:${item.cardToken}:${item.group.transactionId}` : `event:${item.id}`;
}

/** "Café Rose: €4.50", or "A purchase: €4.50" when no merchant is known yet. */
export function purchaseLine(group: PurchaseGroup, t: Translate, locale: string): string {
  const values = {
    merchant: group.merchant ?? t('activity.purchase.unknownMerchant'),
    amount: group.amount ? formatMoney(group.amount, locale) : '',
  };
  return t(group.amount ? 'activity.purchase.line' : 'activity.purchase.lineNoAmount', { values });
}

/** The kind filters that are something an app did with a purchase. */
const APP_OUTCOMES = ['receipts', 'points', 'cashback', 'offers', 'recommendations', 'social'];

/**
 * What the apps did with a purchase, once each, in the order of the kind filters: "Receipt,
 * Points" — so a row says what happened inside it without being opened.
 */
export function purchaseOutcomes(group: Pick<PurchaseGroup, 'events'>, t: Translate): string {
  const present = new Set(group.events.map((e) => e.kind));
  return APP_OUTCOMES.flatMap((name) => KIND_GROUPS[name] ?? [])
    .filter((kind) => present.has(kind))
    .map((kind) => t(`activity.kinds.${kindKey(kind)}`))
    .join(', ');
}

/** "Authorized", "Settled", "Reversed", or "Not confirmed yet" (only apps named it). */
export function purchaseState(group: PurchaseGroup, t: Translate): string {
  return t(`activity.purchase.states.${group.state ?? 'unconfirmed'}`);
}

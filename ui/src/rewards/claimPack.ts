// A missing reward's claim pack as text to copy (for the app's support form or an email) and
// the file name to save it under. Pure: labels and formatting are passed in.
import type { MissingReward } from '../ipc';
import { formatDate, formatMoney } from '../lib/format';

export type Translate = (key: string, values?: Record<string, string | number>) => string;

/** The claim pack as plain text, one fact a line. Names the card by its last 4 only. */
export function claimPackText(item: MissingReward, t: Translate, locale: string): string {
  const app = item.appName ?? item.appId;
  const lines = [
    t('claims.text.heading', { app }),
    '',
    `${t('claims.text.merchant')}: ${item.merchant}`,
    `${t('claims.text.date')}: ${formatDate(item.settledAt, locale)}`,
    `${t('claims.text.amount')}: ${formatMoney(item.amount, locale)}`,
    `${t('claims.text.card')}: ${item.cardLast4 ? `•••• ${item.cardLast4}` : '—'}`,
    `${t('claims.text.transaction')}: ${item.transactionId}`,
    `${t('claims.text.app')}: ${app}${item.appPublisher ? ` (${item.appPublisher})` : ''}`,
    `${t('claims.text.dueBy')}: ${formatDate(item.dueBy, locale)}`,
  ];
  for (const grant of item.grants) {
    lines.push(
      `${t('claims.text.grant', { scope: grant.scope })}: ${grant.grantId}, ${formatDate(grant.grantedAt, locale)}, ` +
        `${t('claims.text.channels')} ${grant.channels.join(', ')}, ${t('claims.text.terms', { version: grant.termsVersion })}, ` +
        `${t('claims.text.ledger', { seq: grant.ledgerSeq })} ${grant.ledgerHash}`,
    );
  }
  if (item.receipt) {
    lines.push(`${t('claims.text.receipt')}: ${item.receipt.merchant}, ${formatMoney(item.receipt.total, locale)}`);
    for (const line of item.receipt.lines) {
      lines.push(`  ${line.quantity} × ${line.description} — ${formatMoney(line.total, locale)}`);
    }
  } else {
    lines.push(`${t('claims.text.receipt')}: ${t('claims.text.noReceipt')}`);
  }
  return lines.join('\n');
}

/** A stable key for one claim (a payment can owe rewards from several apps). */
export function claimKey(item: MissingReward): string {
  return `${item.transactionId}|${item.appId}`;
}

// A permission's settings in words (channels, trigger, minimum, end), and which of them a
// consent change altered, for the grant detail, the app's page and the consent history.
import type { Channel, LedgerEntryView, Money, Trigger } from '../ipc';
import { formatDate, formatMoney } from '../lib/format';
import { ALL_CHANNELS } from './options';

type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

export function channelsText(channels: readonly Channel[], t: Translate): string {
  if (ALL_CHANNELS.every((c) => channels.includes(c))) return t('grant.allChannels');
  return ALL_CHANNELS.filter((c) => channels.includes(c))
    .map((c) => t(`channels.${c}`))
    .join(', ');
}

export function triggerText(trigger: Trigger, t: Translate): string {
  return t(`triggers.${trigger}`);
}

export function minimumText(minimum: Money | null, t: Translate, locale: string): string {
  return minimum ? t('grant.from', { values: { amount: formatMoney(minimum, locale) } }) : t('grant.noMinimum');
}

/** "until 12 Mar 2027" for a grant that ends, "no end date" otherwise. */
export function endText(expiresAt: string | null, t: Translate, locale: string): string {
  return expiresAt ? t('grant.until', { values: { date: formatDate(expiresAt, locale) } }) : t('grant.noEnd');
}

export type Setting = 'channels' | 'trigger' | 'minimum' | 'end';

/** The settings `newer` changed from `older` (two entries of one grant's history). */
export function changedSettings(older: LedgerEntryView, newer: LedgerEntryView): Setting[] {
  const changed: Setting[] = [];
  const channels = (e: LedgerEntryView) => ALL_CHANNELS.filter((c) => e.channels.includes(c)).join();
  if (channels(older) !== channels(newer)) changed.push('channels');
  if (older.trigger !== newer.trigger) changed.push('trigger');
  const money = (m: Money | null) => (m ? `${m.minor} ${m.currency}` : '');
  if (money(older.minPurchase) !== money(newer.minPurchase)) changed.push('minimum');
  if (older.expiresAt !== newer.expiresAt) changed.push('end');
  return changed;
}

/** The actions after which a grant is in force: a new grant on top of one is a change of it. */
const IN_FORCE = new Set(['grant', 'renew', 'reconsent']);
/** The actions that end a grant's run (a pause for new terms does not). */
const ENDS = new Set(['revoke', 'expire']);

/**
 * For each entry (newest first, as `ledger_list` returns them), the settings it changed when it
 * is a new grant on top of one still in force; `null` for every other entry.
 */
export function settingsChanges(entries: readonly LedgerEntryView[]): (Setting[] | null)[] {
  return entries.map((entry, i) => {
    if (entry.action !== 'grant') return null;
    const older = entries.slice(i + 1).find((e) => e.grantId === entry.grantId);
    return older && IN_FORCE.has(older.action) ? changedSettings(older, entry) : null;
  });
}

/** How a setting reads after an entry, for "Minimum: €5.00"-style history lines. */
export function settingText(setting: Setting, entry: LedgerEntryView, t: Translate, locale: string): string {
  switch (setting) {
    case 'channels':
      return channelsText(entry.channels, t);
    case 'trigger':
      return triggerText(entry.trigger, t);
    case 'minimum':
      return minimumText(entry.minPurchase, t, locale);
    case 'end':
      return endText(entry.expiresAt, t, locale);
  }
}

/**
 * When each grant came into force for its current run (the first of the grants, renewals and
 * re-consents since it was last revoked or ended), from one app's or card's history; a
 * change of settings does not restart it.
 */
export function inForceSince(entries: readonly LedgerEntryView[]): Map<string, string> {
  const since = new Map<string, string>();
  for (const entry of [...entries].reverse()) {
    if (ENDS.has(entry.action)) since.delete(entry.grantId);
    else if (IN_FORCE.has(entry.action) && !since.has(entry.grantId)) since.set(entry.grantId, entry.at);
  }
  return since;
}

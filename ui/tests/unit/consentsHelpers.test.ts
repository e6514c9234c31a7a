import { describe, expect, it } from 'vitest';
import type { GrantView, SyncStatusView } from '../../src/ipc';
import { expiringSoon, needingReconsent, renewRequest, renewalExpiry } from '../../src/consents/renewal';
import { changedData, summarize } from '../../src/shell/sync.svelte';
import { syncedStatus } from '../../src/ipc/mock';
import { formatRelative, parseAmount } from '../../src/lib/format';

const base: GrantView = {
  grantId: 'g',
  appId: 'app',
  cardToken: 'tok',
  scope: 'receipts',
  channels: ['nfc'],
  trigger: 'settlement',
  minPurchase: { minor: 500, currency: 'EUR' },
  expiresAt: null,
  status: 'active',
  termsVersion: 1,
  pendingTermsVersion: null,
  changedAt: '2026-01-01T00:00:00Z',
  grantedAt: '2026-01-01T00:00:00Z',
  renewalDays: null,
  sync: { state: 'synced', attempts: 0, lastError: null, nextAttemptAt: null },
};
const now = new Date('2026-03-20T12:00:00Z');

describe('renewal', () => {
  it('lists active grants ending within 14 days, soonest first', () => {
    const grants: GrantView[] = [
      { ...base, grantId: 'late', expiresAt: '2026-04-02T00:00:00Z' },
      { ...base, grantId: 'soon', expiresAt: '2026-03-22T00:00:00Z' },
      { ...base, grantId: 'far', expiresAt: '2026-05-01T00:00:00Z' },
      { ...base, grantId: 'past', expiresAt: '2026-03-01T00:00:00Z' },
      { ...base, grantId: 'revoked', status: 'revoked', expiresAt: '2026-03-22T00:00:00Z' },
      { ...base, grantId: 'never' },
    ];
    expect(expiringSoon(grants, now).map((g) => g.grantId)).toEqual(['soon', 'late']);
  });

  it('lists grants waiting for re-consent', () => {
    const grants: GrantView[] = [base, { ...base, grantId: 'r', status: 'needs_reconsent', pendingTermsVersion: 2 }];
    expect(needingReconsent(grants).map((g) => g.grantId)).toEqual(['r']);
  });

  it('renews with the same options and the same length', () => {
    const grant = { ...base, changedAt: '2026-01-01T00:00:00Z', expiresAt: '2026-03-31T00:00:00Z' };
    expect(renewalExpiry(grant)).toEqual({ kind: 'days', days: 89 });
    expect(renewalExpiry(base)).toEqual({ kind: 'never' });
    expect(renewRequest(grant)).toEqual({
      appId: 'app',
      cardToken: 'tok',
      scope: 'receipts',
      channels: ['nfc'],
      trigger: 'settlement',
      minPurchase: { minor: 500, currency: 'EUR' },
      expiry: { kind: 'days', days: 89 },
    });
  });
});

describe('sync summary', () => {
  const status = (over: Partial<SyncStatusView>): SyncStatusView => ({ ...syncedStatus, ...over });

  it('puts the most urgent state first', () => {
    expect(summarize(null)).toEqual({ kind: 'unknown' });
    expect(summarize(status({ enrolled: false, platform: null })).kind).toBe('offline');
    expect(summarize(status({ active: false })).kind).toBe('paused');
    expect(summarize(status({ syncing: true, pendingChanges: 2 })).kind).toBe('syncing');
    expect(
      summarize(status({ pendingChanges: 2, lastError: { code: 'platform_unavailable', message: 'down' }, nextRetryAt: null })),
    ).toEqual({ kind: 'error', problem: { code: 'platform_unavailable', message: 'down' }, nextRetryAt: null });
    expect(summarize(status({ pendingChanges: 2 }))).toEqual({ kind: 'pending', count: 2 });
    expect(summarize(status({}))).toEqual({ kind: 'synced', at: syncedStatus.lastSuccessAt });
  });

  it('notices changes worth a reload', () => {
    expect(changedData(null, syncedStatus)).toBe(false);
    expect(changedData(syncedStatus, status({}))).toBe(false);
    expect(changedData(syncedStatus, status({ eventsReceived: 3 }))).toBe(true);
    expect(changedData(status({ pendingChanges: 1 }), syncedStatus)).toBe(true);
  });
});

describe('format helpers', () => {
  it('says how long ago, in the locale', () => {
    expect(formatRelative('2026-03-20T11:59:50Z', now, 'en')).toBe('now');
    expect(formatRelative('2026-03-20T11:55:00Z', now, 'en')).toBe('5 minutes ago');
    expect(formatRelative('2026-03-20T11:55:00Z', now, 'fr')).toBe('il y a 5 minutes');
    expect(formatRelative('2026-03-20T14:00:00Z', now, 'en')).toBe('in 2 hours');
    expect(formatRelative('2026-03-18T12:00:00Z', now, 'en')).toBe('2 days ago');
  });

  it('parses typed amounts into minor units', () => {
    expect(parseAmount('4.50', 'EUR')).toEqual({ minor: 450, currency: 'EUR' });
    expect(parseAmount('4,5', 'EUR')).toEqual({ minor: 450, currency: 'EUR' });
    expect(parseAmount(' 12 ', 'USD')).toEqual({ minor: 1200, currency: 'USD' });
    expect(parseAmount('500', 'JPY')).toEqual({ minor: 500, currency: 'JPY' });
    expect(parseAmount('4.505', 'EUR')).toBeNull();
    expect(parseAmount('0', 'EUR')).toBeNull();
    expect(parseAmount('-3', 'EUR')).toBeNull();
    expect(parseAmount('abc', 'EUR')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { GrantView } from '../../src/ipc';
import { RECONFIRM_DAYS, renewalExpiry, renewRequest } from '../../src/consents/renewal';

const grant: GrantView = {
  grantId: 'g',
  appId: 'app',
  cardToken: 'tok',
  scope: 'points',
  channels: ['card'],
  trigger: 'authorization',
  minPurchase: null,
  expiresAt: '2026-04-01T00:00:00Z',
  status: 'active',
  termsVersion: 2,
  pendingTermsVersion: null,
  changedAt: '2026-01-01T00:00:00Z',
  grantedAt: '2026-01-01T00:00:00Z',
  renewalDays: null,
  sync: { state: 'synced', attempts: 0, lastError: null, nextAttemptAt: null },
};

describe('reconfirm every 90 days', () => {
  it('renews a 90-day grant for 90 more days', () => {
    expect(renewalExpiry(grant)).toEqual({ kind: 'days', days: RECONFIRM_DAYS });
    expect(renewRequest(grant).expiry).toEqual({ kind: 'days', days: 90 });
  });

  it('keeps the period when a later change (new terms, another device) moved changedAt', () => {
    const paused = { ...grant, changedAt: '2026-03-10T00:00:00Z', status: 'needs_reconsent' as const };
    expect(renewalExpiry(paused)).toEqual({ kind: 'days', days: 90 });
  });

  it('falls back to 90 days when the period cannot be measured', () => {
    const odd = { ...grant, grantedAt: '2026-04-01T00:00:00Z' };
    expect(renewalExpiry(odd)).toEqual({ kind: 'days', days: RECONFIRM_DAYS });
  });
});

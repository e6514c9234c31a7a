import { describe, expect, it } from 'vitest';
import type { CardView, GrantView, LedgerEntryView } from '../../src/ipc';
import { cardLabel } from '../../src/consents/cardLabel';
import { changesNothing, currencyChoices, draftOf, endChoices, minimumCurrency, requestOf } from '../../src/consents/grantDetails';
import { channelsText, inForceSince, settingsChanges } from '../../src/consents/grantText';
import { grantRequest, defaultOptions } from '../../src/consents/options';
import { renewalExpiry } from '../../src/consents/renewal';
import { paramsFor, routeFor, sectionOf } from '../../src/lib/router.svelte';
import { appHref, grantHref } from '../../src/lib/links';
import { demoCard, receiptsGrant } from '../../src/ipc/mock';
import { ledgerEntry } from '../../src/ipc/mock-consents';

const now = new Date('2026-03-20T12:00:00Z');
const key = { appId: 'app', cardToken: 'tok', scope: 'receipts' as const };

const grant: GrantView = {
  ...receiptsGrant,
  ...key,
  grantId: 'g',
  channels: ['nfc', 'card'],
  minPurchase: { minor: 500, currency: 'EUR' },
  expiresAt: '2026-04-10T12:00:00Z',
  changedAt: '2026-03-01T12:00:00Z',
  grantedAt: '2026-03-01T12:00:00Z',
  renewalDays: 90,
};

const card: CardView = { ...demoCard, token: 'tok', currency: 'USD' };

const t = (k: string, o?: { values?: Record<string, string | number> }) => (o?.values ? `${k}(${JSON.stringify(o.values)})` : k);

describe('the grant detail form', () => {
  it('starts from the grant as it stands, keeping its end', () => {
    const draft = draftOf(grant, card, 'fr', now);
    expect(draft).toEqual({ channels: ['card', 'nfc'], trigger: 'authorization', minimum: '5,00', currency: 'EUR', end: 'keep', date: '' });
    expect(changesNothing(draft, grant)).toBe(true);
    expect(endChoices(grant, now)).toEqual(['keep', 'never', '30', '90', '365', 'date']);
  });

  it('starts a permission not given yet with every channel, no minimum, in the card currency', () => {
    const draft = draftOf(undefined, card, 'en', now);
    expect(draft).toMatchObject({ channels: ['card', 'nfc', 'voice', 'online'], minimum: '', currency: 'USD', end: 'never' });
    expect(endChoices(undefined, now)).not.toContain('keep');
    expect(changesNothing(draft, undefined)).toBe(false);
  });

  it('offers no "keep" for an ended grant and proposes its period again', () => {
    const ended = { ...grant, status: 'expired' as const, expiresAt: '2026-03-10T00:00:00Z' };
    expect(endChoices(ended, now)[0]).toBe('never');
    expect(draftOf(ended, card, 'en', now).end).toBe('90');
  });

  it('makes a details change that keeps the end date', () => {
    const draft = { ...draftOf(grant, card, 'en', now), channels: ['nfc' as const], trigger: 'settlement' as const, minimum: '8' };
    expect(changesNothing(draft, grant)).toBe(false);
    expect(requestOf(draft, key, now)).toEqual({
      request: { ...key, channels: ['nfc'], trigger: 'settlement', minPurchase: { minor: 800, currency: 'EUR' }, expiry: { kind: 'keep' } },
    });
  });

  it('reads the minimum in the chosen currency and refuses what it cannot read', () => {
    const draft = draftOf(grant, card, 'en', now);
    expect(requestOf({ ...draft, minimum: '4,50', currency: 'USD' }, key, now)).toMatchObject({
      request: { minPurchase: { minor: 450, currency: 'USD' } },
    });
    expect(requestOf({ ...draft, minimum: '1200', currency: 'JPY' }, key, now)).toMatchObject({
      request: { minPurchase: { minor: 1200, currency: 'JPY' } },
    });
    expect(requestOf({ ...draft, minimum: '' }, key, now)).toMatchObject({ request: { minPurchase: null } });
    for (const bad of ['abc', '-5', '4.505', '1e3', '0', '4.50 EUR']) {
      expect(requestOf({ ...draft, minimum: bad }, key, now), bad).toEqual({ problem: 'badMinimum' });
    }
    expect(requestOf({ ...draft, channels: [] }, key, now)).toEqual({ problem: 'noChannel' });
  });

  it('asks for a future day when the end is a date', () => {
    const draft = { ...draftOf(grant, card, 'en', now), end: 'date' as const };
    expect(requestOf(draft, key, now)).toEqual({ problem: 'noDate' });
    expect(requestOf({ ...draft, date: '2026-03-20' }, key, now)).toEqual({ problem: 'pastDate' });
    expect(requestOf({ ...draft, date: '2027-01-31' }, key, now)).toMatchObject({ request: { expiry: { kind: 'date', date: '2027-01-31' } } });
    expect(requestOf({ ...draft, end: '30' }, key, now)).toMatchObject({ request: { expiry: { kind: 'days', days: 30 } } });
  });

  it('shows a minimum in its own currency, warning elsewhere when the card pays in another', () => {
    expect(minimumCurrency(grant, card)).toBe('EUR');
    expect(minimumCurrency({ ...grant, minPurchase: null }, card)).toBe('USD');
    expect(minimumCurrency(undefined, { ...card, currency: null })).toBe('EUR');
    expect(currencyChoices('USD', 'EUR', 'USD')).toEqual(['USD', 'EUR', 'GBP', 'CHF', 'JPY', 'CAD']);
  });

  it('applies the global minimum in each card’s currency', () => {
    const options = { ...defaultOptions(), minimum: '1000' };
    expect(grantRequest(options, key, 'JPY').minPurchase).toEqual({ minor: 1000, currency: 'JPY' });
    expect(grantRequest(options, key, 'EUR').minPurchase).toEqual({ minor: 100000, currency: 'EUR' });
    expect(grantRequest({ ...options, minimum: 'lots' }, key, 'EUR').minPurchase).toBeNull();
  });
});

describe('renewal after a change of settings', () => {
  it('repeats the period the cardholder chose, not the time left when settings changed', () => {
    const changed = { ...grant, grantedAt: '2026-04-01T12:00:00Z', expiresAt: '2026-04-10T12:00:00Z' };
    expect(renewalExpiry(changed)).toEqual({ kind: 'days', days: 90 });
  });
});

/** An entry of the history of grant `g`: given on every channel, at authorization, no minimum. */
const entry = (over: Partial<LedgerEntryView>): LedgerEntryView => ({
  ...ledgerEntry('grant', { ...receiptsGrant, ...key, grantId: 'g' }, '2026-03-01T00:00:00Z', 1),
  ...over,
});

describe('the consent history', () => {
  // Newest first, as ledger_list answers.
  const entries = [
    entry({ seq: 5, action: 'grant', at: '2026-03-05T00:00:00Z', minPurchase: { minor: 500, currency: 'EUR' }, channels: ['nfc'] }),
    entry({ seq: 4, action: 'grant', at: '2026-03-04T00:00:00Z' }),
    entry({ seq: 3, action: 'revoke', at: '2026-03-03T00:00:00Z' }),
    entry({ seq: 2, action: 'grant', grantId: 'other', at: '2026-03-02T00:00:00Z' }),
    entry({ seq: 1, action: 'grant', at: '2026-03-01T00:00:00Z' }),
  ];

  it('calls a grant on top of one in force a change, and names what changed', () => {
    expect(settingsChanges(entries)).toEqual([['channels', 'minimum'], null, null, null, null]);
  });

  it('knows since when each grant has been in force', () => {
    const since = inForceSince(entries);
    expect(since.get('g')).toBe('2026-03-04T00:00:00Z');
    expect(since.get('other')).toBe('2026-03-02T00:00:00Z');
    expect(inForceSince([entry({ action: 'revoke', seq: 2 }), entry({})]).has('g')).toBe(false);
  });

  it('words channels', () => {
    expect(channelsText(['online', 'card'], t)).toBe('channels.card, channels.online');
    expect(channelsText(['card', 'nfc', 'voice', 'online'], t)).toBe('grant.allChannels');
  });
});

describe('card labels', () => {
  it('never shows a platform token', () => {
    const former = [{ token: 'tok_old', last4: '0005' }];
    expect(cardLabel('tok', [card], former, t)).toBe('Everyday •••• 4242');
    expect(cardLabel('tok_old', [card], former, t)).toBe('cardLabel.unlinked({"last4":"0005"})');
    expect(cardLabel('tok_nobody', [card], former, t)).toBe('cardLabel.removed');
  });
});

describe('app and permission pages', () => {
  it('route under Apps & permissions with their parameters', () => {
    const hash = grantHref('app/x', 'tok 1', 'receipts');
    expect(hash).toBe('#/apps/app%2Fx/tok%201/receipts');
    expect(paramsFor(hash)).toEqual(['app/x', 'tok 1', 'receipts']);
    expect(sectionOf(routeFor(hash))).toBe('consents');
    expect(routeFor(appHref('app_x'))).not.toBe(routeFor(hash));
    expect(sectionOf(routeFor(appHref('app_x')))).toBe('consents');
    // Anything else under apps/ is not a page.
    expect(routeFor('#/apps').path).toBe('cards');
    expect(routeFor('#/apps/a/b').path).toBe('cards');
    expect(routeFor('#/cards/extra').path).toBe('cards');
    expect(paramsFor('#/apps/%E0%A4%A')).toEqual(['%E0%A4%A']);
  });
});

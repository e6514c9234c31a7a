import { describe, expect, it } from 'vitest';
import type { MissingReward } from '../../src/ipc';
import { missingRewards } from '../../src/ipc/mock-claims';
import { claimKey, claimPackText } from '../../src/rewards/claimPack';
import { progressPercent } from '../../src/export/progress';

const t = (key: string, values?: Record<string, string | number>) =>
  values ? `${key}(${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(',')})` : key;

describe('claim pack', () => {
  const fixture = (i: number): MissingReward => {
    const item = missingRewards.items[i];
    if (!item) throw new Error(`no fixture ${i}`);
    return item;
  };
  const withReceipt = fixture(0);
  const withoutReceipt = fixture(1);
  const grant = withReceipt.grants[0];

  it('lists merchant, date, amount, masked card, app, grant proof and receipt', () => {
    const text = claimPackText(withReceipt, t, 'en');
    expect(text).toContain('claims.text.heading(app=Bean Counter Coffee)');
    expect(text).toContain('claims.text.merchant: Café Rose');
    expect(text).toContain('claims.text.date: Nov 20, 2026');
    expect(text).toContain('claims.text.amount: €12.40');
    expect(text).toContain('claims.text.card: •••• 4242');
    expect(text).toContain('claims.text.app: Bean Counter Coffee (Bean Counter Ltd)');
    expect(text).toContain('grtpointsbeans');
    expect(text).toContain(grant?.ledgerHash ?? 'missing');
    expect(text).toContain('2 × Flat white — €7.20');
  });

  it('says when no receipt arrived, and formats for the locale', () => {
    const text = claimPackText(withoutReceipt, t, 'fr');
    expect(text).toContain('claims.text.receipt: claims.text.noReceipt');
    expect(text).toMatch(/32,00\s€/);
  });

  it('never prints more of a card than its last 4', () => {
    const text = claimPackText({ ...withReceipt, cardLast4: null }, t, 'en');
    expect(text).toContain('claims.text.card: —');
    expect(text).not.toMatch(/\d{12,}/);
  });

  it('keys claims per payment and app', () => {
    expect(claimKey(withReceipt)).toBe('txn_9|app_beans');
  });
});

describe('export progress', () => {
  it('is a whole percentage, 0 before the total is known, capped at 100', () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent({ eventsDone: 0, eventsTotal: 0 })).toBe(0);
    expect(progressPercent({ eventsDone: 250, eventsTotal: 1000 })).toBe(25);
    expect(progressPercent({ eventsDone: 999, eventsTotal: 1000 })).toBe(99);
    expect(progressPercent({ eventsDone: 1010, eventsTotal: 1000 })).toBe(100);
  });
});

import { describe, expect, it } from 'vitest';
import { describeFee } from '../../src/consents/fee';

// A stand-in translator that shows which key and values were used.
const t = (key: string, options?: { values?: Record<string, string | number> }) =>
  `${key}${options?.values ? ' ' + JSON.stringify(options.values) : ''}`;

describe('describeFee', () => {
  it('words a share of the purchase as a locale percentage', () => {
    expect(describeFee({ kind: 'percent', bps: 150 }, t, 'en')).toBe('consents.feeModel.percent {"percent":"1.5%"}');
    expect(describeFee({ kind: 'percent', bps: 150 }, t, 'fr')).toContain('1,5');
  });

  it('words a fixed fee per event with its money and scope', () => {
    const text = describeFee({ kind: 'per_event', amount: { minor: 10, currency: 'EUR' }, per: 'receipts' }, t, 'en');
    expect(text).toContain('consents.feeModel.perEvent');
    expect(text).toContain('€0.10');
    expect(text).toContain('scopes.receipts.name');
  });

  it('says when the app is free', () => {
    expect(describeFee({ kind: 'none' }, t, 'en')).toBe('consents.feeModel.none');
  });
});

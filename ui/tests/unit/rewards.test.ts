import { describe, expect, it } from 'vitest';
import { currenciesOf, daysUntil, defaultCurrency, inCurrency, pivot } from '../../src/rewards/series';
import { formatAmountInput, formatMoney, formatMonth, minorDigits, parseAmount, toMajor } from '../../src/lib/format';

describe('money and months for the locale', () => {
  it('formats minor units with the currency’s own digits', () => {
    expect(formatMoney({ minor: 1240, currency: 'EUR' }, 'en')).toBe('€12.40');
    expect(formatMoney({ minor: 1240, currency: 'EUR' }, 'fr')).toMatch(/^12,40\s€$/);
    expect(formatMoney({ minor: 1240, currency: 'JPY' }, 'en')).toBe('¥1,240');
    expect(formatMoney({ minor: -5, currency: 'EUR' }, 'en')).toBe('-€0.05');
    expect(minorDigits('KWD')).toBe(3);
    expect(toMajor({ minor: 1999, currency: 'USD' })).toBe(19.99);
  });

  it('names UTC calendar months', () => {
    expect(formatMonth('2026-03', 'en')).toBe('Mar 2026');
    expect(formatMonth('2026-03', 'fr')).toBe('mars 2026');
    expect(formatMonth('nonsense', 'en')).toBe('nonsense');
  });
});

describe('chart series', () => {
  const apps = [
    { id: 'a', name: 'Alpha' },
    { id: 'b', name: 'Beta' },
  ];

  it('pivots monthly rows into one dataset per app, zero where nothing was earned', () => {
    const rows = [
      { month: '2026-01', appId: 'a', points: 5 },
      { month: '2026-03', appId: 'a', points: 7 },
      { month: '2026-02', appId: 'b', points: 30 },
      { month: '2026-02', appId: null, points: 1 },
      { month: '2025-12', appId: 'a', points: 99 },
    ];
    const series = pivot(['2026-01', '2026-02', '2026-03'], rows, (r) => r.points, apps, 'Other');
    expect(series.datasets).toEqual([
      { appId: 'b', label: 'Beta', data: [0, 30, 0] },
      { appId: 'a', label: 'Alpha', data: [5, 0, 7] },
      { appId: null, label: 'Other', data: [0, 1, 0] },
    ]);
  });

  it('never mixes currencies', () => {
    expect(inCurrency({ minor: 250, currency: 'EUR' }, 'EUR')).toBe(2.5);
    expect(inCurrency({ minor: 250, currency: 'USD' }, 'EUR')).toBe(0);
    expect(
      currenciesOf([
        { minor: 100, currency: 'USD' },
        { minor: 900, currency: 'EUR' },
        { minor: 50, currency: 'USD' },
      ]),
    ).toEqual(['EUR', 'USD']);
  });

  it('counts whole days to an expiry', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    expect(daysUntil('2026-11-30T12:00:00Z', now)).toBe(3);
    expect(daysUntil('2026-11-27T18:00:00Z', now)).toBe(0);
    expect(daysUntil('2026-11-01T00:00:00Z', now)).toBe(0);
  });
});

describe('amounts as a person types them', () => {
  it('uses the locale’s decimal separator, no symbol, no grouping', () => {
    expect(formatAmountInput({ minor: 450, currency: 'EUR' }, 'en')).toBe('4.50');
    expect(formatAmountInput({ minor: 450, currency: 'EUR' }, 'fr')).toBe('4,50');
    expect(formatAmountInput({ minor: 0, currency: 'EUR' }, 'fr')).toBe('0,00');
    expect(formatAmountInput({ minor: 123456, currency: 'EUR' }, 'fr')).toBe('1234,56');
    expect(formatAmountInput({ minor: 500, currency: 'JPY' }, 'en')).toBe('500');
  });

  it('reads back what it wrote', () => {
    for (const loc of ['en', 'fr']) {
      expect(parseAmount(formatAmountInput({ minor: 123456, currency: 'EUR' }, loc), 'EUR')).toEqual({ minor: 123456, currency: 'EUR' });
    }
  });
});

describe('the currency the charts start in', () => {
  const cards = [
    { token: 'eu', currency: 'EUR' },
    { token: 'us1', currency: 'USD' },
    { token: 'us2', currency: 'USD' },
    { token: 'new', currency: null },
  ];

  it('is the chosen card’s, when the summary has amounts in it', () => {
    expect(defaultCurrency(['EUR', 'USD'], cards, 'eu')).toBe('EUR');
    expect(defaultCurrency(['EUR', 'USD'], cards, 'us1')).toBe('USD');
    expect(defaultCurrency(['EUR'], cards, 'us1')).toBe('EUR');
  });

  it('is the one most cards use for all cards, else the largest total', () => {
    expect(defaultCurrency(['EUR', 'USD'], cards, '')).toBe('USD');
    expect(defaultCurrency(['EUR', 'USD'], cards, 'new')).toBe('USD');
    expect(defaultCurrency(['EUR', 'USD'], [{ token: 'a', currency: 'USD' }, { token: 'b', currency: 'EUR' }], '')).toBe('EUR');
    expect(defaultCurrency(['GBP', 'EUR'], [{ token: 'a', currency: 'JPY' }], '')).toBe('GBP');
    expect(defaultCurrency(['GBP'], [], 'gone')).toBe('GBP');
    expect(defaultCurrency([], cards, 'eu')).toBe('');
  });
});

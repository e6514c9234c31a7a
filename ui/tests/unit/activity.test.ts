import { beforeAll, describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { _, locale } from 'svelte-i18n';
import { listWindow, scrollToReveal } from '../../src/activity/virtual';
import {
  cardLabel,
  kindKey,
  purchaseLine,
  purchaseOutcomes,
  purchaseState,
  rowKey,
  summaryLine,
  KIND_GROUPS,
} from '../../src/activity/summary';
import { appendPage, eventToOpen, flagged, listLines, prependFresh } from '../../src/activity/rows';
import { emptyFilters, requestFor } from '../../src/activity/feed.svelte';
import { syntheticFeed, syntheticItem } from '../../src/ipc/mock-activity';
import type { ActivityItem } from '../../src/ipc';
import { setupI18n } from '../../src/lib/i18n';
import en from '../../src/locales/en.json';
import fr from '../../src/locales/fr.json';

describe('virtual list window', () => {
  it('renders only the rows in view plus the overscan', () => {
    const win = listWindow({ scrollTop: 640, viewport: 480, rowHeight: 64, count: 1_000, overscan: 4 });
    expect(win.start).toBe(6);
    expect(win.end).toBe(10 + 9 + 4);
    expect(win.totalHeight).toBe(64_000);
    expect(win.top(10)).toBe(640);
  });

  it('clamps at both ends', () => {
    expect(listWindow({ scrollTop: -50, viewport: 480, rowHeight: 64, count: 3 })).toMatchObject({ start: 0, end: 3 });
    const bottom = listWindow({ scrollTop: 10 ** 9, viewport: 480, rowHeight: 64, count: 100 });
    expect(bottom.end).toBe(100);
    expect(listWindow({ scrollTop: 0, viewport: 480, rowHeight: 64, count: 0 })).toMatchObject({ start: 0, end: 0 });
  });

  it('compresses a million rows into a height browsers can scroll, and still reaches the last row', () => {
    const count = 1_000_000;
    const max = 8_000_000;
    const top = listWindow({ scrollTop: 0, viewport: 480, rowHeight: 64, count, maxScrollPx: max });
    expect(top.totalHeight).toBe(max);
    expect(top.start).toBe(0);
    const end = listWindow({ scrollTop: max - 480, viewport: 480, rowHeight: 64, count, maxScrollPx: max });
    expect(end.end).toBe(count);
    // The last row sits at the bottom of the viewport.
    expect(end.top(count - 1) + 64).toBeCloseTo(max, 0);
    const middle = listWindow({ scrollTop: (max - 480) / 2, viewport: 480, rowHeight: 64, count, maxScrollPx: max });
    expect(middle.start).toBeGreaterThan(count / 2 - 20);
    expect(middle.end - middle.start).toBeLessThan(30);
  });

  it('scrolls just enough to reveal a row', () => {
    const at = { scrollTop: 640, viewport: 480, rowHeight: 64, count: 100 };
    expect(scrollToReveal(12, at)).toBe(640);
    expect(scrollToReveal(2, at)).toBe(128);
    expect(scrollToReveal(20, at)).toBe(21 * 64 - 480);
    const huge = { scrollTop: 0, viewport: 480, rowHeight: 64, count: 1_000_000, maxScrollPx: 8_000_000 };
    const target = scrollToReveal(999_999, huge);
    const win = listWindow({ ...huge, scrollTop: target });
    expect(win.end).toBe(1_000_000);
  });
});

describe('feed requests', () => {
  it('turns filters into an activity_list request', () => {
    const request = requestFor({ ...emptyFilters(), kind: 'cashback', search: '  cafe ', cardToken: 'tok_a' }, { cursor: 'c1' });
    expect(request).toMatchObject({
      cardToken: 'tok_a',
      appId: null,
      kinds: ['cashback.pending', 'cashback.paid'],
      search: 'cafe',
      cursor: 'c1',
      newerThan: null,
      violationsOnly: false,
    });
    expect(request.from).toBeNull();
  });

  it('makes a local date range into [start of first day, start of the day after last)', () => {
    const request = requestFor({ ...emptyFilters(), fromDay: '2026-03-01', toDay: '2026-03-01' });
    const from = new Date(request.from ?? '');
    const until = new Date(request.until ?? '');
    expect(from.getDate()).toBe(1);
    expect(from.getHours()).toBe(0);
    expect(until.getTime() - from.getTime()).toBeGreaterThanOrEqual(23 * 3_600_000);
  });

  it('serves a synthetic feed in keyset pages without repeats', () => {
    const feed = syntheticFeed(120);
    const base = requestFor(emptyFilters());
    const first = feed(base);
    const second = feed({ ...base, cursor: first.nextCursor });
    const third = feed({ ...base, cursor: second.nextCursor });
    expect(base.limit).toBe(50);
    expect(first.items).toHaveLength(50);
    expect(third.items).toHaveLength(20);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(120);
  });
});

describe('feed lines', () => {
  const t = (key: string, options?: { values?: Record<string, string | number> }) =>
    `${key}|${JSON.stringify(options?.values ?? {})}`;

  it('phrases each kind with its amount and merchant, formatted for the locale', () => {
    const line = summaryLine({ ...syntheticItem(5), amount: { minor: 1240, currency: 'EUR' } }, t, 'fr');
    expect(line).toContain('activity.summary.transaction_authorized');
    expect(line).toContain('Café Rose');
    expect(line).toMatch(/12,40\s€/);
    const consent = summaryLine({ ...syntheticItem(0), kind: 'consent.changed', label: 'revoke', text: 'points' }, t, 'en');
    expect(consent).toContain('ledger.actions.revoke');
    expect(consent).toContain('scopes.points.name');
    const claim = summaryLine(
      { ...syntheticItem(0), kind: 'consent.changed', label: 'grant', text: 'points', consentOrigin: 'platform_claim' },
      t,
      'en',
    );
    expect(claim).toContain('activity.consentOrigin.platform_claim');
    const own = summaryLine({ ...syntheticItem(0), kind: 'consent.changed', label: 'grant', text: 'points', consentOrigin: 'this_device' }, t, 'en');
    expect(own).toContain('activity.consentOrigin.this_device');
  });

  it('has a label and a phrase for every kind, in English and French', () => {
    const kinds = Object.values(KIND_GROUPS).flat();
    expect(kinds).toHaveLength(14);
    for (const tree of [en, fr]) {
      for (const kind of kinds) {
        expect((tree.activity.kinds as Record<string, string>)[kindKey(kind)]).toBeTruthy();
        expect((tree.activity.summary as Record<string, string>)[kindKey(kind)]).toBeTruthy();
      }
    }
  });

  it('names a card by nickname and last four, never more', () => {
    expect(cardLabel({ cardToken: 't', cardLast4: '4242', cardNickname: 'Everyday' })).toBe('Everyday •••• 4242');
    expect(cardLabel({ cardToken: 't', cardLast4: '4242', cardNickname: null })).toBe('•••• 4242');
    expect(cardLabel({ cardToken: 'tok_gone', cardLast4: null, cardNickname: null })).toBe('tok_gone');
  });
});

describe('card and device lines, as the reader sees them', () => {
  beforeAll(() => setupI18n('en'));

  const cardChange = (over: Partial<ActivityItem>): ActivityItem => ({
    ...syntheticItem(0),
    kind: 'card.changed',
    merchant: null,
    amount: null,
    channel: null,
    label: 'linked',
    text: null,
    consentOrigin: 'other_device',
    deviceName: null,
    ...over,
  });
  const consent = (over: Partial<ActivityItem>): ActivityItem => ({
    ...syntheticItem(0),
    kind: 'consent.changed',
    label: 'grant',
    text: 'receipts',
    ...over,
  });

  async function lines(lang: 'en' | 'fr', items: ActivityItem[]): Promise<string[]> {
    await locale.set(lang);
    const t = get(_);
    return items.map((item) => summaryLine(item, t, lang));
  }

  const items = [
    cardChange({ label: 'linked', deviceName: 'Laptop', consentOrigin: 'this_device' }),
    cardChange({ label: 'renamed', text: 'Groceries', deviceName: 'Laptop' }),
    cardChange({ label: 'unlinked', consentOrigin: 'this_device' }),
    cardChange({ label: 'unlinked' }),
    cardChange({ label: 'renamed', text: null, deviceName: 'Desktop' }),
    cardChange({ label: 'paused', deviceName: 'Desktop' }),
    cardChange({ label: 'linked', cardLast4: null, cardToken: 'tok_gone' }),
  ];

  it('says which card changed, how, and on which device, in English', async () => {
    expect(await lines('en', items)).toEqual([
      'Card •••• 4242 linked on Laptop',
      'Card •••• 4242 renamed “Groceries” on Laptop',
      'Card •••• 4242 unlinked on this device',
      'Card •••• 4242 unlinked on another device',
      'Card •••• 4242: nickname removed on Desktop',
      'Card •••• 4242 changed on Desktop',
      'Card tok_gone linked on another device',
    ]);
  });

  it('says the same in French', async () => {
    expect(await lines('fr', items)).toEqual([
      'Carte •••• 4242 liée sur Laptop',
      'Carte •••• 4242 renommée « Groceries » sur Laptop',
      'Carte •••• 4242 déliée sur cet appareil',
      'Carte •••• 4242 déliée sur un autre appareil',
      'Carte •••• 4242 : surnom retiré sur Desktop',
      'Carte •••• 4242 modifiée sur Desktop',
      'Carte tok_gone liée sur un autre appareil',
    ]);
    await locale.set('en');
  });

  it('names the other device that changed a consent, when the wallet knows it', async () => {
    const consents = [
      consent({ consentOrigin: 'other_device', deviceName: 'Laptop' }),
      consent({ consentOrigin: 'other_device', deviceName: null }),
      consent({ consentOrigin: 'this_device', deviceName: 'Desk' }),
      consent({ consentOrigin: 'platform', label: 'expire' }),
    ];
    expect(await lines('en', consents)).toEqual([
      'Granted on Laptop: Receipts',
      'Granted on another device: Receipts',
      'Granted on this device: Receipts',
      'Expired by the platform: Receipts',
    ]);
    expect(await lines('fr', consents.slice(0, 2))).toEqual(['Autorisé sur Laptop : Reçus', 'Autorisé sur un autre appareil : Reçus']);
    await locale.set('en');
  });

  it('puts card changes in a filter group of their own', () => {
    expect(KIND_GROUPS.cards).toEqual(['card.changed']);
    expect(en.activity.groups.cards).toBe('Cards');
    expect(fr.activity.groups.cards).toBe('Cartes');
  });
});

describe('purchases in the list', () => {
  const purchase = syntheticItem(1);
  const single = syntheticItem(5);
  const cardChange = syntheticItem(2);

  it('draws a purchase as one line, and its events under it when opened', () => {
    const items = [purchase, cardChange, single];
    expect(listLines(items, new Set()).map((l) => l.key)).toEqual([
      'purchase:tok_demo_visa:tx_1',
      'event:evt_2',
      'purchase:tok_demo_visa:tx_5',
    ]);
    const open = listLines(items, new Set([rowKey(purchase)]));
    expect(open.map((l) => l.member?.id ?? l.row.id)).toEqual(['evt_1', 'evt_1', 'evt_1_points', 'evt_1_tx', 'evt_2', 'evt_5']);
    expect(open.map((l) => l.rowIndex)).toEqual([0, 0, 0, 0, 1, 2]);
    expect(new Set(open.map((l) => l.key)).size).toBe(open.length);
  });

  it('opens the transaction for a purchase, the event for a line under it, and the event for any other row', () => {
    const [row, receipt] = listLines([purchase], new Set([rowKey(purchase)]));
    expect(row && eventToOpen(row)).toBe('evt_1_tx');
    expect(receipt && eventToOpen(receipt)).toBe('evt_1');
    expect(eventToOpen({ row: cardChange, member: null })).toBe('evt_2');
    const unconfirmed = { ...purchase, group: purchase.group && { ...purchase.group, transactionEventId: null } };
    expect(eventToOpen({ row: unconfirmed, member: null })).toBe('evt_1');
  });

  it('keeps a violation inside a purchase visible on its row', () => {
    expect(flagged(purchase)).toBe(false);
    const group = purchase.group;
    if (!group) throw new Error('a purchase');
    expect(flagged({ ...purchase, violation: false, group: { ...group, violationCount: 1 } })).toBe(true);
    expect(flagged({ ...cardChange, violation: true })).toBe(true);
  });

  it('lists a purchase once: a later page or a refresh moves it instead of repeating it', () => {
    const moved = { ...purchase, id: 'evt_1_late', cursor: 'newer' };
    expect(appendPage([purchase, cardChange], [moved, single]).map((i) => i.id)).toEqual(['evt_1', 'evt_2', 'evt_5']);
    const merged = prependFresh([cardChange, purchase, single], [moved]);
    expect(merged.items.map((i) => i.id)).toEqual(['evt_1_late', 'evt_2', 'evt_5']);
    expect(merged.arrived).toBe(1);
    const raced = prependFresh([purchase, single], [purchase]);
    expect(raced.items.map((i) => i.id)).toEqual(['evt_1', 'evt_5']);
    expect(raced.arrived).toBe(0);
  });

  it('phrases a purchase, its state and its counts in English and French', async () => {
    await setupI18n('en');
    const group = purchase.group;
    if (!group) throw new Error('a purchase');
    await locale.set('en');
    let t = get(_);
    expect(purchaseLine(group, t, 'en')).toBe('Grocer Market: €6.37');
    expect(purchaseState(group, t)).toBe('authorized');
    expect(purchaseState({ ...group, state: null }, t)).toBe('not confirmed yet');
    expect(purchaseLine({ ...group, merchant: null, amount: null }, t, 'en')).toBe('A purchase');
    expect(t('activity.purchase.events', { values: { count: 9 } })).toBe('9 events');
    const kinds = (...list: ActivityItem['kind'][]) => ({ events: list.map((kind) => ({ ...single, kind })) });
    expect(purchaseOutcomes(kinds('points.awarded', 'transaction.settled', 'receipt.issued', 'points.awarded'), t)).toBe(
      'Receipt, Points',
    );
    expect(purchaseOutcomes(kinds('transaction.authorized'), t)).toBe('');
    expect(t('activity.purchase.violations', { values: { count: 1 } })).toBe('1 without permission');
    await locale.set('fr');
    t = get(_);
    expect(purchaseLine(group, t, 'fr')).toMatch(/^Grocer Market : 6,37\s€$/);
    expect(purchaseState({ ...group, state: 'reversed' }, t)).toBe('annulé');
    expect(t('activity.purchase.events', { values: { count: 1 } })).toBe('1 événement');
    expect(purchaseOutcomes(kinds('cashback.paid', 'receipt.issued'), t)).toBe('Reçu, Cashback versé');
    expect(t('activity.purchase.show', { values: { count: 3, merchant: 'Café Rose' } })).toBe(
      'Afficher les 3 événements de cet achat chez Café Rose',
    );
    await locale.set('en');
  });
});

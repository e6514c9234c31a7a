// Mock data for the activity feed, event detail and rewards summary: a synthetic feed of
// purchases (each with its events) served in keyset pages (so the plain browser and page tests
// exercise the virtualised list), a receipt, a transaction and a card change in full, and a
// year of rewards.
import type { ActivityItem, ActivityListRequest, ActivityPage, EventDetail, RewardsSummary } from './generated';

const MERCHANTS = ['Café Rose', 'Grocer Market', 'Book Nook', 'City Bikes', 'Bean Counter Coffee'];
const START = Date.UTC(2026, 10, 27, 12, 0, 0);

/** The synthetic feed's one card change: the card renamed on another device. */
const CARD_CHANGE_AT = 2;

/** An event of the synthetic feed: a transaction on the demo card unless `over` says otherwise. */
export function feedEvent(over: Partial<ActivityItem> & Pick<ActivityItem, 'id' | 'occurredAt'>): ActivityItem {
  return {
    cursor: '',
    kind: 'transaction.authorized',
    cardToken: 'tok_demo_visa',
    cardLast4: '4242',
    cardNickname: 'Everyday',
    appId: null,
    appName: null,
    merchant: null,
    amount: null,
    purchase: null,
    channel: 'nfc',
    points: null,
    label: null,
    text: null,
    violation: false,
    consentOrigin: null,
    deviceName: null,
    group: null,
    ...over,
  };
}

/**
 * Row `n` of a synthetic feed (0 is the newest), one every 7 minutes: a purchase, listed at its
 * newest event. Every third (n % 3 = 1) has a receipt and points, listed at the receipt (its
 * id is `evt_{n}`); n % 3 = 0 is settled (authorization and settlement); n % 3 = 2 is only
 * authorized. Row 2 is a card change.
 */
export function syntheticItem(n: number): ActivityItem {
  const merchant = MERCHANTS[n % MERCHANTS.length] ?? 'Shop';
  const ms = START - n * 7 * 60_000;
  const at = new Date(ms).toISOString();
  if (n === CARD_CHANGE_AT) return cardChangeItem(n, at);
  const amount = { minor: 500 + ((n * 137) % 9000), currency: 'EUR' };
  const before = (seconds: number) => new Date(ms - seconds * 1000).toISOString();
  const tx = (id: string, kind: ActivityItem['kind'], occurredAt: string) =>
    feedEvent({ id, kind, occurredAt, merchant, amount });
  let events: ActivityItem[];
  if (n % 3 === 1) {
    events = [
      feedEvent({
        id: `evt_${n}`,
        kind: 'receipt.issued',
        occurredAt: at,
        appId: 'app_receipts',
        appName: 'PaperLess Receipts',
        merchant,
        amount,
        purchase: amount,
      }),
      feedEvent({
        id: `evt_${n}_points`,
        kind: 'points.awarded',
        occurredAt: before(30),
        appId: 'app_beans',
        appName: 'Bean Counter Coffee',
        purchase: amount,
        points: 12,
        label: 'Bean Club',
        channel: 'nfc',
      }),
      tx(`evt_${n}_tx`, 'transaction.authorized', before(60)),
    ];
  } else if (n % 3 === 0) {
    events = [tx(`evt_${n}`, 'transaction.settled', at), tx(`evt_${n}_auth`, 'transaction.authorized', before(3600))];
  } else {
    events = [tx(`evt_${n}`, 'transaction.authorized', at)];
  }
  const said = events.find((e) => e.kind.startsWith('transaction.')) ?? events[0];
  const row = events[0] ?? tx(`evt_${n}`, 'transaction.authorized', at);
  return {
    ...row,
    cursor: `${ms}.${1_000_000 - n}`,
    group: {
      transactionId: `tx_${n}`,
      state: n % 3 === 0 ? 'settled' : 'authorized',
      merchant,
      amount,
      channel: 'nfc',
      transactionEventId: said?.id ?? null,
      purchasedAt: events[events.length - 1]?.occurredAt ?? at,
      eventCount: events.length,
      violationCount: 0,
      events,
    },
  };
}

function cardChangeItem(n: number, at: string): ActivityItem {
  return feedEvent({
    id: `evt_${n}`,
    cursor: `${START - n * 7 * 60_000}.${1_000_000 - n}`,
    kind: 'card.changed',
    occurredAt: at,
    channel: null,
    label: 'renamed',
    text: 'Everyday',
    consentOrigin: 'other_device',
    deviceName: 'Desktop',
  });
}

/** Pages of a feed of `total` synthetic events; the cursor is the next item's index. */
export function syntheticFeed(total: number): (request: ActivityListRequest) => ActivityPage {
  return (request) => {
    if (request.newerThan !== null) return { items: [], nextCursor: null, moreNewer: false };
    const start = request.cursor === null ? 0 : Number(request.cursor.split(':')[1] ?? 0);
    const limit = request.limit ?? 50;
    const end = Math.min(total, start + limit);
    const items: ActivityItem[] = [];
    for (let n = start; n < end; n++) items.push(syntheticItem(n));
    return { items, nextCursor: end < total ? `i:${end}` : null, moreNewer: false };
  };
}

export const receiptDetail: EventDetail = {
  item: { ...syntheticItem(1), id: 'evt_1', merchant: 'Café Rose', amount: { minor: 880, currency: 'EUR' }, group: null },
  receivedAt: '2026-11-27T11:53:05Z',
  signatureVerified: true,
  body: {
    kind: 'receipt',
    merchant: 'Café Rose',
    lines: [
      {
        quantity: 2,
        description: 'Flat white',
        unitPrice: { minor: 300, currency: 'EUR' },
        tax: { minor: 60, currency: 'EUR' },
        total: { minor: 660, currency: 'EUR' },
      },
      {
        quantity: 1,
        description: 'Croissant',
        unitPrice: { minor: 200, currency: 'EUR' },
        tax: { minor: 20, currency: 'EUR' },
        total: { minor: 220, currency: 'EUR' },
      },
    ],
    tax: { minor: 80, currency: 'EUR' },
    total: { minor: 880, currency: 'EUR' },
    payment: { transactionId: 'tx_1', channel: 'nfc', amount: { minor: 880, currency: 'EUR' } },
  },
  transaction: [
    {
      eventId: 'evt_tx_1',
      status: 'authorized',
      occurredAt: '2026-11-27T11:52:00Z',
      merchant: 'Café Rose',
      amount: { minor: 880, currency: 'EUR' },
      commission: { minor: 10, currency: 'EUR' },
    },
  ],
  violation: null,
};

export const cardChangeDetail: EventDetail = {
  item: syntheticItem(CARD_CHANGE_AT),
  receivedAt: syntheticItem(CARD_CHANGE_AT).occurredAt,
  signatureVerified: true,
  body: {
    kind: 'card_change',
    change: 'renamed',
    brand: 'Visa',
    last4: '4242',
    nickname: 'Everyday',
    deviceName: 'Desktop',
    thisDevice: false,
  },
  transaction: [],
  violation: null,
};

/** The detail of a purchase's transaction event (`evt_{n}`, `evt_{n}_tx`, `evt_{n}_auth`). */
export function transactionDetail(id: string): EventDetail {
  const n = Number(/^evt_(\d+)/.exec(id)?.[1] ?? 0);
  const row = syntheticItem(n);
  const item = row.group?.events.find((e) => e.id === id) ?? { ...row, group: null };
  const amount = item.amount ?? { minor: 880, currency: 'EUR' };
  const merchant = item.merchant ?? 'Café Rose';
  const status = item.kind === 'transaction.settled' ? 'settled' : 'authorized';
  return {
    item: { ...item, group: null },
    receivedAt: item.occurredAt,
    signatureVerified: true,
    body: {
      kind: 'transaction',
      transactionId: `tx_${n}`,
      status,
      merchant,
      channel: 'nfc',
      amount,
      commission: { minor: 10, currency: 'EUR' },
    },
    transaction: (row.group?.events ?? [])
      .filter((e) => e.kind.startsWith('transaction.'))
      .reverse()
      .map((e) => ({
        eventId: e.id,
        status: e.kind === 'transaction.settled' ? 'settled' : 'authorized',
        occurredAt: e.occurredAt,
        merchant,
        amount,
        commission: { minor: 10, currency: 'EUR' },
      })),
    violation: null,
  };
}

/** The detail of event `id`: the card change, a purchase's transaction, else a receipt. */
export function mockDetail(request: { id: string }): EventDetail {
  if (request.id === cardChangeDetail.item.id) return cardChangeDetail;
  const n = Number(/^evt_(\d+)/.exec(request.id)?.[1] ?? -1);
  const row = n >= 0 ? syntheticItem(n) : null;
  const event = row?.group?.events.find((e) => e.id === request.id);
  if (event?.kind.startsWith('transaction.')) return transactionDetail(request.id);
  return receiptDetail;
}

const eur = (minor: number) => ({ minor, currency: 'EUR' });
const MONTHS = ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];

export const rewardsSummary: RewardsSummary = {
  months: MONTHS,
  apps: [
    { id: 'app_beans', name: 'Bean Counter Coffee' },
    { id: 'app_receipts', name: 'PaperLess Receipts' },
  ],
  points: [{ program: 'Bean Club', appId: 'app_beans', balance: 1250, earned: 450, awards: 38 }],
  cashback: [{ currency: 'EUR', pending: eur(320), paid: eur(4150), cancelled: eur(90) }],
  offers: [
    {
      eventId: 'evt_offer_1',
      offerId: 'ofr_1',
      code: 'BEAN5',
      description: '5% off your next coffee',
      discount: { kind: 'percent', bps: 500 },
      expiresAt: '2026-12-02T00:00:00Z',
      appId: 'app_beans',
      appName: 'Bean Counter Coffee',
      cardLast4: '4242',
    },
    {
      eventId: 'evt_offer_2',
      offerId: 'ofr_2',
      code: 'BOOK2',
      description: '€2 off a paperback',
      discount: { kind: 'amount', amount: eur(200) },
      expiresAt: null,
      appId: 'app_receipts',
      appName: 'PaperLess Receipts',
      cardLast4: '4242',
    },
  ],
  topApps: [
    { appId: 'app_beans', appName: 'Bean Counter Coffee', cashback: [eur(4470)], points: 450 },
    { appId: 'app_receipts', appName: 'PaperLess Receipts', cashback: [], points: 0 },
  ],
  cashbackByMonth: MONTHS.map((month, i) => ({ month, appId: 'app_beans', paid: eur(200 + i * 30), pending: eur(i === 11 ? 320 : 0) })),
  pointsByMonth: MONTHS.map((month, i) => ({ month, appId: 'app_beans', points: 20 + i * 3 })),
  commissionByApp: [
    { appId: 'app_beans', appName: 'Bean Counter Coffee', amount: eur(1830), purchases: 122 },
    { appId: 'app_receipts', appName: 'PaperLess Receipts', amount: eur(640), purchases: 64 },
  ],
  commissionByMonth: MONTHS.flatMap((month, i) => [
    { month, appId: 'app_beans', amount: eur(120 + i * 5) },
    { month, appId: 'app_receipts', amount: eur(50 + (i % 3) * 5) },
  ]),
};

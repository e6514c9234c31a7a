// Mock data for the activity feed, event detail and rewards summary: a synthetic feed served in
// keyset pages (so the plain browser and page tests exercise the virtualised list), a receipt
// and a card change in full, and a year of rewards.
import type { ActivityItem, ActivityListRequest, ActivityPage, EventDetail, RewardsSummary } from './generated';

const MERCHANTS = ['Café Rose', 'Grocer Market', 'Book Nook', 'City Bikes', 'Bean Counter Coffee'];
const START = Date.UTC(2026, 10, 27, 12, 0, 0);

/** The synthetic feed's one card change: the card renamed on another device. */
const CARD_CHANGE_AT = 2;

/** Item `n` of a synthetic feed (0 is the newest), one event every 7 minutes. */
export function syntheticItem(n: number): ActivityItem {
  const merchant = MERCHANTS[n % MERCHANTS.length] ?? 'Shop';
  const at = new Date(START - n * 7 * 60_000).toISOString();
  const receipt = n % 3 === 1;
  if (n === CARD_CHANGE_AT) return cardChangeItem(n, at);
  return {
    id: `evt_${n}`,
    cursor: `${START - n * 7 * 60_000}.${1_000_000 - n}`,
    kind: receipt ? 'receipt.issued' : 'transaction.authorized',
    occurredAt: at,
    cardToken: 'tok_demo_visa',
    cardLast4: '4242',
    cardNickname: 'Everyday',
    appId: receipt ? 'app_receipts' : null,
    appName: receipt ? 'PaperLess Receipts' : null,
    merchant,
    amount: { minor: 500 + ((n * 137) % 9000), currency: 'EUR' },
    purchase: null,
    channel: 'nfc',
    points: null,
    label: null,
    text: null,
    violation: false,
    consentOrigin: null,
    deviceName: null,
  };
}

function cardChangeItem(n: number, at: string): ActivityItem {
  return {
    id: `evt_${n}`,
    cursor: `${START - n * 7 * 60_000}.${1_000_000 - n}`,
    kind: 'card.changed',
    occurredAt: at,
    cardToken: 'tok_demo_visa',
    cardLast4: '4242',
    cardNickname: 'Everyday',
    appId: null,
    appName: null,
    merchant: null,
    amount: null,
    purchase: null,
    channel: null,
    points: null,
    label: 'renamed',
    text: 'Everyday',
    violation: false,
    consentOrigin: 'other_device',
    deviceName: 'Desktop',
  };
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
  item: { ...syntheticItem(1), id: 'evt_1', merchant: 'Café Rose', amount: { minor: 880, currency: 'EUR' } },
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

/** The detail of event `id`: the card change for its item, a receipt for every other one. */
export function mockDetail(request: { id: string }): EventDetail {
  return request.id === cardChangeDetail.item.id ? cardChangeDetail : receiptDetail;
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

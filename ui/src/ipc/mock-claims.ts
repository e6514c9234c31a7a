// Canned missing rewards for the mock backend: one with a receipt from another app, one without.
import type { MissingRewards } from './generated';

export const missingRewards: MissingRewards = {
  days: 3,
  items: [
    {
      transactionId: 'txn_9',
      settledEventId: 'evt_settled_9',
      merchant: 'Café Rose',
      settledAt: '2026-11-20T09:30:00Z',
      amount: { minor: 1240, currency: 'EUR' },
      channel: 'nfc',
      cardToken: 'tok_demo_visa',
      cardLast4: '4242',
      appId: 'app_beans',
      appName: 'Bean Counter Coffee',
      appPublisher: 'Bean Counter Ltd',
      dueBy: '2026-11-23T09:30:00Z',
      grants: [
        {
          grantId: 'grtpointsbeans',
          scope: 'points',
          channels: ['card', 'nfc'],
          grantedAt: '2026-11-01T10:00:00Z',
          termsVersion: 2,
          ledgerSeq: 4,
          ledgerHash: '9f2c1d0e5b7a4c3e8d6f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d',
        },
      ],
      receipt: {
        eventId: 'evt_receipt_9',
        appId: 'app_receipts',
        merchant: 'Café Rose',
        total: { minor: 1240, currency: 'EUR' },
        lines: [
          { description: 'Flat white', quantity: 2, total: { minor: 720, currency: 'EUR' } },
          { description: 'Croissant', quantity: 2, total: { minor: 520, currency: 'EUR' } },
        ],
      },
    },
    {
      transactionId: 'txn_7',
      settledEventId: 'evt_settled_7',
      merchant: 'Book Nook',
      settledAt: '2026-11-18T15:00:00Z',
      amount: { minor: 3200, currency: 'EUR' },
      channel: 'card',
      cardToken: 'tok_demo_visa',
      cardLast4: '4242',
      appId: 'app_receipts',
      appName: 'PaperLess Receipts',
      appPublisher: 'Receipt Co',
      dueBy: '2026-11-21T15:00:00Z',
      grants: [
        {
          grantId: 'grtreceiptspaper',
          scope: 'receipts',
          channels: ['card', 'nfc'],
          grantedAt: '2026-11-01T10:00:00Z',
          termsVersion: 1,
          ledgerSeq: 2,
          ledgerHash: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b',
        },
      ],
      receipt: null,
    },
  ],
};

import { expect, test } from '@playwright/test';
import { calls, open, seriousViolations } from './support';

const demoInfo = {
  app_info: {
    ok: { version: '0.1.0', dataDir: '/tmp/w', buildProfile: 'debug', platformUrl: null, demo: true },
  },
};
const defaultInfo = { ok: { ...demoInfo.app_info.ok, demo: false } };

test('demo: a badge says so, and an app can publish new terms from its card', async ({ page }) => {
  await open(page, '#/consents', demoInfo);
  await expect(page.getByTestId('demo-badge')).toHaveText('Demo');
  const app = page.locator("article[aria-labelledby='app-app_receipts']");
  await app.getByRole('button', { name: 'Demo: this app publishes new terms' }).click();
  await expect(app.getByRole('status')).toContainText('Version 4 of the terms is published');
  expect(await calls(page, 'demo_terms_publish')).toEqual([{ appId: 'app_receipts' }]);
});

test('demo: an app can ignore your choices once, and Activity is one click away', async ({ page }) => {
  await open(page, '#/consents', demoInfo);
  const app = page.locator("article[aria-labelledby='app-app_receipts']");
  await app.getByRole('button', { name: 'Demo: this app ignores your choices once' }).click();
  await expect(app.getByTestId('demo-violated')).toContainText('It sent “Social posts” for the last purchase on •••• 4242');
  expect(await calls(page, 'demo_violation')).toEqual([{ appId: 'app_receipts', cardToken: 'tok_demo_visa' }]);
  await app.getByRole('link', { name: 'See it flagged in Activity' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Activity');
});

test('demo: nothing of it against a real platform', async ({ page }) => {
  await open(page, '#/consents');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apps & permissions');
  await expect(page.getByTestId('demo-badge')).toHaveCount(0);
  await expect(page.getByTestId('demo-terms')).toHaveCount(0);
});

test('demo: in French', async ({ page }) => {
  await open(page, '#/consents', demoInfo, 'fr');
  await expect(page.getByTestId('demo-badge')).toHaveText('Démo');
  await expect(page.getByRole('button', { name: 'Démo : cette application publie de nouvelles conditions' }).first()).toBeVisible();
});

// An app that may pay cashback on the demo card, beside the receipts app.
const cashbackApp = {
  id: 'app_cashcove',
  name: 'Cashcove',
  publisher: 'Cashcove SAS',
  description: 'Cashback on your purchases.',
  requestedScopes: ['cashback'],
  termsVersion: 1,
  termsText: 'We pay cashback.',
  fee: '€0.10 per cashback',
  feeModel: { kind: 'per_event', amount: { minor: 10, currency: 'EUR' }, per: 'cashback' },
};
const receiptsApp = {
  id: 'app_receipts',
  name: 'PaperLess Receipts',
  publisher: 'Receipt Co',
  description: 'Itemised digital receipts for every purchase.',
  requestedScopes: ['receipts'],
  termsVersion: 1,
  termsText: 'We store your receipts for you.',
  fee: '€0.10 per receipt',
  feeModel: { kind: 'per_event', amount: { minor: 10, currency: 'EUR' }, per: 'receipts' },
};
function permission(appId: string, scope: string, status = 'active') {
  return {
    grantId: `grt_${appId}_${scope}`,
    appId,
    cardToken: 'tok_demo_visa',
    scope,
    channels: ['card', 'nfc'],
    trigger: 'authorization',
    minPurchase: null,
    expiresAt: null,
    status,
    termsVersion: 1,
    pendingTermsVersion: null,
    changedAt: '2026-11-27T10:00:00Z',
    grantedAt: '2026-11-20T10:00:00Z',
    renewalDays: null,
    sync: { state: 'synced', attempts: 0, lastError: null, nextAttemptAt: null },
  };
}
const withCashback = (status = 'active') => ({
  ...demoInfo,
  apps_list: { ok: { apps: [receiptsApp, cashbackApp] } },
  grants_list: { ok: { grants: [permission('app_receipts', 'receipts'), permission('app_cashcove', 'cashback', status)] } },
});
const demoClaim = {
  transactionId: 'txn_demo_unrewarded',
  settledEventId: 'evt_settled_demo',
  merchant: 'Marché Frais',
  settledAt: '2026-11-24T10:00:00Z',
  amount: { minor: 2490, currency: 'EUR' },
  channel: 'card',
  cardToken: 'tok_demo_visa',
  cardLast4: '4242',
  appId: 'app_cashcove',
  appName: 'Cashcove',
  appPublisher: 'Cashcove SAS',
  dueBy: '2026-11-24T10:00:00Z',
  grants: [
    {
      grantId: 'grt_app_cashcove_cashback',
      scope: 'cashback',
      channels: ['card', 'nfc'],
      grantedAt: '2026-11-20T10:00:00Z',
      termsVersion: 1,
      ledgerSeq: 2,
      ledgerHash: 'ab'.repeat(32),
    },
  ],
  receipt: null,
};

test('demo: an app that may pay cashback keeps one, and its claim pack is in Rewards', async ({ page }) => {
  await open(page, '#/consents', { ...withCashback(), missing_rewards: { ok: { days: 0, items: [demoClaim] } } });
  // Only the app holding a cashback permission on the card offers it.
  const receipts = page.locator("article[aria-labelledby='app-app_receipts']");
  await expect(receipts.getByRole('button', { name: 'Demo: this app ignores your choices once' })).toBeVisible();
  await expect(receipts.getByTestId('demo-unrewarded')).toHaveCount(0);
  const app = page.locator("article[aria-labelledby='app-app_cashcove']");
  await app.getByRole('button', { name: 'Demo: this app keeps the cashback of a past purchase' }).click();
  await expect(app.getByTestId('demo-unrewarded-done')).toContainText('It kept the cashback of a €24.90 purchase at Marché Frais on Nov 24, 2026');
  expect(await calls(page, 'demo_unrewarded_purchase')).toEqual([{ appId: 'app_cashcove', cardToken: 'tok_demo_visa' }]);
  expect(await seriousViolations(page)).toEqual([]);
  await app.getByRole('link', { name: 'See its claim pack in Rewards' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rewards');
  const section = page.getByTestId('missing-rewards');
  await expect(section).toContainText('Demo: a reward counts as missing as soon as its purchase settles without it.');
  const claim = section.getByTestId('missing-reward');
  await expect(claim).toHaveCount(1);
  await expect(claim).toContainText('Marché Frais');
  await expect(claim).toContainText('Cashcove owed: Cashback');
  await claim.getByRole('button', { name: 'Claim pack' }).click();
  await expect(claim.getByTestId('claim-pack')).toContainText('Transaction: txn_demo_unrewarded');
  expect(await seriousViolations(page)).toEqual([]);
});

test('demo: no cashback control without an active cashback permission', async ({ page }) => {
  await open(page, '#/consents', withCashback('revoked'));
  await expect(page.getByTestId('demo-terms').first()).toBeVisible();
  await expect(page.getByTestId('demo-unrewarded')).toHaveCount(0);
});

test('demo: no cashback control against a real platform', async ({ page }) => {
  await open(page, '#/consents', { ...withCashback(), app_info: defaultInfo });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apps & permissions');
  await expect(page.locator("article[aria-labelledby='app-app_cashcove']")).toBeVisible();
  await expect(page.getByTestId('demo-unrewarded')).toHaveCount(0);
});

test('demo: the cashback control and the demo wait in French', async ({ page }) => {
  await open(page, '#/consents', { ...withCashback(), missing_rewards: { ok: { days: 0, items: [demoClaim] } } }, 'fr');
  const app = page.locator("article[aria-labelledby='app-app_cashcove']");
  await app.getByRole('button', { name: 'Démo : cette application garde le cashback d’un achat passé' }).click();
  await expect(app.getByTestId('demo-unrewarded-done')).toContainText('Elle a gardé le cashback d’un achat de 24,90');
  await app.getByRole('link', { name: 'Voir son dossier de réclamation dans Récompenses' }).click();
  await expect(page.getByTestId('missing-rewards')).toContainText('Démo : une récompense compte comme manquante');
});

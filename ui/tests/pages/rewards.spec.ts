import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { callsOf, expectLoadingAndFailure, open } from './support';

const emptySummary = {
  months: ['2026-10', '2026-11'],
  apps: [],
  points: [],
  cashback: [],
  offers: [],
  topApps: [],
  cashbackByMonth: [],
  pointsByMonth: [],
  commissionByApp: [],
  commissionByMonth: [],
};

test('rewards: points, cashback pending vs paid, offers by expiry, top apps, charts, commission', async ({ page }) => {
  await open(page, '#/rewards');
  const cashback = page.getByTestId('cashback-totals');
  await expect(cashback).toContainText('Paid');
  await expect(cashback).toContainText('€41.50');
  await expect(cashback).toContainText('On its way');
  await expect(cashback).toContainText('€3.20');
  await expect(page.getByTestId('points')).toContainText('Bean Club');
  await expect(page.getByTestId('points')).toContainText('1,250 points');
  const offers = page.getByTestId('offers').getByRole('listitem');
  await expect(offers.first()).toContainText('BEAN5');
  await expect(offers.first()).toContainText('5% off');
  await expect(offers.nth(1)).toContainText('No expiry');
  await expect(page.getByTestId('top-apps').getByRole('listitem').first()).toContainText('Bean Counter Coffee');

  const chart = page.getByTestId('chart-cashback');
  await expect(chart.getByRole('img', { name: 'Cashback per month, by app (EUR)' })).toBeVisible();
  const drawn = await chart.locator('canvas').evaluate((c: HTMLCanvasElement) => c.width > 0 && c.height > 0);
  expect(drawn).toBe(true);
  await chart.getByRole('button', { name: 'Show as a table' }).click();
  await expect(chart.getByRole('table')).toContainText('Nov 2026');
  await expect(chart.getByRole('table')).toContainText('Bean Counter Coffee');

  const commission = page.getByTestId('commission');
  await expect(commission.getByRole('row').nth(1)).toContainText('Bean Counter Coffee');
  await expect(commission.getByRole('row').nth(1)).toContainText('€18.30');
  await expect(page.getByTestId('chart-commission').locator('canvas')).toHaveCount(1);

  await page.getByLabel('Charts cover').selectOption({ label: 'the last 6 months' });
  await expect.poll(async () => (await callsOf(page, 'rewards_summary')).at(-1)?.request.months).toBe(6);
});

test('rewards: empty, loading and error states', async ({ page }) => {
  await open(page, '#/rewards', { rewards_summary: { ok: emptySummary } });
  await expect(page.getByText('No rewards yet.')).toBeVisible();
  const internal = { code: 'internal', message: 'disk' };
  await expectLoadingAndFailure(page, '#/rewards', 'rewards_summary', internal, 'Something went wrong inside Consentry.');
});

test('rewards: charts draw under the app’s CSP, in light and dark', async ({ page }) => {
  // The CSP the app ships (src-tauri/tauri.conf.json), served as a header on the page.
  const conf = JSON.parse(readFileSync(new URL('../../../src-tauri/tauri.conf.json', import.meta.url), 'utf8'));
  const csp = Object.entries(conf.app.security.csp as Record<string, string>)
    .map(([directive, value]) => `${directive} ${value}`)
    .join('; ');
  await page.route('**/', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
  });
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = violations;
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '#/rewards');
    const canvas = page.getByTestId('chart-points').locator('canvas');
    await expect(canvas).toBeVisible();
    const inked = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
      return painted;
    });
    expect(inked).toBeGreaterThan(500);
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    expect(violations).toEqual([]);
  }
});

test('récompenses : en français', async ({ page }) => {
  await open(page, '#/rewards', {}, 'fr');
  await expect(page.getByTestId('cashback-totals')).toContainText('41,50 €');
  await expect(page.getByRole('heading', { name: 'Ce que la plateforme a gagné' })).toBeVisible();
});

// Two currencies and a long list of offers: what a cardholder with a US card and many coupons sees.
const eur = (minor: number) => ({ minor, currency: 'EUR' });
const usd = (minor: number) => ({ minor, currency: 'USD' });
const twoCurrencies = {
  ...emptySummary,
  apps: [
    { id: 'app_beans', name: 'Bean Counter Coffee' },
    { id: 'app_receipts', name: 'PaperLess Receipts' },
  ],
  points: [{ program: 'Bean Club', appId: 'app_beans', balance: 1250, earned: 450, awards: 38 }],
  cashback: [
    { currency: 'EUR', pending: eur(320), paid: eur(4150), cancelled: eur(0) },
    { currency: 'USD', pending: usd(100), paid: usd(900), cancelled: usd(0) },
  ],
  offers: Array.from({ length: 12 }, (_, i) => ({
    eventId: `evt_offer_${i}`,
    offerId: `ofr_${i}`,
    code: `CODE${i}`,
    description: `Offer number ${i}`,
    discount: { kind: 'percent', bps: 500 + i * 100 },
    expiresAt: null,
    appId: 'app_beans',
    appName: 'Bean Counter Coffee',
    cardLast4: '4242',
  })),
  topApps: [{ appId: 'app_beans', appName: 'Bean Counter Coffee', cashback: [eur(4470)], points: 450 }],
  cashbackByMonth: [{ month: '2026-11', appId: 'app_beans', paid: eur(4150), pending: usd(100) }],
  commissionByApp: [
    { appId: 'app_beans', appName: 'Bean Counter Coffee', amount: eur(1830), purchases: 122 },
    { appId: 'app_beans', appName: 'Bean Counter Coffee', amount: usd(410), purchases: 20 },
    { appId: 'app_receipts', appName: 'PaperLess Receipts', amount: eur(640), purchases: 64 },
  ],
  commissionByMonth: [{ month: '2026-11', appId: 'app_beans', amount: usd(410) }],
};
const card = (token: string, last4: string, currency: string) => ({
  token,
  brand: 'visa',
  last4,
  masked: `•••• ${last4}`,
  expMonth: 12,
  expYear: 2030,
  nickname: null,
  status: 'active',
  expiresInDays: null,
  currency,
});
const twoCards = {
  rewards_summary: { ok: twoCurrencies },
  cards_list: { ok: { cards: [card('tok_eu', '4242', 'EUR'), card('tok_us', '1881', 'USD')] } },
};

test('rewards: a long list of offers stretches no other panel', async ({ page }) => {
  await open(page, '#/rewards', twoCards);
  const offers = page.getByTestId('offers');
  await expect(offers.getByRole('listitem')).toHaveCount(12);
  const height = async (testid: string) => (await page.getByTestId(testid).boundingBox())?.height ?? 0;
  const [cashback, points, topApps, offersHeight] = [
    await height('cashback-totals'),
    await height('points'),
    await height('top-apps'),
    await height('offers'),
  ];
  // Each summary panel is as tall as what it holds: the one-line panels are shorter than the
  // two-currency cashback, and none is as tall as the offers.
  expect(points).toBeLessThan(cashback - 20);
  expect(topApps).toBeLessThan(cashback - 20);
  expect(cashback).toBeLessThan(offersHeight / 2);
  // The offers flow across the width rather than down one column.
  const first = await offers.getByRole('listitem').first().boundingBox();
  const last = await offers.getByRole('listitem').last().boundingBox();
  expect(last?.x ?? 0).toBeGreaterThan((first?.x ?? 0) + 100);
});

test('rewards: the Currency select shows the charts’ currency, the card’s own when one is chosen', async ({ page }) => {
  await open(page, '#/rewards', twoCards);
  const currency = page.getByLabel('Currency');
  await expect(currency).toHaveValue('EUR');
  await expect(currency.locator('option:checked')).toHaveText('EUR');
  await expect(page.getByTestId('chart-cashback').getByRole('img')).toHaveAccessibleName('Cashback per month, by app (EUR)');

  await page.getByLabel('Card').selectOption('tok_us');
  await expect(currency).toHaveValue('USD');
  await expect(page.getByTestId('chart-cashback').getByRole('img')).toHaveAccessibleName('Cashback per month, by app (USD)');
  await expect(page.getByTestId('chart-commission').getByRole('img')).toHaveAccessibleName(
    'Platform commission per month, by app (USD)',
  );

  // What the cardholder picks stays picked when the card changes.
  await currency.selectOption('EUR');
  await page.getByLabel('Card').selectOption('');
  await page.getByLabel('Card').selectOption('tok_us');
  await expect(currency).toHaveValue('EUR');
});

test('rewards: each commission row names its currency', async ({ page }) => {
  await open(page, '#/rewards', twoCards);
  const table = page.getByTestId('commission').getByRole('table');
  await expect(table.getByRole('columnheader')).toHaveText(['App', 'Currency', 'Purchases', 'Platform earned']);
  const rows = table.getByRole('row');
  // The charts' currency first, then the others; the same app twice is told apart by its currency.
  await expect(rows.nth(1)).toHaveText(/Bean Counter Coffee\s*EUR\s*122\s*€18\.30/);
  await expect(rows.nth(2)).toHaveText(/PaperLess Receipts\s*EUR\s*64\s*€6\.40/);
  await expect(rows.nth(3)).toHaveText(/Bean Counter Coffee\s*USD\s*20\s*\$4\.10/);

  // One currency: the amount's own symbol says it, no column.
  const single = await page.context().newPage();
  await open(single, '#/rewards');
  await expect(single.getByTestId('commission').getByRole('columnheader')).toHaveText(['App', 'Purchases', 'Platform earned']);
});

test('récompenses : la devise de chaque ligne de commission, en français', async ({ page }) => {
  await open(page, '#/rewards', twoCards, 'fr');
  await expect(page.getByLabel('Devise')).toHaveValue('EUR');
  const table = page.getByTestId('commission').getByRole('table');
  await expect(table.getByRole('columnheader').nth(1)).toHaveText('Devise');
  await expect(table.getByRole('row').nth(3)).toContainText('USD');
});

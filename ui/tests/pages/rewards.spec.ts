import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { open } from './support';

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
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (window as unknown as { __CONSENTRY_MOCK_IPC__: { calls: { command: string; request: { months: number } }[] } })
            .__CONSENTRY_MOCK_IPC__.calls.filter((c) => c.command === 'rewards_summary')
            .at(-1)?.request.months,
      ),
    )
    .toBe(6);
});

test('rewards: empty, loading and error states', async ({ page }) => {
  await open(page, '#/rewards', { rewards_summary: { ok: emptySummary } });
  await expect(page.getByText('No rewards yet.')).toBeVisible();

  const pending = await page.context().newPage();
  await open(pending, '#/rewards', { rewards_summary: { pending: true } });
  await expect(pending.getByRole('main').getByRole('status')).toHaveText('Loading…');

  const failing = await page.context().newPage();
  await open(failing, '#/rewards', { rewards_summary: { error: { code: 'internal', message: 'disk' } } });
  await expect(failing.getByRole('alert')).toContainText('Something went wrong inside Consentry.');
  await expect(failing.getByRole('button', { name: 'Try again' })).toBeVisible();
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

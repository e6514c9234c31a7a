import { expect, test } from '@playwright/test';
import { calls, open } from './support';

const demoInfo = {
  app_info: {
    ok: { version: '0.1.0', dataDir: '/tmp/w', buildProfile: 'debug', platformUrl: null, demo: true },
  },
};

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

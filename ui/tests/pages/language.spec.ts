import { expect, test } from '@playwright/test';
import { callsOf, calls, open, receiptsApp } from './support';

// The directory as the platform serves it to a French wallet.
const frenchDirectory = {
  apps_list: {
    ok: {
      apps: [
        {
          ...receiptsApp,
          description: 'Des reçus numériques détaillés pour chaque achat.',
          language: 'fr',
          termsText: 'Nous conservons vos reçus pour vous.',
          termsLanguage: 'fr',
        },
      ],
    },
  },
  wallet_set_language: { ok: { language: 'fr', directoryRefreshed: true } },
};

test('the wallet reads the platform in the window’s language, and reads it again when it changes', async ({ page }) => {
  await open(page, '#/consents', frenchDirectory, 'fr');
  const app = page.locator("article[aria-labelledby='app-app_receipts']");
  // The platform's texts, marked with their language for screen readers.
  await expect(app.getByText('Des reçus numériques détaillés pour chaque achat.')).toHaveAttribute('lang', 'fr');
  await app.getByText('Conditions, version 1').click();
  await expect(app.getByText('Nous conservons vos reçus pour vous.')).toHaveAttribute('lang', 'fr');
  await expect.poll(() => calls(page, 'wallet_set_language')).toEqual([{ language: 'fr' }]);
  const listed = (await callsOf(page, 'apps_list')).length;

  // Another language in Settings: the backend hears it, and the directory it read again is
  // loaded again.
  await page.goto('/#/settings');
  await page.getByLabel('Langue').selectOption('en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  await expect.poll(() => calls(page, 'wallet_set_language')).toEqual([{ language: 'fr' }, { language: 'en' }]);
  await expect.poll(async () => (await callsOf(page, 'apps_list')).length).toBeGreaterThan(listed);
});

test('an English window tells the backend once the wallet is open, not while it is locked', async ({ page }) => {
  await open(page, '#/consents', {
    wallet_status: { ok: { state: 'locked', walletId: 'w-0001', autoLockMinutes: 15, keyring: true, hasPassphrase: false } },
  });
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
  expect(await calls(page, 'wallet_set_language')).toEqual([]);
  await page.getByRole('button', { name: 'Unlock with the system keyring' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apps & permissions');
  await expect.poll(() => calls(page, 'wallet_set_language')).toEqual([{ language: 'en' }]);
  await expect(page.getByText('Itemised digital receipts for every purchase.')).toHaveAttribute('lang', 'en');
});

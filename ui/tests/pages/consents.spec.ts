import { expect, test } from '@playwright/test';
import { calls, expectLoadingAndFailure, open } from './support';

test('cards: populated list with masked number, rename and the lost-card action', async ({ page }) => {
  await open(page, '#/cards');
  const card = page.locator('li.card');
  await expect(card).toContainText('•••• 4242');
  await expect(card).toContainText('Visa');
  await expect(card).toContainText('Expires 12/2030');
  await page.getByRole('button', { name: 'Rename •••• 4242' }).click();
  await expect(page.getByLabel('Nickname')).toHaveValue('Everyday');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Revoke everything on this card' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Every app loses every permission on •••• 4242');
  await dialog.getByRole('button', { name: 'Revoke everything' }).click();
  await expect(page.getByText('1 permission revoked.')).toBeVisible();
});

test('cards: empty, loading and error states', async ({ page }) => {
  await open(page, '#/cards', { cards_list: { ok: { cards: [] } } });
  await expect(page.getByText('No card linked yet.')).toBeVisible();
  const locked = { code: 'wallet_locked', message: 'the wallet is locked' };
  await expectLoadingAndFailure(page, '#/cards', 'cards_list', locked, 'The wallet is locked.');
});

test('apps: directory with fee, scopes explained, and a one-click revoke', async ({ page }) => {
  await open(page, '#/consents');
  const receipts = page.getByRole('article').filter({ hasText: 'PaperLess Receipts' });
  await expect(receipts).toContainText('What the platform earns: €0.10 per event (Receipts)');
  await expect(receipts).toContainText('Sends you an itemised receipt');
  const cell = receipts.getByRole('switch', { name: 'Receipts on Everyday •••• 4242' });
  await expect(cell).toBeChecked();
  await cell.click();
  await expect(cell).not.toBeChecked();
  await expect(receipts).toContainText('Revoked');

  const coffee = page.getByRole('article').filter({ hasText: 'Bean Counter Coffee' });
  const points = coffee.getByRole('switch', { name: 'Points on Everyday •••• 4242' });
  await expect(points).not.toBeChecked();
});

test('apps: verify ledger reports the chain', async ({ page }) => {
  await open(page, '#/consents', { ledger_verify: { ok: { intact: true, entries: 7, brokenAt: null, reason: null } } });
  await page.getByRole('button', { name: 'Verify ledger' }).click();
  await expect(page.getByTestId('ledger-verified')).toHaveText('The ledger is intact: 7 entries, every link checks.');
});

test('apps: empty and error states', async ({ page }) => {
  await open(page, '#/consents', { apps_list: { ok: { apps: [] } } });
  await expect(page.getByText('No app can act on your cards.')).toBeVisible();
  const failing = await page.context().newPage();
  await open(failing, '#/consents', { grants_list: { error: { code: 'internal', message: 'disk' } } });
  await expect(failing.getByRole('alert')).toContainText('Something went wrong inside Consentry.');
});

test('export: an archive needs a password; plain formats need an explicit yes', async ({ page }) => {
  await open(page, '#/export');
  const submit = page.getByRole('button', { name: 'Export' });
  await expect(submit).toBeDisabled();
  await page.getByLabel('Archive password', { exact: true }).fill('long enough');
  await expect(submit).toBeEnabled();
  await page.getByRole('radio', { name: /^CSV/ }).check();
  await expect(page.getByRole('note')).toContainText('will not be encrypted');
  await expect(submit).toBeDisabled();
  await page.getByLabel('I understand, write it unencrypted').check();
  await submit.click();
  await expect(page.getByTestId('export-done')).toContainText('Exported 1,312 events');
});

const conflict = {
  id: 7,
  appId: 'app_receipts',
  cardToken: 'tok_demo_visa',
  scope: 'receipts',
  asked: 'grant',
  askedAt: '2026-11-26T09:00:00Z',
  wonStatus: 'revoked',
  wonAt: '2026-11-26T08:59:00Z',
  wonBy: 'Work laptop',
  wonByPlatform: false,
  reason: 'version_conflict: the grant changed',
  detectedAt: '2026-11-26T09:01:00Z',
};

test('apps: a change another device beat is listed until kept or applied again', async ({ page }) => {
  await open(page, '#/consents', { conflicts_list: { ok: { conflicts: [conflict] } } });
  const list = page.getByTestId('conflicts');
  await expect(list).toContainText('you allowed Receipts for PaperLess Receipts on Everyday •••• 4242');
  await expect(list).toContainText('The change made on Work laptop came first: the permission is now revoked');
  await page.getByRole('button', { name: "Keep the other device's change to Receipts for PaperLess Receipts on Everyday •••• 4242" }).click();
  await expect(list).toHaveCount(0);
  expect(await calls(page, 'conflict_dismiss')).toEqual([{ id: 7 }]);

  const again = await page.context().newPage();
  await open(again, '#/consents', { conflicts_list: { ok: { conflicts: [conflict] } } });
  await again.getByRole('button', { name: 'Apply your change to Receipts for PaperLess Receipts on Everyday •••• 4242 again' }).click();
  await expect(again.getByTestId('conflicts')).toHaveCount(0);
  expect(await calls(again, 'conflict_reapply')).toEqual([{ id: 7 }]);
});

test('apps: a change the platform alone made is not credited to a device', async ({ page }) => {
  await open(page, '#/consents', { conflicts_list: { ok: { conflicts: [{ ...conflict, wonBy: null, wonByPlatform: true }] } } });
  const list = page.getByTestId('conflicts');
  await expect(list).toContainText('The platform changed it first, and none of your devices vouched for that change');
  await expect(list).not.toContainText('Work laptop');
});

test('apps: conflicts in French', async ({ page }) => {
  await open(page, '#/consents', { conflicts_list: { ok: { conflicts: [{ ...conflict, asked: 'revoke', wonStatus: null }] } } }, 'fr');
  const list = page.getByTestId('conflicts');
  await expect(list).toContainText('vous avez retiré');
  await expect(list).toContainText('l’autorisation n’existe plus');
  await expect(page.getByRole('button', { name: /^Garder la modification de l’autre appareil/ })).toHaveText('Garder la leur');
});

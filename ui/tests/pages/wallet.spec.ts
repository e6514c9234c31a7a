import { expect, test, type Page } from '@playwright/test';
import { callsOf, emit, open as openAt } from './support';

const locked = { state: 'locked', walletId: 'w-1', autoLockMinutes: 15 };

/** Opens Cards as the mock wallet in `scenario` stands: its gate shows first when it is not open. */
function open(page: Page, scenario: object) {
  return openAt(page, '#/cards', scenario);
}

test('a new cardholder creates a wallet and must confirm the recovery key', async ({ page }) => {
  await open(page, { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } });
  await expect(page.getByRole('heading', { name: 'Create your wallet' })).toBeVisible();
  await page.getByRole('button', { name: 'Create the wallet' }).click();

  await expect(page.getByRole('heading', { name: 'Your recovery key' })).toBeVisible();
  await expect(page.getByTestId('recovery-key')).toContainText('ABCD-EFGH');
  const proceed = page.getByRole('button', { name: 'Continue' });
  await expect(proceed).toBeDisabled();
  await page.getByLabel('I saved my recovery key').check();
  await proceed.click();
  // The first-run card step, skippable.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Link a card');
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
});

test('the wizard offers the language first, and the recovery key copies whole', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await open(page, { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } });
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Créez votre portefeuille');
  expect(await page.evaluate(() => localStorage.getItem('consentry.locale'))).toBe('fr');
  await page.getByLabel('Langue').selectOption('en');
  await page.getByRole('button', { name: 'Create the wallet' }).click();

  const key = page.getByTestId('recovery-key');
  const text = (await key.textContent()) ?? '';
  expect(text).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/);
  // Each group stays on one line: a line may break only at a hyphen.
  for (const group of await key.locator('.group').all()) {
    const box = await group.boundingBox();
    expect(box?.height ?? 0).toBeLessThan(30);
  }
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByText(/^Copied\./)).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
});

test('a passphrase-only wallet needs matching passphrases of 8+ characters', async ({ page }) => {
  await open(page, { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } });
  await page.getByLabel(/A passphrase only/).check();
  const create = page.getByRole('button', { name: 'Create the wallet' });
  await page.getByLabel('Passphrase', { exact: true }).fill('short');
  await expect(create).toBeDisabled();
  await page.getByLabel('Passphrase', { exact: true }).fill('correct horse');
  await page.getByLabel('Confirm the passphrase').fill('correct hors');
  await expect(page.getByText('The two passphrases differ.')).toBeVisible();
  await page.getByLabel('Confirm the passphrase').fill('correct horse');
  await expect(create).toBeEnabled();
});

test('a locked wallet opens with the keyring', async ({ page }) => {
  await open(page, { wallet_status: { ok: locked } });
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
  await page.getByRole('button', { name: 'Unlock with the system keyring' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
  await expect(page.getByTestId('lock-state')).toHaveText('Wallet: unlocked');
});

test('a wrong passphrase says so and keeps the gate', async ({ page }) => {
  await open(page, {
    wallet_status: { ok: { ...locked, state: 'key_mismatch' } },
    wallet_unlock: { error: { code: 'key_mismatch', message: 'the passphrase does not open this wallet' } },
  });
  await page.getByRole('textbox', { name: 'Passphrase' }).fill('wrong words');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('That doesn’t open this wallet.');
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
});

test('a missing keyring key offers the passphrase and recovery key only', async ({ page }) => {
  await open(page, { wallet_status: { ok: { ...locked, state: 'key_missing' } } });
  await expect(page.getByText(/has no key for this wallet/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Unlock with the system keyring' })).toHaveCount(0);
  await page.getByLabel('Recovery key').first().check();
  await expect(page.getByRole('textbox', { name: 'Recovery key' })).toBeVisible();
});

test('a damaged wallet is explained, never replaced', async ({ page }) => {
  await open(page, { wallet_status: { ok: { ...locked, state: 'corrupted' } } });
  await expect(page.getByRole('heading', { name: 'The wallet file is damaged' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Create/ })).toHaveCount(0);
});

test('settings locks the wallet, sets auto-lock and checks integrity', async ({ page }) => {
  await open(page, {});
  await page.goto('/#/settings');
  await expect(page.getByTestId('wallet-state')).toHaveText('unlocked');
  await page.getByRole('button', { name: 'Check integrity' }).click();
  await expect(page.getByTestId('integrity-result')).toHaveText('The wallet file is intact.');
  await page.getByRole('button', { name: 'Lock now' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
});

test('an auto-lock event from the backend brings the gate back', async ({ page }) => {
  await open(page, {});
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
  await emit(page, 'wallet_status', locked);
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
});

test('settings: a passphrase is set with the recovery key as proof, then the key can leave the keyring', async ({ page }) => {
  await openAt(page, '#/settings');
  await expect(page.getByTestId('keys-passphrase')).toHaveText('not set');
  await expect(page.getByTestId('keys-keyring')).toHaveText('the key is kept there');
  // Without a passphrase, the key cannot leave the keyring (the recovery key alone would remain).
  await expect(page.getByRole('button', { name: 'Take the key out of the keyring' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'Current passphrase' })).toBeDisabled();
  await page.locator('#key-proof').fill('ABCD-EFGH');
  await page.locator('#key-new').fill('a new passphrase');
  await page.locator('#key-confirm').fill('a new passphrase');
  await page.getByRole('button', { name: 'Set a passphrase' }).click();
  await expect(page.getByTestId('keys-done')).toContainText('Passphrase saved');
  await expect(page.getByTestId('keys-passphrase')).toHaveText('set');
  expect((await callsOf(page, 'wallet_set_passphrase'))[0]?.request).toEqual({
    proof: { method: 'recovery_key', recoveryKey: 'ABCD-EFGH' },
    newPassphrase: 'a new passphrase',
  });
  await expect(page.locator('#key-proof')).toHaveValue('');
});

test('after a recovery-key unlock, the key can go back into the keyring', async ({ page }) => {
  await open(page, { wallet_status: { ok: { ...locked, state: 'key_missing' } } });
  await page.getByLabel('Recovery key').first().check();
  await page.getByRole('textbox', { name: 'Recovery key' }).fill('ABCD-EFGH-JKMN');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Keep the key in the system keyring?' })).toBeVisible();
  await page.getByRole('button', { name: 'Keep it in the keyring' }).click();
  await expect(page.getByRole('heading', { name: 'Cards' })).toBeVisible();
  expect((await callsOf(page, 'wallet_set_keyring'))[0]?.request).toEqual({ keepInKeyring: true, proof: null });
});

test('after a passphrase unlock, nothing is offered', async ({ page }) => {
  await open(page, { wallet_status: { ok: locked } });
  await page.getByRole('textbox', { name: 'Passphrase' }).fill('the right words');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Cards' })).toBeVisible();
  expect(await callsOf(page, 'wallet_set_keyring')).toHaveLength(0);
});

test('settings: a new recovery key is shown, typed back, then active; a cancelled dialog shows nothing', async ({ page }) => {
  await openAt(page, '#/settings', {
    wallet_recovery_key_new: { error: { code: 'cancelled', message: 'no new recovery key was made: it was not confirmed' } },
  });
  await page.getByRole('button', { name: 'Make a new recovery key' }).click();
  await expect(page.getByTestId('recovery-new-key')).toHaveCount(0);
  await expect(page.getByRole('alert')).toBeVisible();
});

test('settings: the new recovery key becomes active only once typed back', async ({ page }) => {
  await openAt(page, '#/settings');
  await page.getByRole('button', { name: 'Make a new recovery key' }).click();
  await expect(page.getByTestId('recovery-new-key')).toContainText('N3WK-3YAA');
  const confirm = page.getByRole('button', { name: 'Switch to the new key' });
  await expect(confirm).toBeDisabled();
  expect(await callsOf(page, 'wallet_recovery_key_confirm')).toHaveLength(0);
  await page.getByLabel('Type the new key back').fill('n3wk3yaa');
  await confirm.click();
  await expect(page.getByTestId('recovery-done')).toContainText('the old one no longer opens');
  await expect(page.getByTestId('recovery-new-key')).toHaveCount(0);
  expect((await callsOf(page, 'wallet_recovery_key_confirm'))[0]?.request).toEqual({ recoveryKey: 'n3wk3yaa' });
});

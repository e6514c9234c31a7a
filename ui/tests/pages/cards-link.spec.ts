import { expect, test } from '@playwright/test';
import { open, calls } from './support';

const mastercard = {
  token: 'tok_mc',
  brand: 'mastercard',
  last4: '4444',
  masked: '•••• 4444',
  expMonth: 3,
  expYear: 2031,
  nickname: 'Travel',
  status: 'active',
  expiresInDays: null,
};

test('link form: the number is masked as typed, the brand shows, a valid number links the card', async ({ page }) => {
  await open(page, '#/cards', { card_link: { ok: mastercard } });
  await page.getByRole('button', { name: 'Link a card' }).click();
  const number = page.getByLabel('Card number');
  await expect(number).toBeFocused();
  await number.pressSequentially('5555555555554444');
  await expect(number).toHaveValue('•••• •••• •••• 4444');
  await expect(page.getByTestId('link-brand')).toHaveAttribute('data-brand', 'mastercard');
  await expect(page.getByTestId('link-brand').getByRole('img', { name: 'Mastercard' })).toBeVisible();
  await expect(page.getByTestId('link-number-valid')).toHaveText('Valid Mastercard number');

  await page.getByLabel('Expiry month').selectOption('3');
  await page.getByLabel('Expiry year').selectOption('2031');
  await page.getByLabel('Nickname (optional)').fill('Travel');
  await page.getByRole('button', { name: 'Link this card' }).click();

  await expect(page.getByTestId('cards-notice')).toHaveText('Card •••• 4444 linked.');
  await expect(page.locator('li.card[data-token="tok_mc"]')).toContainText('Travel');
  expect(await calls(page, 'card_link')).toEqual([
    { number: '5555555555554444', expMonth: 3, expYear: 2031, nickname: 'Travel' },
  ]);
});

test('link form: a mistyped number is refused inline and nothing is sent', async ({ page }) => {
  await open(page, '#/cards', { cards_list: { ok: { cards: [] } } });
  await expect(page.getByText('No card linked yet.')).toBeVisible();
  const number = page.getByLabel('Card number');
  await number.pressSequentially('4242424242424241');
  await expect(page.getByTestId('link-brand')).toHaveAttribute('data-brand', 'visa');
  await expect(page.getByTestId('link-number-error')).toHaveText('This number is mistyped: its check digit does not match.');
  await expect(number).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Link this card' }).click();
  await expect(number).toBeFocused();
  expect(await calls(page, 'card_link')).toEqual([]);

  // Backspace fixes the last digit.
  await number.press('Backspace');
  await number.pressSequentially('2');
  await expect(page.getByTestId('link-number-valid')).toHaveText('Valid Visa number');
});

test('link form: too short, missing expiry, and an Amex brand', async ({ page }) => {
  await open(page, '#/cards', { cards_list: { ok: { cards: [] } } });
  const number = page.getByLabel('Card number');
  await number.pressSequentially('3782');
  await expect(page.getByTestId('link-brand')).toHaveAttribute('data-brand', 'amex');
  await expect(page.getByTestId('link-brand')).toContainText('American Express');
  await page.getByRole('button', { name: 'Link this card' }).click();
  await expect(page.getByTestId('link-number-error')).toHaveText('This number has 4 digits; this kind of card has 15.');
  await number.pressSequentially('82246310005');
  await expect(number).toHaveValue('•••• •••••• •0005');
  await page.getByRole('button', { name: 'Link this card' }).click();
  await expect(page.getByText('Choose the expiry month and year.')).toBeVisible();
  await expect(page.getByLabel('Expiry month')).toBeFocused();
  expect(await calls(page, 'card_link')).toEqual([]);
});

test('link form: an error from the platform is shown and the number is cleared', async ({ page }) => {
  await open(page, '#/cards', {
    cards_list: { ok: { cards: [] } },
    card_link: { error: { code: 'platform_unavailable', message: 'connection refused' } },
  });
  const number = page.getByLabel('Card number');
  // A paste into the empty field.
  await number.fill('4242 4242 4242 4242');
  await expect(number).toHaveValue('•••• •••• •••• 4242');
  await page.getByLabel('Expiry month').selectOption('12');
  await page.getByLabel('Expiry year').selectOption({ index: 3 });
  await page.getByRole('button', { name: 'Link this card' }).click();
  await expect(page.getByRole('alert')).toContainText('Can’t reach the platform. Your changes are kept and will be sent when it’s back.');
  await expect(page.getByRole('alert')).toContainText('connection refused');
  await expect(number).toHaveValue('');
  await expect(page.getByTestId('link-brand')).toHaveAttribute('data-brand', 'unknown');
});

test('link form works with the keyboard alone', async ({ page }) => {
  await open(page, '#/cards', { cards_list: { ok: { cards: [] } } });
  await page.getByLabel('Card number').focus();
  await page.keyboard.type('4242424242424242');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Expiry month')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Nickname (optional)')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cards-notice')).toHaveText('Card •••• 4242 linked.');
  const [request] = (await calls(page, 'card_link')) as { number: string; expYear: number }[];
  expect(request?.number).toBe('4242424242424242');
});

test('unlink says what happens, then removes the card', async ({ page }) => {
  await open(page, '#/cards');
  await page.getByRole('button', { name: 'Unlink •••• 4242' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Unlink •••• 4242?');
  await expect(dialog).toContainText('Its 1 permission is revoked first');
  await expect(dialog).toContainText('Then the platform deletes the card');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('li.card')).toHaveCount(1);
  expect(await calls(page, 'card_unlink')).toEqual([]);

  await page.getByRole('button', { name: 'Unlink •••• 4242' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Unlink the card' }).click();
  await expect(page.getByTestId('cards-notice')).toHaveText('•••• 4242 unlinked; 1 permission revoked.');
  await expect(page.getByText('No card linked yet.')).toBeVisible();
  expect(await calls(page, 'card_unlink')).toEqual([{ token: 'tok_demo_visa' }]);
});

test('unlink failure is shown and the card stays', async ({ page }) => {
  await open(page, '#/cards', {
    grants_list: { ok: { grants: [] } },
    card_unlink: { error: { code: 'platform_rejected', message: 'card is frozen' } },
  });
  await page.getByRole('button', { name: 'Unlink •••• 4242' }).click();
  await expect(page.getByRole('dialog')).toContainText('•••• 4242 has no permissions to revoke.');
  await page.getByRole('dialog').getByRole('button', { name: 'Unlink the card' }).click();
  await expect(page.getByRole('alert')).toContainText('The platform refused this request.');
  await expect(page.locator('li.card')).toHaveCount(1);
});

test('simulate a purchase with the demo defaults, then with a bad amount', async ({ page }) => {
  await open(page, '#/cards', { purchase_simulate: { ok: { transactionId: 'txn_42', events: 3 } } });
  await page.getByRole('button', { name: 'Simulate a purchase with •••• 4242' }).click();
  const form = page.getByRole('form', { name: 'Simulated purchase with •••• 4242' });
  await expect(form.getByLabel('Amount')).toHaveValue('4.50');
  await expect(form.getByLabel('Merchant')).toHaveValue('Corner Café');
  await expect(form.getByLabel('Paid by')).toHaveValue('nfc');
  await form.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByTestId('simulate-result')).toHaveText(
    'Paid €4.50 at Corner Café (Contactless): transaction txn_42, 3 events so far. What the apps send appears in Activity.',
  );
  expect(await calls(page, 'purchase_simulate')).toEqual([
    { cardToken: 'tok_demo_visa', amount: { minor: 450, currency: 'EUR' }, merchant: 'Corner Café', channel: 'nfc' },
  ]);

  await form.getByLabel('Amount').fill('abc');
  await form.getByRole('button', { name: 'Pay' }).click();
  await expect(form.getByRole('alert')).toHaveText('Enter an amount above zero, e.g. 4.50.');
  expect(await calls(page, 'purchase_simulate')).toHaveLength(1);
});

test('the money of a simulated purchase follows the locale', async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem('consentry.locale', 'fr'));
  await page.goto('/#/cards');
  await page.getByRole('button', { name: 'Simuler un achat avec •••• 4242' }).click();
  await expect(page.getByLabel('Montant')).toHaveValue('4,50');
  await page.getByRole('button', { name: 'Payer' }).click();
  await expect(page.getByTestId('simulate-result')).toContainText('4,50 €');
  await expect(page.getByTestId('simulate-result')).toContainText('Sans contact');
});

const newWallet = { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } };
const demoInfo = {
  app_info: { ok: { version: '0.1.0', dataDir: '/tmp/w', buildProfile: 'debug', platformUrl: null, demo: true } },
};

test('first run against a real platform: no test card is offered', async ({ page }) => {
  await open(page, '#/cards', newWallet);
  await page.getByRole('button', { name: 'Create the wallet' }).click();
  await page.getByLabel('I saved my recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Link a card');
  await expect(page.getByLabel('Card number')).toHaveAttribute('placeholder', '•••• •••• •••• ••••');
  await expect(page.getByText(/test card/)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Use the test card' })).toHaveCount(0);
});

test('first run: after the recovery key, link the demo test card', async ({ page }) => {
  await open(page, '#/cards', { ...newWallet, ...demoInfo });
  await page.getByRole('button', { name: 'Create the wallet' }).click();
  await page.getByLabel('I saved my recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Link a card');
  await expect(page.getByText(/test card 4242 4242 4242 4242/)).toBeVisible();
  await expect(page.getByLabel('Card number')).toHaveAttribute('placeholder', '4242 4242 4242 4242');
  await page.getByRole('button', { name: 'Use the test card' }).click();
  await expect(page.getByLabel('Card number')).toHaveValue('•••• •••• •••• 4242');
  await page.getByRole('button', { name: 'Link this card' }).click();
  await expect(page.getByTestId('first-card-done')).toContainText('•••• 4242 is linked.');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
});

test('in French, money fields read 0,00 and counts are proper plurals', async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem('consentry.locale', 'fr'));
  await page.goto('/#/consents');
  await expect(page.locator('#grant-minimum')).toHaveAttribute('placeholder', '0,00');
  await page.goto('/#/cards');
  await page.getByRole('button', { name: 'Tout révoquer sur cette carte' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Tout révoquer', exact: true }).click();
  await expect(page.getByText('1 autorisation révoquée.')).toBeVisible();
});

// An app's page and a permission's page: what the app may do and with which settings, what it
// received and sent, what it costs, Disconnect, renewal, and changing a permission's settings
// (the mock keeps permissions and the ledger as the wallet would).
import { expect, test, type Page } from '@playwright/test';
import { calls, demoCard, open, receiptsAtSettlement, receiptsGrant } from './support';

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/** The receipts permission of the default scenario, with settings of its own, ending in 10 days (given for 90). */
const ending = {
  ...receiptsGrant,
  ...receiptsAtSettlement,
  expiresAt: inDays(10),
  changedAt: inDays(-5),
  grantedAt: inDays(-5),
  renewalDays: 90,
};

function permission(page: Page, scope: string) {
  return page.getByTestId('app-permissions').locator(`li[data-scope=${scope}]`);
}

test('an app card leads to its page, which takes the focus and keeps Apps & permissions current', async ({ page }) => {
  await open(page, '#/consents');
  await page.getByRole('link', { name: 'Open the page of PaperLess Receipts' }).click();
  const title = page.getByRole('heading', { level: 1 });
  await expect(title).toHaveText('PaperLess Receipts');
  await expect(title).toBeFocused();
  expect(page.url()).toMatch(/#\/apps\/app_receipts$/);
  await expect(page.getByRole('navigation', { name: 'Main' }).locator('[aria-current=page]')).toHaveText('Apps & permissions');
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Apps & permissions' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apps & permissions');
});

test('the app page says what it may do, since and until when, what it received and sent, and what it costs', async ({ page }) => {
  await open(page, '#/apps/app_receipts');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('PaperLess Receipts');
  const receipts = permission(page, 'receipts');
  await expect(receipts).toContainText('Granted');
  await expect(receipts).toContainText('Since Nov 27, 2026 · no end date');
  await expect(receipts.getByTestId('permission-settings')).toHaveText('Card (chip/swipe), Contactless · In real time (authorization) · no minimum');
  await expect(receipts).toContainText('Last acted Nov 27, 2026, 10:00 AM');

  const access = page.getByRole('region', { name: 'What this app received and sent you' });
  await expect(access.getByTestId('access-received')).toHaveText('Everyday •••• 4242: 12 purchases shared with it, the last on Nov 27, 2026, 10:00 AM');
  await expect(access.getByRole('table', { name: 'Events from PaperLess Receipts, by kind' }).getByRole('row', { name: 'Receipt 12' })).toBeVisible();

  const costs = page.getByRole('region', { name: 'What it costs you' });
  await expect(costs).toContainText('What the platform earns: €0.10 per event (Receipts)');
  await expect(costs.getByTestId('app-commission')).toHaveText('In the last 12 months the platform earned €6.40 on 64 of your purchases through it.');

  await expect(page.getByTestId('data-rights')).toHaveAttribute('open', '');
  await expect(page.getByRole('button', { name: 'Ask PaperLess Receipts for a copy of my data' })).toBeVisible();
  const history = page.getByRole('region', { name: 'Consent history' });
  await expect(history.getByRole('listitem')).toHaveCount(1);
  await expect(history.getByRole('listitem')).toContainText('Granted');
  // The history is this app's: no app filter to choose.
  await expect(history.getByLabel('App')).toHaveCount(0);
});

test('an app that earned you something and a second app', async ({ page }) => {
  await open(page, '#/apps/app_beans');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bean Counter Coffee');
  await expect(permission(page, 'points')).toContainText('Not allowed');
  await expect(permission(page, 'offers').getByRole('link', { name: 'Settings: Offers on Everyday •••• 4242' })).toBeVisible();
  await expect(page.getByTestId('app-earned')).toHaveText('In the last 12 months it gave you €43.80 cashback and 438 points.');
});

test('an unknown app, and an unlinked card never shown as its token', async ({ page }) => {
  await open(page, '#/apps/app_nope');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('App not found');

  const entry = (seq: number, cardToken: string, action: string) => ({
    seq,
    action,
    grantId: `g_${cardToken}`,
    appId: 'app_receipts',
    cardToken,
    scope: 'receipts',
    channels: ['card'],
    trigger: 'authorization',
    minPurchase: null,
    expiresAt: null,
    deviceId: 'dev_laptop',
    deviceName: 'Laptop',
    at: '2026-11-20T10:00:00Z',
    termsVersion: 1,
    termsHash: '',
    hash: '',
  });
  const other = await page.context().newPage();
  await open(other, '#/apps/app_receipts', {
    ledger_list: {
      ok: {
        entries: [entry(3, 'tok_old', 'revoke'), entry(2, 'tok_old', 'grant'), entry(1, 'tok_from_elsewhere', 'grant')],
        cards: [{ token: 'tok_old', last4: '0005', nickname: 'Old', unlinked: true }],
      },
    },
  });
  const items = other.getByRole('region', { name: 'Consent history' }).getByRole('listitem');
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toContainText('Unlinked card ••0005');
  await expect(items.nth(2)).toContainText('a removed card');
  await expect(other.getByRole('main')).not.toContainText('tok_');
});

test('Disconnect revokes everything the app holds, after asking', async ({ page }) => {
  await open(page, '#/apps/app_receipts');
  const button = page.getByRole('button', { name: 'Disconnect PaperLess Receipts' });
  await button.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Its 1 permission is revoked at once');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(await calls(page, 'revoke_all')).toEqual([]);

  await button.click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
  const notice = page.getByText('PaperLess Receipts disconnected: 1 permission revoked.');
  await expect(notice).toBeFocused();
  expect(await calls(page, 'revoke_all')).toEqual([{ appId: 'app_receipts', cardToken: null }]);
  await expect(permission(page, 'receipts')).toContainText('Revoked');
  await expect(page.getByRole('region', { name: 'Consent history' }).getByRole('listitem').first()).toContainText('Revoked');
  await expect(page.getByText('PaperLess Receipts holds no permission.')).toHaveCount(0);
  await expect(button).toHaveAttribute('aria-disabled', 'true');
});

test('a permission ending soon shows its end everywhere and renews in one click for the same period', async ({ page }) => {
  await open(page, '#/apps/app_receipts', { grants_list: { ok: { grants: [ending] } } });
  const end = new Date(ending.expiresAt).toLocaleDateString('en', { dateStyle: 'medium' });
  await expect(permission(page, 'receipts').getByTestId('permission-end')).toHaveText(`until ${end}`);
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await attention.getByRole('button', { name: 'Renew for 90 days: Receipts for PaperLess Receipts on Everyday •••• 4242' }).click();
  await expect(attention.getByRole('status')).toContainText('renewed until');
  expect(await calls(page, 'grant_set')).toEqual([{ ...receiptsAtSettlement, expiry: { kind: 'days', days: 90 } }]);

  // On the Apps screen too, under the switch.
  await page.goto('/#/consents');
  await expect(page.getByRole('article').filter({ hasText: 'PaperLess Receipts' }).getByTestId('grant-ends')).toHaveText(/^until /);
});

test('a permission’s settings are shown and changed: one save, one new entry in its history', async ({ page }) => {
  await open(page, '#/consents');
  await page.getByRole('link', { name: 'Settings of Receipts on Everyday •••• 4242' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Receipts on Everyday •••• 4242');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  const state = page.getByTestId('grant-state');
  await expect(state.getByTestId('grant-settings')).toHaveText('Card (chip/swipe), Contactless · In real time (authorization) · no minimum');
  await expect(state.getByTestId('grant-end')).toHaveText('no end date');

  const form = page.getByTestId('grant-edit');
  const save = form.getByRole('button', { name: 'Save changes' });
  await expect(save).toHaveAttribute('aria-disabled', 'true');
  await save.click({ force: true });
  expect(await calls(page, 'grant_set')).toEqual([]);

  await form.getByLabel('Card (chip/swipe)').uncheck();
  await form.getByLabel('When').selectOption({ label: 'At settlement' });
  await form.getByLabel('Minimum purchase').fill('5.00');
  await expect(form.getByTestId('currency-hint')).toHaveText('Purchases on this card are in EUR.');
  await save.click();

  await expect(page.getByTestId('grant-notice')).toHaveText('Saved: Receipts on Everyday •••• 4242 continues with the new settings, no end date.');
  expect(await calls(page, 'grant_set')).toEqual([{ ...receiptsAtSettlement, expiry: { kind: 'never' } }]);
  await expect(state.getByTestId('grant-settings')).toHaveText('Contactless · At settlement · from €5.00');
  await expect(save).toHaveAttribute('aria-disabled', 'true');
  const history = page.getByRole('region', { name: 'Consent history' }).getByRole('listitem');
  await expect(history).toHaveCount(2);
  await expect(history.nth(0)).toHaveAttribute('data-change', 'settings');
  await expect(history.nth(0)).toContainText('Settings changed');
  await expect(history.nth(0).getByTestId('ledger-settings')).toHaveText('Channels: Contactless · When: At settlement · Minimum: from €5.00');

  // The app's page and the Apps screen show what was saved.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'PaperLess Receipts' }).click();
  await expect(permission(page, 'receipts').getByTestId('permission-settings')).toHaveText('Contactless · At settlement · from €5.00');
});

test('keeping the end date of a permission that ends, and choosing another', async ({ page }) => {
  await open(page, '#/apps/app_receipts/tok_demo_visa/receipts', { grants_list: { ok: { grants: [ending] } } });
  const form = page.getByTestId('grant-edit');
  const end = form.getByLabel('Ends');
  await expect(end).toHaveValue('keep');
  await form.getByLabel('Voice').check();
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('grant-notice')).toContainText('continues with the new settings, until');
  const [kept] = (await calls(page, 'grant_set')) as { expiry: unknown; channels: unknown }[];
  expect(kept).toMatchObject({ expiry: { kind: 'keep' }, channels: ['nfc', 'voice'] });

  await end.selectOption({ label: 'On a date…' });
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('alert')).toHaveText('Choose the day it ends.');
  await form.getByLabel('End date').fill('01/01/2001');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('alert')).toHaveText('The end date must be after today.');
  await form.getByLabel('End date').fill(`06/30/${new Date().getFullYear() + 2}`);
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('grant-notice')).toContainText('until Jun 30');
  expect(((await calls(page, 'grant_set')) as { expiry: unknown }[])[1]?.expiry).toEqual({
    kind: 'date',
    date: `${new Date().getFullYear() + 2}-06-30`,
  });
});

test('bad settings are refused in place and nothing is saved', async ({ page }) => {
  await open(page, '#/apps/app_receipts/tok_demo_visa/receipts');
  const form = page.getByTestId('grant-edit');
  for (const bad of ['abc', '-5', '4.505', '0']) {
    await form.getByLabel('Minimum purchase').fill(bad);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(form.getByRole('alert')).toHaveText('Type an amount such as 4.50, or leave it empty for no minimum.');
    await expect(form.getByLabel('Minimum purchase')).toHaveAttribute('aria-invalid', 'true');
  }
  await form.getByLabel('Minimum purchase').fill('');
  await form.getByLabel('Card (chip/swipe)').uncheck();
  await form.getByLabel('Contactless').uncheck();
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('alert')).toHaveText('Choose at least one payment channel.');
  expect(await calls(page, 'grant_set')).toEqual([]);

  // A refusal from the wallet is shown, and the form keeps what was typed.
  const refusing = await page.context().newPage();
  await open(refusing, '#/apps/app_receipts/tok_demo_visa/receipts', {
    grant_set: { error: { code: 'invalid_input', message: 'expiry: the date must be in the future' } },
  });
  const again = refusing.getByTestId('grant-edit');
  await again.getByLabel('Minimum purchase').fill('7');
  await again.getByRole('button', { name: 'Save changes' }).click();
  await expect(refusing.getByRole('main').getByRole('alert')).toBeVisible();
  await expect(again.getByLabel('Minimum purchase')).toHaveValue('7');
});

test('the minimum is in the card’s currency, with a warning when it is not', async ({ page }) => {
  const usdCard = { ...demoCard, currency: 'USD' };
  await open(page, '#/apps/app_receipts/tok_demo_visa/receipts', {
    cards_list: { ok: { cards: [usdCard] } },
    grants_list: { ok: { grants: [{ ...ending, expiresAt: null, renewalDays: null }] } },
  });
  const form = page.getByTestId('grant-edit');
  const hint = form.getByTestId('currency-hint');
  await expect(form.getByLabel('Currency of the minimum')).toHaveValue('EUR');
  await expect(hint).toHaveText('Purchases on this card are in USD: a minimum in EUR would keep every purchase from being shared.');
  await form.getByLabel('Currency of the minimum').selectOption('USD');
  await expect(hint).toHaveText('Purchases on this card are in USD.');
  await form.getByRole('button', { name: 'Save changes' }).click();
  const [request] = (await calls(page, 'grant_set')) as { minPurchase: unknown }[];
  expect(request?.minPurchase).toEqual({ minor: 500, currency: 'USD' });
});

test('allowing a permission from its page, by keyboard, in French', async ({ page }) => {
  await open(page, '#/apps/app_beans/tok_demo_visa/points', {}, 'fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Points sur Everyday •••• 4242');
  const form = page.getByTestId('grant-edit');
  await expect(form.getByRole('heading')).toHaveText('L’autoriser avec ces réglages');
  await form.getByLabel('Achat minimum').focus();
  await page.keyboard.type('4,50');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('grant-notice')).toHaveText('Points sur Everyday •••• 4242 autorisé, sans date de fin.');
  const [request] = (await calls(page, 'grant_set')) as { minPurchase: unknown; channels: unknown }[];
  expect(request).toMatchObject({ minPurchase: { minor: 450, currency: 'EUR' }, channels: ['card', 'nfc', 'voice', 'online'] });
  await expect(page.getByTestId('grant-state')).toContainText('Autorisé');
});

for (const hash of ['#/apps/app_receipts', '#/apps/app_receipts/tok_demo_visa/receipts']) {
  test(`${hash} fits a 720×520 window: nothing runs off to the side`, async ({ page }) => {
    await page.setViewportSize({ width: 720, height: 520 });
    await open(page, hash, { grants_list: { ok: { grants: [ending] } } });
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Consent history' }).getByRole('listitem').first()).toBeVisible();
    const overflow = await page.evaluate(() => {
      const main = document.querySelector('main') as HTMLElement;
      return { main: main.scrollWidth - main.clientWidth, page: document.documentElement.scrollHeight - window.innerHeight };
    });
    expect(overflow).toEqual({ main: 0, page: 0 });
  });
}

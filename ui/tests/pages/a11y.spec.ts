// Every screen, in both languages, passes axe-core with no serious or critical violation.
import { expect, test } from '@playwright/test';
import { enrolledStatus, open, receiptsGrant, seriousViolations } from './support';

const revoked = {
  ...receiptsGrant,
  status: 'revoked',
  sync: { state: 'pending', attempts: 0, lastError: null, nextAttemptAt: null },
};

const screens = [
  '#/cards',
  '#/consents',
  '#/activity',
  '#/rewards',
  '#/export',
  '#/settings',
  // An app's page and one of its permissions' pages.
  '#/apps/app_receipts',
  '#/apps/app_receipts/tok_demo_visa/receipts',
];

const gates: Record<string, object> = {
  'create wallet': { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } },
  unlock: { wallet_status: { ok: { state: 'locked', walletId: 'w-1', autoLockMinutes: 15, keyring: true, hasPassphrase: true } } },
  'unlock, key missing': {
    wallet_status: { ok: { state: 'key_missing', walletId: 'w-1', autoLockMinutes: 15, keyring: false, hasPassphrase: true } },
  },
};

for (const lang of ['en', 'fr']) {
  // English in the light theme, French in the dark one: both palettes get checked.
  const scheme = lang === 'en' ? 'light' : 'dark';
  for (const hash of screens) {
    test(`a11y: ${hash} (${lang}, ${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await open(page, hash, {}, lang);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByTestId('sync-state')).not.toHaveText(/…$/);
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  for (const [name, scenario] of Object.entries(gates)) {
    test(`a11y: ${name} (${lang})`, async ({ page }) => {
      await open(page, '#/cards', scenario, lang);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  test(`a11y: a sync problem in the status bar and in Settings (${lang})`, async ({ page }) => {
    const status = enrolledStatus({ pendingChanges: 1, lastError: { code: 'unreachable', message: 'connection refused' } });
    await open(page, '#/settings', { sync_status: { ok: status } }, lang);
    await page.getByTestId('platform-sync-problem').locator('summary').click();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test(`a11y: an error with its Details open (${lang})`, async ({ page }) => {
    await open(page, '#/cards', { cards_list: { error: { code: 'platform_unavailable', message: 'connection refused' } } }, lang);
    await page.getByRole('main').locator('summary').first().click();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test('a11y: the first-run card step', async ({ page }) => {
  await open(page, '#/cards', { wallet_status: { ok: { state: 'new', walletId: null, autoLockMinutes: null } } });
  await page.getByRole('button', { name: 'Create the wallet' }).click();
  await page.getByLabel('I saved my recovery key').check();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Link a card');
  expect(await seriousViolations(page)).toEqual([]);
});

for (const [lang, name] of [
  ['en', 'Skip to content'],
  ['fr', 'Aller au contenu'],
]) {
  test(`the skip link is the first stop of Tab and moves focus to the screen (${lang})`, async ({ page }) => {
    await open(page, '#/consents', {}, lang);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('main')).toBeFocused();
    expect(page.url()).toMatch(/#\/consents$/);
    // The next Tab goes into the screen, not back to the navigation.
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => document.querySelector('main')?.contains(document.activeElement) ?? false);
    expect(inMain).toBe(true);
  });
}

test('a permission switch keeps the focus after it is toggled, by keyboard and by click', async ({ page }) => {
  await open(page, '#/consents', { grant_revoke: { ok: { ...revoked }, delayMs: 300 } });
  const receipts = page.getByRole('article').filter({ hasText: 'PaperLess Receipts' });
  const cell = receipts.getByRole('switch', { name: 'Receipts on Everyday •••• 4242' });
  await cell.focus();
  await page.keyboard.press('Space');
  await expect(cell).toBeFocused();
  await expect(cell).toHaveAttribute('aria-disabled', 'true');
  await expect(cell).not.toBeChecked();
  await expect(receipts).toContainText('Revoked');
  await expect(cell).toBeFocused();

  const points = page
    .getByRole('article')
    .filter({ hasText: 'Bean Counter Coffee' })
    .getByRole('switch', { name: 'Points on Everyday •••• 4242' });
  await points.click();
  await expect(points).toBeChecked();
  await expect(points).toBeFocused();
});

test('switches look like switches: a track with a thumb, still native checkboxes', async ({ page }) => {
  await open(page, '#/consents');
  const cell = page.getByRole('switch', { name: 'Receipts on Everyday •••• 4242' });
  await expect(cell).toBeChecked();
  const look = await cell.evaluate((el) => {
    const css = getComputedStyle(el);
    const thumb = getComputedStyle(el, '::before');
    return {
      tag: el.tagName,
      type: (el as HTMLInputElement).type,
      appearance: css.appearance,
      wide: el.getBoundingClientRect().width > el.getBoundingClientRect().height * 1.5,
      thumb: thumb.content !== 'none' && thumb.borderRadius === '50%',
    };
  });
  expect(look).toEqual({ tag: 'INPUT', type: 'checkbox', appearance: 'none', wide: true, thumb: true });
});

test('form fields have edges of at least 3:1 against the page', async ({ page }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '#/settings');
    const ratio = await page.locator('#language').evaluate((el) => {
      const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const weights = [0.2126, 0.7152, 0.0722];
      const lum = (channels: number[]) =>
        channels
          .map((v) => v / 255)
          .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
          .reduce((sum, v, i) => sum + v * (weights[i] ?? 0), 0);
      const edge = lum(rgb(getComputedStyle(el).borderTopColor));
      const ground = lum(rgb(getComputedStyle(document.documentElement).backgroundColor));
      return (Math.max(edge, ground) + 0.05) / (Math.min(edge, ground) + 0.05);
    });
    expect(ratio, scheme).toBeGreaterThanOrEqual(3);
  }
});

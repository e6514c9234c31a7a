import { expect, test, type Page } from '@playwright/test';

const SCREENS = [
  { path: 'cards', en: 'Cards', fr: 'Cartes' },
  { path: 'consents', en: 'Apps & permissions', fr: 'Applications et autorisations' },
  { path: 'activity', en: 'Activity', fr: 'Activité' },
  { path: 'rewards', en: 'Rewards', fr: 'Récompenses' },
  { path: 'export', en: 'Export', fr: 'Exporter' },
  { path: 'settings', en: 'Settings', fr: 'Réglages' },
];

async function open(page: Page, scenario: object = {}, hash = '#/cards') {
  await page.addInitScript((s) => {
    (window as unknown as { __CONSENTRY_MOCK__: object }).__CONSENTRY_MOCK__ = s;
    if (!localStorage.getItem('consentry.locale')) localStorage.setItem('consentry.locale', 'en');
  }, scenario);
  await page.goto(`/${hash}`);
}

test('every screen is a route reachable from the navigation', async ({ page }) => {
  await open(page);
  await expect(page).toHaveTitle('Consentry');
  for (const screen of SCREENS) {
    await page.getByRole('link', { name: screen.en, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/${screen.path}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(screen.en);
  }
});

test('empty states explain what will appear', async ({ page }) => {
  // The mock serves a demo feed by default; a fresh wallet has none.
  await open(page, { activity_list: { ok: { items: [], nextCursor: null, moreNewer: false } } }, '#/activity');
  await expect(page.getByRole('status')).toContainText('Nothing has happened yet.');
});

test('the language switches to French and back, and is remembered', async ({ page }) => {
  await open(page, {}, '#/settings');
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Réglages');
  for (const screen of SCREENS) {
    await expect(page.getByRole('link', { name: screen.fr, exact: true })).toBeVisible();
  }
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Réglages');
  await page.getByLabel('Langue').selectOption('en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
});

test('settings shows app_info, populated', async ({ page }) => {
  await open(
    page,
    {
      app_info: {
        ok: { version: '9.8.7', dataDir: '/tmp/w', buildProfile: 'release', platformUrl: 'http://127.0.0.1:7000', demo: false },
      },
    },
    '#/settings',
  );
  await expect(page.getByTestId('app-version')).toHaveText('9.8.7');
  await expect(page.getByTestId('data-dir')).toHaveText('/tmp/w');
  await expect(page.getByTestId('platform-url')).toHaveText('http://127.0.0.1:7000');
});

test('settings shows loading while app_info is pending', async ({ page }) => {
  await open(page, { app_info: { pending: true } }, '#/settings');
  await expect(page.getByRole('main').getByRole('status')).toHaveText('Loading…');
});

test('settings shows an error with a retry', async ({ page }) => {
  await open(page, { app_info: { error: { code: 'internal', message: 'disk full' } } }, '#/settings');
  await expect(page.getByRole('alert')).toContainText('disk full');
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('the theme follows the OS', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await open(page);
  const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(light).not.toBe(dark);
});

test('the navigation works with the keyboard alone', async ({ page }) => {
  await open(page);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Apps & permissions' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apps & permissions');
});

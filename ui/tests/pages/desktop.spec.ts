// Settings → On this computer (tray, start at login, update checks) and the update prompt, over
// the mock IPC: what each switch sends, a desktop without a tray, and that an update is
// installed only from the prompt's Install button, for the version it shows.
import { expect, test } from '@playwright/test';
import { calls, open, seriousViolations } from './support';

const desktop = {
  keepInTray: true,
  trayAvailable: true,
  startAtLogin: false,
  checkForUpdates: true,
  installedFromPackage: true,
};

const offer = {
  version: '0.2.0',
  notes: 'Purchases show up at once.\nStart at login.',
  publishedAt: '2027-01-15T10:00:00Z',
};
const available = { update_check: { ok: { currentVersion: '0.1.0', checked: true, available: offer } } };

test('settings: each desktop switch sends only its own change', async ({ page }) => {
  await open(page, '#/settings');
  const section = page.getByTestId('desktop-settings');
  const keep = section.getByRole('switch', { name: 'Keep running in the tray when the window is closed' });
  const login = section.getByRole('switch', { name: 'Start Consentry when you log in' });
  const check = section.getByRole('switch', { name: 'Check for updates when Consentry starts' });
  await expect(keep).toBeChecked();
  await expect(login).not.toBeChecked();
  await expect(check).toBeChecked();

  await keep.click();
  await expect(keep).not.toBeChecked();
  await login.click();
  await expect(login).toBeChecked();
  await check.click();
  await expect(check).not.toBeChecked();
  expect(await calls(page, 'desktop_settings_set')).toEqual([
    { keepInTray: false, startAtLogin: null, checkForUpdates: null },
    { keepInTray: null, startAtLogin: true, checkForUpdates: null },
    { keepInTray: null, startAtLogin: null, checkForUpdates: false },
  ]);
  // Nothing here installs anything.
  expect(await calls(page, 'update_install')).toEqual([]);
});

test('settings: without a tray, closing quits and the switch cannot be turned on', async ({ page }) => {
  await open(page, '#/settings', {
    desktop_settings_get: { ok: { ...desktop, trayAvailable: false, startAtLogin: null } },
  });
  const keep = page.getByRole('switch', { name: 'Keep running in the tray when the window is closed' });
  await expect(keep).not.toBeChecked();
  await expect(keep).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByTestId('keep-in-tray-hint')).toHaveText(
    'This desktop shows no tray icons, so closing the window quits Consentry.',
  );
  // aria-disabled keeps it focusable and announced; a click still reaches it and does nothing.
  await keep.dispatchEvent('click');
  await expect(keep).not.toBeChecked();
  expect(await calls(page, 'desktop_settings_set')).toEqual([]);
  // Where the system has no login entries, the switch is not offered.
  await expect(page.getByRole('switch', { name: 'Start Consentry when you log in' })).toHaveCount(0);
});

test('settings: a login entry that cannot be written leaves the switch as it was', async ({ page }) => {
  await open(page, '#/settings', {
    desktop_settings_set: { error: { code: 'storage', message: 'cannot change the login entry: permission denied' } },
  });
  const login = page.getByRole('switch', { name: 'Start Consentry when you log in' });
  await login.click();
  await expect(page.getByRole('alert')).toContainText('A file couldn’t be read or written.');
  await expect(login).not.toBeChecked();
});

test('settings: offline, the check at start is quiet and "Check for updates" says why', async ({ page }) => {
  // Offline: the check at start fails quietly, the one asked for says why.
  await open(page, '#/settings', {
    update_check: { error: { code: 'update_unavailable', message: 'connection refused' } },
  });
  await expect(page.getByTestId('desktop-settings')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByTestId('check-updates-now').click();
  await expect(page.getByRole('alert')).toContainText('Can’t get the update right now.');
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
});

test('settings: "Check for updates" on the latest version', async ({ page }) => {
  await open(page, '#/settings');
  await page.getByTestId('check-updates-now').click();
  await expect(page.getByTestId('update-status')).toHaveText('Consentry 0.1.0 is the latest version.');
  expect(await calls(page, 'update_check')).toEqual([{ automatic: true }, { automatic: false }]);
});

test('update: offered when the window opens; Later closes it and installs nothing', async ({ page }) => {
  await open(page, '#/cards', available);
  const prompt = page.getByRole('dialog', { name: 'Version 0.2.0 is available' });
  await expect(prompt).toBeVisible();
  await expect(prompt).toContainText('You have version 0.1.0.');
  await expect(prompt.getByTestId('update-notes')).toHaveText('Purchases show up at once.\nStart at login.');
  expect(await calls(page, 'update_check')).toEqual([{ automatic: true }]);
  expect(await seriousViolations(page)).toEqual([]);

  await prompt.getByRole('button', { name: 'Later' }).click();
  await expect(prompt).toHaveCount(0);
  expect(await calls(page, 'update_install')).toEqual([]);
  // Postponed for this session: moving around does not bring it back on its own…
  await page.goto('/#/settings');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  // …asking does.
  await page.getByTestId('check-updates-now').click();
  await expect(page.getByRole('dialog', { name: 'Version 0.2.0 is available' })).toBeVisible();
  await expect(page.getByTestId('update-status')).toHaveText('Version 0.2.0 is available.');
});

test('update: Escape means Later', async ({ page }) => {
  await open(page, '#/cards', available);
  const prompt = page.getByRole('dialog', { name: 'Version 0.2.0 is available' });
  await expect(prompt).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(prompt).toHaveCount(0);
  expect(await calls(page, 'update_install')).toEqual([]);
});

test('update: Install asks for exactly the version shown', async ({ page }) => {
  await open(page, '#/cards', available);
  const prompt = page.getByRole('dialog', { name: 'Version 0.2.0 is available' });
  await prompt.getByRole('button', { name: 'Install and restart' }).click();
  await expect(prompt.getByTestId('update-installed')).toHaveText('Version 0.2.0 is installed. Consentry is restarting…');
  expect(await calls(page, 'update_install')).toEqual([{ version: '0.2.0' }]);
  // A second press does not install twice.
  const install = prompt.getByRole('button', { name: 'Install and restart' });
  await expect(install).toHaveAttribute('aria-disabled', 'true');
  await install.dispatchEvent('click');
  expect(await calls(page, 'update_install')).toHaveLength(1);
});

test('update: a package that fails its signature check is reported and nothing changes', async ({ page }) => {
  await open(page, '#/cards', {
    ...available,
    update_install: {
      error: { code: 'update_unverified', message: 'the update is not signed by Consentry’s release key: UnexpectedKeyId' },
    },
  });
  const prompt = page.getByRole('dialog', { name: 'Version 0.2.0 is available' });
  await prompt.getByRole('button', { name: 'Install and restart' }).click();
  const alert = prompt.getByRole('alert');
  await expect(alert).toContainText('This update isn’t signed by Consentry, so it wasn’t installed.');
  await expect(alert).toHaveAttribute('data-code', 'update_unverified');
  await expect(prompt.getByTestId('update-installed')).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
});

test('update: a copy built from source is not checked on its own (the backend says so)', async ({ page }) => {
  await open(page, '#/settings', {
    desktop_settings_get: { ok: { ...desktop, installedFromPackage: false } },
    update_check: { ok: { currentVersion: '0.1.0', checked: false, available: null } },
  });
  await expect(page.getByText('This copy was built from source: it looks for updates only when you ask.')).toBeVisible();
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
});

for (const [lang, scheme] of [
  ['en', 'light'],
  ['fr', 'dark'],
] as const) {
  test(`a11y: the update prompt and the desktop settings (${lang}, ${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '#/settings', { ...available, desktop_settings_get: { ok: { ...desktop, trayAvailable: false } } }, lang);
    const title = lang === 'en' ? 'Version 0.2.0 is available' : 'La version 0.2.0 est disponible';
    const prompt = page.getByRole('dialog', { name: title });
    await expect(prompt).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(prompt).toHaveCount(0);
    await expect(page.getByTestId('desktop-settings')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

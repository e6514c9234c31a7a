// Issue 7's remaining screens over the mock IPC: the export (the backend asks where), its progress bar and
// Cancel; the missing-rewards list with its claim packs; the per-app notification switches;
// Activity marking what arrived as read.
import { expect, test } from '@playwright/test';
import { callsOf, emit, emitExportProgress, enrolledStatus, open } from './support';

test('export: the page names no destination, progress shows, Cancel stops it', async ({ page }) => {
  // An export that runs until cancelled, then fails the way the backend reports a cancel.
  await page.addInitScript(() => {
    let fail: (e: unknown) => void = () => {};
    (window as unknown as { __CONSENTRY_MOCK__: object }).__CONSENTRY_MOCK__ = {
      export_history: { handle: () => new Promise((_, reject) => (fail = reject)) },
      export_cancel: {
        handle: () => {
          setTimeout(() => fail({ code: 'cancelled', message: 'the export was cancelled' }), 50);
          return { cancelled: true };
        },
      },
    };
    localStorage.setItem('consentry.locale', 'en');
  });
  await page.goto('/#/export');

  await page.getByRole('radio', { name: /^CSV/ }).check();
  // The unencrypted-file warning stays.
  await expect(page.getByRole('note')).toBeVisible();
  // No path field: where the file goes is asked in the system's save dialog.
  await expect(page.locator('input:not([type=radio]):not([type=checkbox]):not(.date)')).toHaveCount(0);

  const submit = page.getByRole('button', { name: 'Export', exact: true });
  await expect(submit).toBeDisabled();
  await page.getByRole('checkbox').check();
  await submit.click();

  const progress = page.getByTestId('export-progress');
  await expect(progress).toContainText('Preparing…');
  await emitExportProgress(page, 250, 1000);
  await expect(progress).toContainText('250 of 1,000 events (25%)');
  await expect(progress.getByRole('progressbar')).toHaveAttribute('value', '25');

  await page.getByTestId('export-cancel').click();
  await expect(page.getByTestId('export-cancelled')).toHaveText('Export cancelled: nothing was written.');
  await expect(progress).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await callsOf(page, 'export_cancel')).toHaveLength(1);
  const request = (await callsOf(page, 'export_history'))[0]?.request;
  expect(request?.format).toBe('csv');
  expect(request).not.toHaveProperty('destination');
});

test('export: a save dialog cancelled in the backend is not an error', async ({ page }) => {
  await open(page, '#/export', {
    export_history: { error: { code: 'cancelled', message: 'the export was cancelled in the save dialog' } },
  });
  await page.getByRole('radio', { name: /^JSON/ }).check();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(page.getByTestId('export-cancelled')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('missing rewards: listed with a claim pack to read, copy and save as JSON', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await open(page, '#/rewards');
  const section = page.getByTestId('missing-rewards');
  await expect(section).toContainText('within 3 days');
  const items = section.getByTestId('missing-reward');
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('Café Rose');
  await expect(items.first()).toContainText('€12.40');
  await expect(items.first()).toContainText('•••• 4242');
  await expect(items.first()).toContainText('Bean Counter Coffee owed: Points');

  await items.first().getByRole('button', { name: 'Claim pack' }).click();
  const pack = items.first().getByTestId('claim-pack');
  await expect(pack).toContainText('Missing reward claim — Bean Counter Coffee');
  await expect(pack).toContainText('Consent (points): grtpointsbeans');
  await expect(pack).toContainText('2 × Flat white');
  await expect(items.nth(1)).toContainText('Book Nook');

  await items.first().getByRole('button', { name: 'Copy as text' }).click();
  await expect(items.first().getByText('Copied')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain('Merchant: Café Rose');
  expect(copied).not.toMatch(/\d{12,}/);

  await items.nth(1).getByRole('button', { name: 'Save as JSON…' }).click();
  await expect(items.nth(1).getByTestId('claim-saved')).toContainText('Saved to /home/cardholder/claim-txn_9.json');
  const saved = (await callsOf(page, 'missing_reward_save'))[0]?.request;
  expect(saved).toEqual({ transactionId: 'txn_7', appId: 'app_receipts' });
});

test('missing rewards: an empty list says nothing is missing (in French too)', async ({ page }) => {
  await open(page, '#/rewards', { missing_rewards: { ok: { days: 5, items: [] } } }, 'fr');
  const section = page.getByTestId('missing-rewards');
  await expect(section).toContainText('sous 5 jours');
  await expect(section.getByTestId('missing-rewards-none')).toContainText('Rien ne manque');
});

test('settings: notifications switch per app and follow the language', async ({ page }) => {
  await open(page, '#/settings');
  const switches = page.getByTestId('notification-switches');
  await expect(switches.getByRole('switch')).toHaveCount(2);
  const beans = page.getByTestId('notify-app_beans');
  await expect(beans).toBeChecked();
  await beans.uncheck();
  await expect(beans).not.toBeChecked();
  await expect(page.getByTestId('notify-app_receipts')).toBeChecked();
  expect((await callsOf(page, 'notification_prefs_set')).at(-1)?.request).toEqual({
    appId: 'app_beans',
    enabled: false,
    locale: null,
  });

  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  await expect
    .poll(async () => (await callsOf(page, 'notification_prefs_set')).at(-1)?.request)
    .toEqual({ appId: null, enabled: null, locale: 'fr' });
});

test('activity: opening it marks what arrived as read', async ({ page }) => {
  await open(page, '#/activity');
  await expect.poll(async () => (await callsOf(page, 'activity_mark_seen')).length).toBeGreaterThan(0);
});

test('a click on a desktop notification opens Activity on its event', async ({ page }) => {
  await open(page, '#/cards');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
  await emit(page, 'open_event', { eventId: 'evt_from_notice' });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Activity');
  await expect.poll(async () => (await callsOf(page, 'event_detail')).map((c) => c.request)).toEqual([{ id: 'evt_from_notice' }]);
});

test('Activity shows what the syncer stored without waiting for its timer', async ({ page }) => {
  await open(page, '#/activity');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Activity');
  const received = (eventsReceived: number) =>
    emit(page, 'sync_status', enrolledStatus({ lastSuccessAt: null, paired: false, platform: null, eventsReceived }));
  await received(1);
  const before = (await callsOf(page, 'activity_list')).length;
  await received(2);
  await expect.poll(async () => (await callsOf(page, 'activity_list')).length).toBeGreaterThan(before);
});

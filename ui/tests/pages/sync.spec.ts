import { expect, test } from '@playwright/test';
import { calls, emit, enrolledStatus, open } from './support';

/** The demo platform's status, last synced five minutes ago, with `over` applied. */
function status(over: object = {}) {
  return enrolledStatus({ lastSuccessAt: new Date(Date.now() - 5 * 60_000).toISOString(), ...over });
}

test('status bar: synced some minutes ago, with Sync now', async ({ page }) => {
  await open(page, '#/cards', { sync_status: { ok: status() } });
  const state = page.getByTestId('sync-state');
  await expect(state).toHaveText('Synced 5 minutes ago');
  await expect(state).toHaveAttribute('data-kind', 'synced');
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect.poll(() => calls(page, 'sync_now')).toHaveLength(1);
});

test('status bar: pending changes, an error, and not enrolled', async ({ page }) => {
  await open(page, '#/cards', { sync_status: { ok: status({ pendingChanges: 3 }) } });
  await expect(page.getByTestId('sync-state')).toHaveText('3 changes waiting to sync');

  const failing = await page.context().newPage();
  await open(failing, '#/cards', {
    sync_status: {
      ok: status({ pendingChanges: 1, lastError: { code: 'platform_unavailable', message: 'connection refused' } }),
    },
  });
  await expect(failing.getByTestId('sync-state')).toHaveText(
    'The platform is having trouble. Your changes are kept and will be sent later.',
  );
  await expect(failing.getByTestId('sync-state')).toHaveAttribute('data-kind', 'error');

  const offline = await page.context().newPage();
  await open(offline, '#/cards', { sync_status: { ok: status({ enrolled: false, platform: null, lastSuccessAt: null }) } });
  await expect(offline.getByTestId('sync-state')).toHaveText('Offline: not connected to a platform');
  await expect(offline.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
});

test('status bar: the sync_status event updates it live', async ({ page }) => {
  await open(page, '#/cards', { sync_status: { ok: status({ pendingChanges: 2 }) } });
  const state = page.getByTestId('sync-state');
  await expect(state).toHaveText('2 changes waiting to sync');
  await emit(page, 'sync_status', status({ syncing: true, pendingChanges: 2 }));
  await expect(state).toHaveText('Syncing…');
  await expect(page.getByRole('button', { name: 'Sync now' })).toBeDisabled();
  await emit(page, 'sync_status', status({ lastError: { code: 'timeout', message: 'timed out' }, pendingChanges: 2 }));
  await expect(state).toHaveText('The platform is taking too long to answer. Your changes are kept and will be sent later.');
  await emit(page, 'sync_status', status({ lastSuccessAt: new Date().toISOString() }));
  await expect(state).toHaveText('Synced now');
});

test('status bar: a failed Sync now is shown', async ({ page }) => {
  await open(page, '#/cards', {
    sync_status: { ok: status() },
    sync_now: { error: { code: 'platform_unauthorized', message: 'bad signature' } },
  });
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('sync-now-error')).toHaveText(
    'Sync now failed: The platform didn’t accept this wallet’s credentials.',
  );
  await expect(page.getByTestId('sync-now-error')).toHaveAttribute('title', /bad signature/);
});

test('status bar: a status bringing changes reloads the grants on the Apps screen', async ({ page }) => {
  await open(page, '#/consents', { sync_status: { ok: status({ pendingChanges: 1 }) } });
  await expect(page.getByTestId('sync-state')).toHaveText('1 change waiting to sync');
  await expect.poll(async () => (await calls(page, 'grants_list')).length).toBe(1);
  await emit(page, 'sync_status', status({ pendingChanges: 0 }));
  await expect.poll(async () => (await calls(page, 'grants_list')).length).toBe(2);
});

test('settings: the platform section shows where the wallet syncs', async ({ page }) => {
  await open(page, '#/settings', { sync_status: { ok: status({ lastSuccessAt: '2026-11-27T10:05:00Z' }) } });
  await expect(page.getByRole('heading', { name: 'Platform' })).toBeVisible();
  await expect(page.getByTestId('platform-current-url')).toHaveText('http://127.0.0.1:7878/');
  await expect(page.getByTestId('platform-device')).toHaveText('Consentry on laptop');
  await expect(page.getByTestId('platform-cardholder')).toHaveText('ch_demo');
  await expect(page.getByTestId('platform-last-sync')).toContainText('2026');
});

test('settings: not connected says so', async ({ page }) => {
  await open(page, '#/settings', { sync_status: { ok: status({ enrolled: false, platform: null, lastSuccessAt: null }) } });
  await expect(page.getByTestId('platform-details')).toHaveText('This wallet is not connected to a platform.');
  await expect(page.getByRole('button', { name: 'Show credentials for another device' })).toHaveCount(0);
});

test('settings: connect to another platform, joining an existing cardholder', async ({ page }) => {
  const joined = status({
    platform: { ...enrolledStatus().platform, url: 'https://platform.example/', deviceName: 'Desk', cardholderId: 'ch_other' },
  });
  await open(page, '#/settings', { platform_enroll: { ok: joined } });
  await page.getByRole('button', { name: 'Connect to another platform' }).click();
  await page.getByLabel('Platform address (URL)').fill('ftp://nope');
  await page.getByLabel('Name of this device').fill('Desk');
  await page.getByLabel(/Join an existing cardholder/).check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByText('Enter an address starting with http:// or https://.')).toBeVisible();
  await expect(page.getByText('Enter the cardholder id and secret shown on your other device.')).toBeVisible();
  expect(await calls(page, 'platform_enroll')).toEqual([]);

  await page.getByLabel('Platform address (URL)').fill('https://platform.example/');
  await page.getByLabel('Cardholder id').fill('ch_other');
  await page.getByLabel('Cardholder secret').fill('s3cret');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByText('Connected to https://platform.example/.')).toBeVisible();
  await expect(page.getByTestId('platform-cardholder')).toHaveText('ch_other');
  expect(await calls(page, 'platform_enroll')).toEqual([
    {
      platformUrl: 'https://platform.example/',
      deviceName: 'Desk',
      cardholderId: 'ch_other',
      cardholderSecret: 's3cret',
      pairingCode: null,
    },
  ]);
});

test('settings: a refused enrollment is shown', async ({ page }) => {
  await open(page, '#/settings', {
    platform_enroll: { error: { code: 'platform_unauthorized', message: 'wrong secret' } },
  });
  await page.getByRole('button', { name: 'Connect to another platform' }).click();
  await page.getByLabel('Platform address (URL)').fill('http://10.0.0.2:7878');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('wrong secret');
});

test('settings: credentials for another device, once, with a warning and a copy button', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await open(page, '#/settings');
  await page.getByRole('button', { name: 'Show credentials for another device' }).click();
  const box = page.getByTestId('platform-credentials');
  await expect(box.getByRole('note')).toContainText('Anyone with these three lines can act as you');
  await expect(page.getByTestId('platform-secret')).toHaveText('chs_demo_secret');
  await box.getByRole('button', { name: 'Copy' }).click();
  await expect(box.getByRole('status')).toHaveText('Copied to the clipboard.');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe('http://127.0.0.1:7878/\nch_demo\nchs_demo_secret');
  await box.getByRole('button', { name: 'Hide' }).click();
  await expect(page.getByTestId('platform-secret')).toHaveCount(0);
});

const trust = {
  setAside: [
    {
      eventId: 'evt_said_once',
      reason: 'equivocation',
      detail: 'equivocation: event "evt_said_once" was delivered again with another body; the first one is kept',
      receivedAt: '2026-11-27T10:00:00Z',
    },
    {
      eventId: 'evt_\u202Eevil',
      reason: 'inadmissible',
      detail: 'inadmissible: card_number_in_number: balance holds a number that reads as a card number',
      receivedAt: '2026-11-27T09:00:00Z',
    },
  ],
  setAsideTotal: 2,
  gaps: [
    {
      after: '40',
      until: '41',
      eventId: null,
      detail: 'the platform answered something unreadable: the answer is larger than 16777216 bytes',
      tries: 2,
      openedAt: '2026-11-27T08:00:00Z',
      lastTryAt: '2026-11-27T08:10:00Z',
    },
  ],
  unendorsedKeys: 1,
  claims: [
    {
      appId: 'app_tastemaker',
      cardToken: 'tok_demo_visa',
      scope: 'social_posts',
      status: 'active',
      detail: 'unsigned: no device of the cardholder signed this change',
      eventId: 'evt_claim',
      receivedAt: '2026-11-27T11:00:00Z',
    },
  ],
  paired: true,
};

test('settings: what the wallet refused to believe, in both languages', async ({ page }) => {
  await open(page, '#/settings', {
    sync_status: { ok: status({ quarantined: 2, feedGaps: 1, unendorsedKeys: 1 }) },
    platform_trust: { ok: trust },
  });
  const section = page.getByTestId('platform-trust');
  await expect(section.getByTestId('trust-unendorsed')).toContainText('a signing key that no key you trust vouches for');
  await expect(section.getByRole('heading', { name: '2 deliveries set aside' })).toBeVisible();
  await expect(section.getByTestId('trust-set-aside').locator('li[data-reason="equivocation"]')).toContainText(
    'The platform sent the same event again, saying something else',
  );
  await expect(section.getByRole('heading', { name: 'One part of the feed skipped' })).toBeVisible();
  await expect(section.getByTestId('trust-gaps')).toContainText('Tried 2 times');
  await expect(section.getByRole('heading', { name: 'One permission only the platform claims' })).toBeVisible();
  await expect(section.getByTestId('trust-claims')).toContainText('app_tastemaker: “Granted” for');
  // The hostile id is isolated, never reordering the text around it.
  await expect(section.locator('bdi', { hasText: 'evil' })).toHaveCount(1);

  const fr = await page.context().newPage();
  await open(fr, '#/settings', { sync_status: { ok: status() }, platform_trust: { ok: trust } }, 'fr');
  await expect(fr.getByTestId('platform-trust').getByRole('heading', { name: '2 envois mis de côté' })).toBeVisible();
  await expect(fr.getByTestId('trust-gaps')).toContainText('Essayée 2 fois');
});

test('settings: a clean platform says so', async ({ page }) => {
  await open(page, '#/settings', { sync_status: { ok: status() } });
  await expect(page.getByTestId('trust-clean')).toBeVisible();
});

test('settings: add a device shows a pairing code; an unpaired device says so', async ({ page }) => {
  await open(page, '#/settings', { sync_status: { ok: status() } });
  await page.getByTestId('pairing-start').click();
  await expect(page.getByTestId('pairing-code')).toHaveText('ABCDE-FGHJK');
  await expect.poll(() => calls(page, 'device_pairing_start')).toHaveLength(1);

  const unpaired = await page.context().newPage();
  await open(unpaired, '#/settings', { sync_status: { ok: status({ paired: false }) } });
  await expect(unpaired.getByTestId('platform-not-paired')).toBeVisible();
  await expect(unpaired.getByTestId('pairing-start')).toHaveCount(0);
});

test('settings: joining a cardholder sends the pairing code', async ({ page }) => {
  await open(page, '#/settings', { sync_status: { ok: status({ enrolled: false, platform: null }) } });
  await page.getByRole('button', { name: 'Connect to another platform' }).click();
  await page.getByLabel('Platform address (URL)').fill('https://platform.example');
  await page.getByLabel('Join an existing cardholder (from another device)').check();
  await page.getByLabel('Cardholder id').fill('ch_demo');
  await page.getByLabel('Cardholder secret').fill('chs_secret');
  await page.getByLabel('Pairing code').fill('ABCDE-FGHJK');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect
    .poll(() => calls(page, 'platform_enroll'))
    .toEqual([
      {
        platformUrl: 'https://platform.example',
        deviceName: null,
        cardholderId: 'ch_demo',
        cardholderSecret: 'chs_secret',
        pairingCode: 'ABCDE-FGHJK',
      },
    ]);
});

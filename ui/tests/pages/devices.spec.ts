import { expect, test } from '@playwright/test';
import { calls, feedEvent, open } from './support';

const devices = [
  { deviceId: 'dev_phone', name: 'Old phone', enrolledAt: '2026-03-02T18:20:00Z', removedAt: '2026-10-15T12:00:00Z', thisDevice: false },
  { deviceId: 'dev_desktop', name: 'Desktop', enrolledAt: '2026-09-01T12:00:00Z', removedAt: null, thisDevice: false },
  { deviceId: 'dev_laptop', name: 'Laptop', enrolledAt: '2026-11-27T11:00:00Z', removedAt: null, thisDevice: true },
];

test('settings: devices lists every device, this one marked, removed ones dated', async ({ page }) => {
  await open(page, '#/settings');
  const section = page.getByTestId('devices');
  await expect(section.getByRole('heading', { name: 'Devices' })).toBeVisible();
  const list = section.getByRole('list', { name: 'Devices' });
  await expect(list.getByRole('listitem')).toHaveCount(3);
  const laptop = list.getByRole('listitem').filter({ hasText: 'Laptop' });
  await expect(laptop).toContainText('This device');
  await expect(laptop).toContainText('Added on Nov 27, 2026');
  await expect(laptop.getByRole('button')).toHaveCount(0);
  const phone = list.getByRole('listitem').filter({ hasText: 'Old phone' });
  await expect(phone).toContainText('Removed on Oct 15, 2026');
  await expect(phone.getByRole('button')).toHaveCount(0);
  await expect(list.getByRole('listitem').filter({ hasText: 'Desktop' })).not.toContainText('This device');
  await expect(section.getByTestId('this-device')).toHaveCount(1);
  // Only the other active device can be removed.
  await expect(section.getByRole('button', { name: /^Remove / })).toHaveCount(1);
  expect(await calls(page, 'devices_list')).toEqual([{}]);
});

test('settings: removing a device asks first, then shows it removed', async ({ page }) => {
  await open(page, '#/settings');
  const section = page.getByTestId('devices');
  const desktop = section.getByRole('listitem').filter({ hasText: 'Desktop' });

  // Cancel backs out without asking the platform anything.
  await desktop.getByRole('button', { name: 'Remove Desktop' }).click();
  const confirm = desktop.getByRole('group', { name: /^Remove Desktop\?/ });
  await expect(confirm).toContainText('The platform stops taking its changes');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(desktop.getByRole('button', { name: 'Remove Desktop' })).toBeFocused();

  // Escape backs out too.
  await desktop.getByRole('button', { name: 'Remove Desktop' }).click();
  await page.keyboard.press('Escape');
  await expect(desktop.getByRole('group')).toHaveCount(0);
  expect(await calls(page, 'device_remove')).toEqual([]);

  await desktop.getByRole('button', { name: 'Remove Desktop' }).click();
  await desktop.getByRole('button', { name: 'Yes, remove Desktop' }).click();
  await expect(desktop.getByTestId('device-removed')).toHaveText('Removed on Nov 27, 2026');
  await expect(section.getByRole('status')).toHaveText('Desktop was removed.');
  await expect(section.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  expect(await calls(page, 'device_remove')).toEqual([{ deviceId: 'dev_desktop' }]);
});

test('settings: a refused removal keeps the list and says why', async ({ page }) => {
  await open(page, '#/settings', {
    device_remove: { error: { code: 'platform_unavailable', message: 'connection refused' } },
  });
  const section = page.getByTestId('devices');
  await section.getByRole('button', { name: 'Remove Desktop' }).click();
  await section.getByRole('button', { name: 'Yes, remove Desktop' }).click();
  await expect(section.getByRole('alert')).toContainText('Can’t reach the platform. Your changes are kept and will be sent when it’s back.');
  await expect(section.getByRole('alert')).toContainText('connection refused');
  await expect(section.getByTestId('device-removed')).toHaveCount(1);
});

test('settings: not connected to a platform, devices give a hint, not an error', async ({ page }) => {
  await open(page, '#/settings', {
    devices_list: { error: { code: 'not_enrolled', message: "connect to a platform first: devices are the platform's list" } },
  });
  const section = page.getByTestId('devices');
  await expect(section.getByTestId('devices-not-enrolled')).toHaveText('Connect this wallet to a platform to see your devices.');
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect(section.getByRole('list')).toHaveCount(0);
});

test('settings: another failure to list devices is an error with a retry', async ({ page }) => {
  await open(page, '#/settings', { devices_list: { error: { code: 'wallet_locked', message: 'locked' } } });
  const section = page.getByTestId('devices');
  await expect(section.getByRole('alert')).toContainText('The wallet is locked.');
  await section.getByRole('button', { name: 'Try again' }).click();
  await expect.poll(async () => (await calls(page, 'devices_list')).length).toBe(2);
});

test('réglages : les appareils en français', async ({ page }) => {
  await open(page, '#/settings', { devices_list: { ok: { devices } } }, 'fr');
  const section = page.getByTestId('devices');
  await expect(section.getByRole('heading', { name: 'Appareils' })).toBeVisible();
  await expect(section.getByRole('listitem').filter({ hasText: 'Laptop' })).toContainText('Cet appareil');
  await expect(section.getByRole('listitem').filter({ hasText: 'Old phone' })).toContainText('Retiré le 15 oct. 2026');
  await section.getByRole('button', { name: 'Retirer Desktop' }).click();
  await section.getByRole('button', { name: 'Oui, retirer Desktop' }).click();
  await expect(section.getByRole('status')).toHaveText('L’appareil Desktop a été retiré.');
});

test('activity: a card renamed on another device, in the list and in full', async ({ page }) => {
  await open(page, '#/activity');
  const list = page.getByRole('list', { name: 'Activity' });
  const row = list.getByTestId('activity-row').nth(2);
  await expect(row).toContainText('Card •••• 4242 renamed “Everyday” on Desktop');
  await row.getByRole('button').first().click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Card change' })).toBeVisible();
  await expect(detail).toContainText('Visa •••• 4242');
  await expect(detail).toContainText('Renamed');
  await expect(detail).toContainText('Everyday');
  await expect(detail.getByTestId('card-change-device')).toHaveText('Desktop');

  await page.getByLabel('Kind').selectOption({ label: 'Cards' });
  await expect.poll(async () => (await calls(page, 'activity_list')).at(-1)).toMatchObject({ kinds: ['card.changed'] });
});

test('activité : une carte déliée sur cet appareil', async ({ page }) => {
  const item = feedEvent({
    id: 'evt_card',
    cursor: '1.1',
    kind: 'card.changed',
    occurredAt: '2026-11-27T10:00:00Z',
    cardNickname: null,
    channel: null,
    label: 'unlinked',
    consentOrigin: 'this_device',
  });
  await open(
    page,
    '#/activity',
    {
      activity_list: { ok: { items: [item], nextCursor: null, moreNewer: false } },
      event_detail: {
        ok: {
          item,
          receivedAt: '2026-11-27T10:00:01Z',
          signatureVerified: true,
          body: { kind: 'card_change', change: 'unlinked', brand: 'Visa', last4: '4242', nickname: null, deviceName: 'Laptop', thisDevice: true },
          transaction: [],
          violation: null,
        },
      },
    },
    'fr',
  );
  const list = page.getByRole('list', { name: 'Activité' });
  await expect(list.getByTestId('activity-row').first()).toContainText('Carte •••• 4242 déliée sur cet appareil');
  await list.getByTestId('activity-row').first().getByRole('button').first().click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Changement de carte' })).toBeVisible();
  await expect(detail).toContainText('Déliée');
  await expect(detail).toContainText('aucun');
  await expect(detail.getByTestId('card-change-device')).toHaveText('Cet appareil (Laptop)');
});

test('consent history: each entry says which device made it, or the platform', async ({ page }) => {
  const entry = (seq: number, action: string, deviceId: string, deviceName: string | null) => ({
    seq,
    action,
    grantId: 'grt_1',
    appId: 'app_receipts',
    cardToken: 'tok_demo_visa',
    scope: 'receipts',
    channels: ['card', 'nfc'],
    deviceId,
    deviceName,
    at: `2026-11-${10 + seq}T09:00:00Z`,
    termsVersion: 1,
    termsHash: 'ab',
    hash: `h${seq}`,
  });
  const entries = [
    entry(4, 'expire', 'platform', null),
    entry(3, 'revoke', 'dev_desktop', 'Desktop'),
    entry(2, 'renew', 'dev_gone', null),
    entry(1, 'grant', 'dev_laptop', 'Laptop'),
  ];
  await open(page, '#/consents', { ledger_list: { ok: { entries } } });
  const timeline = page.getByRole('region', { name: 'Consent history' }).getByRole('listitem');
  await expect(timeline).toHaveCount(4);
  await expect(timeline.nth(0).getByTestId('ledger-device')).toHaveText('by the platform');
  await expect(timeline.nth(1).getByTestId('ledger-device')).toHaveText('on Desktop');
  await expect(timeline.nth(2).getByTestId('ledger-device')).toHaveCount(0);
  await expect(timeline.nth(3).getByTestId('ledger-device')).toHaveText('on Laptop');

  const fr = await page.context().newPage();
  await open(fr, '#/consents', { ledger_list: { ok: { entries } } }, 'fr');
  const frTimeline = fr.getByRole('region', { name: 'Historique du consentement' }).getByRole('listitem');
  await expect(frTimeline.nth(0).getByTestId('ledger-device')).toHaveText('par la plateforme');
  await expect(frTimeline.nth(1).getByTestId('ledger-device')).toHaveText('sur Desktop');
});

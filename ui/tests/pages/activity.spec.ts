import { expect, test, type Page } from '@playwright/test';
import { open, callsOf } from './support';

/** A feed of `total` events served in keyset pages, and one new event once `__arrive` is set. */
async function installFeed(page: Page, total: number) {
  await page.addInitScript((count) => {
    const w = window as unknown as Record<string, unknown>;
    const start = Date.UTC(2026, 10, 27, 12, 0, 0);
    const item = (n: number, id = `evt_${n}`) => ({
      id,
      cursor: `c:${n}`,
      kind: 'transaction.authorized',
      occurredAt: new Date(start - n * 60_000).toISOString(),
      cardToken: 'tok_demo_visa',
      cardLast4: '4242',
      cardNickname: null,
      appId: null,
      appName: null,
      merchant: `Shop ${n}`,
      amount: { minor: 1000 + n, currency: 'EUR' },
      purchase: null,
      channel: 'card',
      points: null,
      label: null,
      text: null,
      violation: false,
      consentOrigin: null,
    });
    w.__CONSENTRY_MOCK__ = {
      activity_list: {
        handle: (req: { cursor: string | null; newerThan: string | null; limit: number | null }) => {
          if (req.newerThan !== null) {
            const fresh = w.__arrive ? [{ ...item(-1, 'evt_fresh'), merchant: 'Fresh Bakery', cursor: 'c:-1' }] : [];
            return { items: req.newerThan === 'c:0' ? fresh : [], nextCursor: null, moreNewer: false };
          }
          const from = req.cursor === null ? 0 : Number(req.cursor.slice(2));
          const limit = req.limit ?? 50;
          const end = Math.min(count as number, from + limit);
          const items = [];
          for (let n = from; n < end; n++) items.push(item(n));
          return { items, nextCursor: end < (count as number) ? `i:${end}` : null, moreNewer: false };
        },
      },
    };
    localStorage.setItem('consentry.locale', 'en');
  }, total);
}

test('activity: populated feed, a receipt in full with its transaction', async ({ page }) => {
  await open(page, '#/activity');
  const list = page.getByRole('listbox', { name: 'Activity' });
  await expect(list.getByRole('option').first()).toContainText('Café Rose');
  await expect(list.getByRole('option').first()).toContainText('Everyday •••• 4242');
  await list.getByRole('option').nth(1).click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Receipt' })).toBeVisible();
  await expect(detail).toContainText('Café Rose');
  await expect(detail).toContainText('PaperLess Receipts');
  await expect(detail.getByTestId('receipt-lines')).toContainText('Flat white');
  await expect(detail.getByTestId('receipt-lines')).toContainText('€8.80');
  await expect(detail.getByTestId('receipt-lines')).toContainText('€0.80');
  await expect(detail.getByTestId('transaction-steps')).toContainText('Authorized');
  await page.getByRole('button', { name: 'Close the detail' }).click();
  await expect(detail).toHaveCount(0);
});

test('activity: keyboard moves through the list and opens an event', async ({ page }) => {
  await open(page, '#/activity');
  const list = page.getByRole('listbox', { name: 'Activity' });
  await expect(list.getByRole('option').first()).toBeVisible();
  await list.focus();
  await page.keyboard.press('ArrowDown');
  await expect(list).toHaveAttribute('aria-activedescendant', 'activity-row-1');
  await page.keyboard.press('End');
  await expect(list).toHaveAttribute('aria-activedescendant', /activity-row-\d+/);
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('event-detail')).toBeVisible();
});

test('activity: filters and search become the request', async ({ page }) => {
  await open(page, '#/activity');
  await expect(page.getByTestId('activity-list').getByRole('option').first()).toBeVisible();
  await page.getByLabel('Kind').selectOption({ label: 'Receipts' });
  await page.getByLabel(/^Card/).selectOption({ label: 'Everyday •••• 4242' });
  await page.getByLabel(/^App/).selectOption({ label: 'Bean Counter Coffee' });
  await page.getByLabel('From').fill('2026-11-01');
  await page.getByRole('searchbox', { name: 'Search' }).fill('cafe');
  await expect.poll(async () => (await callsOf(page, 'activity_list')).at(-1)?.request.search).toBe('cafe');
  const last = (await callsOf(page, 'activity_list')).at(-1)?.request ?? {};
  expect(last.kinds).toEqual(['receipt.issued']);
  expect(last.cardToken).toBe('tok_demo_visa');
  expect(last.appId).toBe('app_beans');
  expect(typeof last.from).toBe('string');
  expect(last.cursor).toBeNull();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect.poll(async () => (await callsOf(page, 'activity_list')).at(-1)?.request.kinds).toEqual([]);
});

test('activity: empty, no match, loading and error states', async ({ page }) => {
  const empty = { activity_list: { ok: { items: [], nextCursor: null, moreNewer: false } } };
  await open(page, '#/activity', empty);
  await expect(page.getByText('Nothing has happened yet.')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill('zzz');
  await expect(page.getByText('Nothing matches these filters.')).toBeVisible();
  await page.getByRole('button', { name: 'Violations' }).click();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByText('No violation: every app acted within your permissions.')).toBeVisible();

  const pending = await page.context().newPage();
  await open(pending, '#/activity', { activity_list: { pending: true } });
  await expect(pending.getByRole('main').getByRole('status')).toHaveText('Loading…');

  const failing = await page.context().newPage();
  await open(failing, '#/activity', { activity_list: { error: { code: 'wallet_locked', message: 'locked' } } });
  await expect(failing.getByRole('alert')).toContainText('The wallet is locked.');
  await expect(failing.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('activity: a million events stay a few DOM rows; scrolling loads keyset pages', async ({ page }) => {
  await installFeed(page, 1_000_000);
  await page.goto('/#/activity');
  const list = page.getByTestId('activity-list');
  await expect(list.getByRole('option').first()).toContainText('Shop 0');
  const rows = () => list.getByRole('option').count();
  expect(await rows()).toBeLessThan(40);
  const pagesBefore = (await callsOf(page, 'activity_list')).length;
  for (let i = 0; i < 12; i++) {
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(60);
  }
  await expect.poll(async () => (await callsOf(page, 'activity_list')).length).toBeGreaterThan(pagesBefore + 3);
  expect(await rows()).toBeLessThan(40);
  const cursors = (await callsOf(page, 'activity_list')).map((c) => c.request.cursor);
  expect(new Set(cursors).size).toBe(cursors.length);
  expect(cursors.slice(1).every((c) => typeof c === 'string')).toBe(true);
  // Deep in the list, the rows shown are the ones at that depth.
  const last = list.getByRole('option').last();
  const deepest = Number((await last.getAttribute('aria-posinset')) ?? 0);
  expect(deepest).toBeGreaterThan(400);
  await expect(last).toContainText(`Shop ${deepest - 1}`);
  await expect(last).toHaveAttribute('aria-setsize', '-1');
});

test('activity: a new event is prepended without reloading the list', async ({ page }) => {
  await installFeed(page, 500);
  await page.goto('/#/activity');
  const list = page.getByTestId('activity-list');
  await expect(list.getByRole('option').first()).toContainText('Shop 0');
  await page.evaluate(() => {
    (window as unknown as Record<string, unknown>).__arrive = true;
    window.dispatchEvent(new Event('focus'));
  });
  await expect(list.getByRole('option').first()).toContainText('Fresh Bakery');
  await expect(list.getByRole('option').nth(1)).toContainText('Shop 0');
  const firstPages = (await callsOf(page, 'activity_list')).filter((c) => c.request.cursor === null && c.request.newerThan === null);
  expect(firstPages).toHaveLength(1);
  await expect(page.getByTestId('activity-arrived')).toHaveText('1 new event');
});

test('activity: violations show the grant history that proves them', async ({ page }) => {
  const flagged = {
    id: 'evt_bad',
    cursor: '1.1',
    kind: 'points.awarded',
    occurredAt: '2026-11-20T10:00:00Z',
    cardToken: 'tok_demo_visa',
    cardLast4: '4242',
    cardNickname: null,
    appId: 'app_beans',
    appName: 'Bean Counter Coffee',
    merchant: null,
    amount: null,
    purchase: null,
    channel: null,
    points: 5,
    label: 'Bean Club',
    text: null,
    violation: true,
    consentOrigin: null,
  };
  const entry = (seq: number, action: string, at: string) => ({
    seq,
    action,
    grantId: 'grt_1',
    appId: 'app_beans',
    cardToken: 'tok_demo_visa',
    scope: 'points',
    channels: ['card', 'nfc'],
    deviceId: 'dev_a',
    at,
    termsVersion: 1,
    termsHash: 'ab',
    hash: `h${seq}`,
  });
  await open(page, '#/activity', {
    activity_list: { ok: { items: [flagged], nextCursor: null, moreNewer: false } },
    event_detail: {
      ok: {
        item: flagged,
        receivedAt: '2026-11-20T10:01:00Z',
        signatureVerified: true,
        body: { kind: 'points', program: 'Bean Club', delta: 5, balance: 105, payment: null },
        transaction: [],
        violation: {
          reason: { kind: 'not_active', status: 'revoked' },
          message: 'the grant is revoked',
          scope: 'points',
          grantHistory: [entry(1, 'grant', '2026-11-01T09:00:00Z'), entry(2, 'revoke', '2026-11-10T09:00:00Z')],
        },
      },
    },
  });
  await page.getByRole('button', { name: 'Violations' }).click();
  await expect.poll(async () => (await callsOf(page, 'activity_list')).at(-1)?.request.violationsOnly).toBe(true);
  const list = page.getByRole('listbox', { name: 'Violations' });
  await expect(list.getByRole('option').first()).toContainText('Without permission:');
  await list.getByRole('option').first().click();
  const violation = page.getByTestId('violation');
  await expect(violation).toContainText('Received without your permission');
  await expect(violation).toContainText('The permission was “Revoked” when this happened.');
  await expect(violation.getByRole('row')).toHaveCount(3);
  await expect(violation).toContainText('Granted');
  await expect(violation).toContainText('Revoked');
});

test('activité : en français, montants et dates au format local', async ({ page }) => {
  await open(page, '#/activity', {}, 'fr');
  const list = page.getByRole('listbox', { name: 'Activité' });
  await list.getByRole('option').nth(1).click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Reçu' })).toBeVisible();
  await expect(detail.getByTestId('receipt-lines')).toContainText('8,80 €');
  await expect(page.getByRole('searchbox', { name: 'Rechercher' })).toBeVisible();
});

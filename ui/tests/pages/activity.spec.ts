import { expect, test, type Page } from '@playwright/test';
import { callsOf, expectLoadingAndFailure, feedEvent, ledgerEntry, open, receiptsGrant, seriousViolations } from './support';

/** A feed of `total` events served in keyset pages, and one new event once `__arrive` is set. */
async function installFeed(page: Page, total: number) {
  const authorized = feedEvent({ id: '', occurredAt: '', cardNickname: null, channel: 'card' });
  await page.addInitScript(
    ([count, event]) => {
      const w = window as unknown as Record<string, unknown>;
      const start = Date.UTC(2026, 10, 27, 12, 0, 0);
      const item = (n: number, id = `evt_${n}`) => ({
        ...event,
        id,
        cursor: `c:${n}`,
        occurredAt: new Date(start - n * 60_000).toISOString(),
        merchant: `Shop ${n}`,
        amount: { minor: 1000 + n, currency: 'EUR' },
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
            const end = Math.min(count, from + limit);
            const items = [];
            for (let n = from; n < end; n++) items.push(item(n));
            return { items, nextCursor: end < count ? `i:${end}` : null, moreNewer: false };
          },
        },
      };
      localStorage.setItem('consentry.locale', 'en');
    },
    [total, authorized] as const,
  );
}

/** The rows of the Activity list (a purchase, or an event of its own). */
const rowsOf = (page: Page, name = 'Activity') => page.getByRole('list', { name }).getByTestId('activity-row');

test('activity: one row per purchase; its events inside it; each opens in full', async ({ page }) => {
  await open(page, '#/activity');
  const rows = rowsOf(page);
  // Row 0: Café Rose, settled (its authorization inside); row 1: Grocer Market, with a receipt
  // and points; row 2: a card change.
  await expect(rows.first()).toContainText('Purchase');
  await expect(rows.first()).toContainText('Café Rose: €5.00 · settled');
  await expect(rows.first()).toContainText('Everyday •••• 4242 · 2 events');
  await expect(rows.nth(2)).toContainText('Card •••• 4242 renamed');
  await expect(rows.nth(2).getByRole('button', { name: /Show the/ })).toHaveCount(0);
  await expect(page.getByTestId('activity-member')).toHaveCount(0);

  // The purchase itself opens its transaction, with every state of it.
  await rows.first().getByRole('button').first().click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Purchase settled' })).toBeVisible();
  await expect(detail.getByTestId('transaction-steps')).toContainText('Authorized');
  await expect(detail.getByTestId('transaction-steps')).toContainText('Settled');

  // Expanding the second purchase shows what the apps did with it; a receipt opens in full.
  const expand = rows.nth(1).getByTestId('activity-expand');
  await expect(expand).toHaveAccessibleName('Show the 3 events of this purchase at Grocer Market');
  await expect(expand).toHaveAttribute('aria-expanded', 'false');
  await expand.click();
  await expect(expand).toHaveAttribute('aria-expanded', 'true');
  await expect(expand).toHaveAccessibleName('Hide the events of this purchase at Grocer Market');
  const members = page.getByTestId('activity-member');
  await expect(members).toHaveCount(3);
  await expect(members.nth(0)).toContainText('Receipt from Grocer Market');
  await expect(members.nth(0)).toContainText('PaperLess Receipts');
  await expect(members.nth(1)).toContainText('+12 points in Bean Club');
  await expect(members.nth(2)).toContainText('Grocer Market: €6.37');
  // The card change is still the row after the purchase and its events.
  await expect(page.getByRole('list', { name: 'Activity' }).getByRole('listitem').nth(5)).toContainText('Card •••• 4242 renamed');
  await members.nth(0).getByRole('button').click();
  await expect(detail.getByRole('heading', { name: 'Receipt' })).toBeVisible();
  await expect(detail).toContainText('PaperLess Receipts');
  await expect(detail.getByTestId('receipt-lines')).toContainText('Flat white');
  await expect(detail.getByTestId('receipt-lines')).toContainText('€8.80');
  await expect(detail.getByTestId('receipt-lines')).toContainText('€0.80');
  await expect(members.nth(0).getByRole('button')).toHaveAttribute('aria-current', 'true');
  await page.getByRole('button', { name: 'Hide the events of this purchase at Grocer Market' }).click();
  await expect(members).toHaveCount(0);
  await page.getByRole('button', { name: 'Close the detail' }).click();
  await expect(detail).toHaveCount(0);
});

test('activity: the keyboard moves through rows, opens a purchase and its events', async ({ page }) => {
  await open(page, '#/activity');
  const rows = rowsOf(page);
  await expect(rows.first()).toBeVisible();
  // One line is in the Tab order: the first.
  const first = rows.first().getByRole('button').first();
  await first.focus();
  await page.keyboard.press('ArrowDown');
  const second = rows.nth(1).getByRole('button').first();
  await expect(second).toBeFocused();
  await expect(second).toHaveAttribute('tabindex', '0');
  await expect(first).toHaveAttribute('tabindex', '-1');
  // Right opens the purchase, Down goes into it, Enter opens the event.
  await page.keyboard.press('ArrowRight');
  await expect(rows.nth(1).getByRole('button', { name: /Hide the events/ })).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  const receipt = page.getByTestId('activity-member').first().getByRole('button');
  await expect(receipt).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('event-detail').getByRole('heading', { name: 'Receipt' })).toBeVisible();
  // Left closes it and goes back to the purchase; Tab reaches its expand button.
  await receipt.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('activity-member')).toHaveCount(0);
  await expect(second).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(rows.nth(1).getByRole('button', { name: /Show the 3 events/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('activity-member')).toHaveCount(3);
  await second.focus();
  await page.keyboard.press('End');
  await expect(page.locator('[id^="activity-line-"]:focus')).toHaveCount(1);
  await page.keyboard.press('Home');
  await expect(first).toBeFocused();
});

test('activity: filters and search become the request', async ({ page }) => {
  await open(page, '#/activity');
  await expect(rowsOf(page).first()).toBeVisible();
  await page.getByLabel('Kind').selectOption({ label: 'Receipts' });
  await page.getByLabel(/^Card/).selectOption({ label: 'Everyday •••• 4242' });
  await page.getByLabel(/^App/).selectOption({ label: 'Bean Counter Coffee' });
  await page.getByLabel('From').fill('11/01/2026');
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
  const locked = { code: 'wallet_locked', message: 'locked' };
  await expectLoadingAndFailure(page, '#/activity', 'activity_list', locked, 'The wallet is locked.');
});

test('activity: a million events stay a few DOM rows; scrolling loads keyset pages', async ({ page }) => {
  await installFeed(page, 1_000_000);
  await page.goto('/#/activity');
  const list = page.getByTestId('activity-list');
  await expect(list.getByRole('listitem').first()).toContainText('Shop 0');
  const rows = () => list.getByRole('listitem').count();
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
  const last = list.getByRole('listitem').last();
  const deepest = Number((await last.getAttribute('aria-posinset')) ?? 0);
  expect(deepest).toBeGreaterThan(400);
  await expect(last).toContainText(`Shop ${deepest - 1}`);
  await expect(last).toHaveAttribute('aria-setsize', '-1');
});

test('activity: a new event is prepended without reloading the list', async ({ page }) => {
  await installFeed(page, 500);
  await page.goto('/#/activity');
  const list = page.getByTestId('activity-list');
  await expect(list.getByRole('listitem').first()).toContainText('Shop 0');
  await page.evaluate(() => {
    (window as unknown as Record<string, unknown>).__arrive = true;
    window.dispatchEvent(new Event('focus'));
  });
  await expect(list.getByRole('listitem').first()).toContainText('Fresh Bakery');
  await expect(list.getByRole('listitem').nth(1)).toContainText('Shop 0');
  const firstPages = (await callsOf(page, 'activity_list')).filter((c) => c.request.cursor === null && c.request.newerThan === null);
  expect(firstPages).toHaveLength(1);
  await expect(page.getByTestId('activity-arrived')).toHaveText('1 new event');
});

test('activity: violations show the grant history that proves them', async ({ page }) => {
  const flagged = feedEvent({
    id: 'evt_bad',
    cursor: '1.1',
    kind: 'points.awarded',
    occurredAt: '2026-11-20T10:00:00Z',
    cardNickname: null,
    appId: 'app_beans',
    appName: 'Bean Counter Coffee',
    channel: null,
    points: 5,
    label: 'Bean Club',
    violation: true,
  });
  const points = { ...receiptsGrant, appId: 'app_beans', scope: 'points' as const };
  const entry = (seq: number, action: string, at: string) => ledgerEntry(action, points, at, seq);
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
  const rows = rowsOf(page, 'Violations');
  await expect(rows.first()).toContainText('Without permission:');
  await rows.first().getByRole('button').first().click();
  const violation = page.getByTestId('violation');
  await expect(violation).toContainText('Received without your permission');
  await expect(violation).toContainText('The permission was “Revoked” when this happened.');
  await expect(violation.getByRole('row')).toHaveCount(3);
  await expect(violation).toContainText('Granted');
  await expect(violation).toContainText('Revoked');
});

test('activité : en français, montants et dates au format local', async ({ page }) => {
  await open(page, '#/activity', {}, 'fr');
  const rows = rowsOf(page, 'Activité');
  await expect(rows.first()).toContainText('Achat');
  await expect(rows.first()).toContainText('Café Rose : 5,00 € · réglé');
  await expect(rows.first()).toContainText('2 événements');
  await rows.nth(1).getByRole('button', { name: 'Afficher les 3 événements de cet achat chez Grocer Market' }).click();
  await page.getByTestId('activity-member').first().getByRole('button').click();
  const detail = page.getByTestId('event-detail');
  await expect(detail.getByRole('heading', { name: 'Reçu' })).toBeVisible();
  await expect(detail.getByTestId('receipt-lines')).toContainText('8,80 €');
  await expect(page.getByRole('searchbox', { name: 'Rechercher' })).toBeVisible();
});

test('activity: a violation inside a purchase shows on its row, and a late reaction moves the purchase up', async ({ page }) => {
  const cornerShop = feedEvent({ id: '', occurredAt: '', cardNickname: null, merchant: 'Corner Shop', amount: { minor: 450, currency: 'EUR' } });
  await page.addInitScript((event) => {
    const w = window as unknown as Record<string, unknown>;
    const ev = (id: string, kind: string, at: string, over: object = {}) => ({ ...event, id, cursor: `c:${id}`, kind, occurredAt: at, ...over });
    const purchase = (tx: string, merchant: string, events: ReturnType<typeof ev>[], violations: number) => ({
      ...events[0],
      group: {
        transactionId: tx,
        state: 'authorized',
        merchant,
        amount: { minor: 450, currency: 'EUR' },
        channel: 'nfc',
        transactionEventId: events[events.length - 1]?.id ?? null,
        purchasedAt: events[events.length - 1]?.occurredAt,
        eventCount: events.length,
        violationCount: violations,
        events,
      },
    });
    const post = ev('evt_post', 'social.posted', '2026-11-27T11:00:00Z', {
      appId: 'app_social',
      appName: 'Shouty',
      merchant: null,
      amount: null,
      label: 'mastodon',
      text: 'I bought a thing',
      violation: true,
    });
    const corner = purchase('tx_corner', 'Corner Shop', [post, ev('evt_corner', 'transaction.authorized', '2026-11-27T10:00:00Z')], 1);
    const bakery = purchase('tx_bakery', 'Bakery', [ev('evt_bakery', 'transaction.authorized', '2026-11-27T10:30:00Z', { merchant: 'Bakery' })], 0);
    const cashback = ev('evt_cashback', 'cashback.paid', '2026-11-27T12:00:00Z', {
      appId: 'app_cash',
      appName: 'CashBack Co',
      merchant: null,
      amount: { minor: 9, currency: 'EUR' },
    });
    const cornerLater = purchase('tx_corner', 'Corner Shop', [cashback, post, ev('evt_corner', 'transaction.authorized', '2026-11-27T10:00:00Z')], 1);
    w.__CONSENTRY_MOCK__ = {
      activity_list: {
        handle: (req: { newerThan: string | null }) => {
          if (req.newerThan !== null) {
            return { items: w.__late ? [cornerLater] : [], nextCursor: null, moreNewer: false };
          }
          return { items: [corner, bakery], nextCursor: null, moreNewer: false };
        },
      },
    };
    localStorage.setItem('consentry.locale', 'en');
  }, cornerShop);
  await page.goto('/#/activity');
  const rows = rowsOf(page);
  await expect(rows).toHaveCount(2);
  // Folded, the purchase still says one of its events came without permission.
  await expect(rows.first()).toContainText('Corner Shop: €4.50 · authorized');
  await expect(rows.first()).toContainText('1 without permission');
  await expect(rows.first()).toHaveClass(/violation/);
  await expect(rows.nth(1)).not.toHaveClass(/violation/);
  await rows.first().getByRole('button', { name: /Show the 2 events/ }).click();
  await expect(page.getByTestId('activity-member').first()).toContainText('Without permission:');

  // Cashback paid on the corner purchase: it comes back at the top, once, still open.
  await page.evaluate(() => {
    (window as unknown as Record<string, unknown>).__late = true;
    window.dispatchEvent(new Event('focus'));
  });
  await expect(page.getByTestId('activity-member')).toHaveCount(3);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('3 events');
  await expect(rows.nth(1)).toContainText('Bakery');
  await expect(page.getByTestId('activity-member').first()).toContainText('cashback paid');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`a11y: a purchase opened, an event of it in full (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '#/activity');
    await rowsOf(page).nth(1).getByTestId('activity-expand').click();
    await page.getByTestId('activity-member').first().getByRole('button').click();
    await expect(page.getByTestId('event-detail')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test('activity: dates are typed the way the language writes them, and a day that does not exist is refused', async ({
  page,
}) => {
  await open(page, '#/activity', {}, 'fr');
  await expect(rowsOf(page, 'Activité').first()).toBeVisible();
  const from = page.getByLabel('Du');
  await expect(from).toHaveAttribute('placeholder', 'jj/mm/aaaa');
  await from.fill('31/02/2026');
  await expect(from).toHaveAttribute('aria-invalid', 'true');
  await from.fill('01/11/2026');
  await expect(from).toHaveAttribute('aria-invalid', 'false');
  await expect
    .poll(async () => {
      const last = (await callsOf(page, 'activity_list')).at(-1)?.request ?? {};
      // The start of that day in the browser's time zone, sent as an instant.
      return typeof last.from === 'string' ? new Date(last.from).toDateString() : null;
    })
    .toBe(new Date(2026, 10, 1).toDateString());
});

import { expect, test, type Page } from '@playwright/test';
import { calls, open, receiptsGrant } from './support';

/** Points for Bean Counter Coffee on the demo card, paused until version 2 of its terms is accepted. */
const grant = {
  ...receiptsGrant,
  appId: 'app_beans',
  scope: 'points',
  channels: ['nfc'],
  trigger: 'settlement',
  status: 'needs_reconsent',
  pendingTermsVersion: 2,
  grantedAt: '2026-11-01T10:00:00Z',
};

const diff = {
  appId: 'app_beans',
  fromVersion: 1,
  toVersion: 2,
  lines: [
    { change: 'unchanged', text: 'We award points on coffee.', words: [] },
    { change: 'removed', text: 'One point per visit.', words: [] },
    { change: 'added', text: 'One point per euro.', words: [] },
    { change: 'added', text: 'We send offers from partners.', words: [] },
  ],
  linesAdded: 2,
  linesRemoved: 1,
  scopesKnown: true,
  scopesAdded: ['offers'],
  scopesRemoved: ['cashback'],
  scopesRequested: ['points', 'offers'],
};

test('re-consent dialog marks only the words a reworded line changed', async ({ page }) => {
  const reworded = {
    ...diff,
    lines: [
      { change: 'removed', text: 'One point per visit.', words: [{ change: 'unchanged', text: 'One point per ' }, { change: 'removed', text: 'visit.' }] },
      { change: 'added', text: 'One point per euro.', words: [{ change: 'unchanged', text: 'One point per ' }, { change: 'added', text: 'euro.' }] },
    ],
  };
  await open(page, '#/consents', { grants_list: { ok: { grants: [grant] } }, terms_diff: { ok: reworded } });
  const dialog = await review(page);
  const lines = dialog.getByRole('list', { name: 'The terms, line by line' }).getByRole('listitem');
  await expect(lines.nth(0).locator('del')).toHaveText('visit.');
  await expect(lines.nth(1).locator('ins')).toHaveText('euro.');
  await expect(lines.nth(1)).toHaveText(/\+\s*Added:\s+One point per euro\./);
});

async function review(page: Page) {
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await attention.getByRole('button', { name: 'Review the new terms of Bean Counter Coffee for Points on Everyday •••• 4242' }).click();
  return page.getByRole('dialog', { name: 'New terms from Bean Counter Coffee' });
}

test('re-consent dialog shows the line diff with markers and words, and the scope changes', async ({ page }) => {
  await open(page, '#/consents', {
    grants_list: { ok: { grants: [grant] } },
    terms_diff: { ok: diff },
    grant_set: { ok: { ...grant, status: 'active', termsVersion: 2, pendingTermsVersion: null } },
  });
  const dialog = await review(page);
  const changes = dialog.getByRole('region', { name: 'What changed from version 1 to version 2' });
  await expect(changes.getByTestId('diff-summary')).toHaveText('2 lines added, 1 line removed.');
  const lines = changes.getByRole('list', { name: 'The terms, line by line' }).getByRole('listitem');
  await expect(lines).toHaveCount(4);
  // Not by colour alone: a visible +/− mark and words for screen readers.
  await expect(lines.nth(1)).toHaveAttribute('data-change', 'removed');
  await expect(lines.nth(1)).toHaveText(/−\s*Removed:\s+One point per visit\./);
  await expect(lines.nth(1).locator('del')).toHaveText('One point per visit.');
  await expect(lines.nth(2)).toHaveText(/\+\s*Added:\s+One point per euro\./);
  await expect(lines.nth(2).locator('ins')).toHaveText('One point per euro.');
  await expect(lines.nth(0)).toHaveText(/^\s*We award points on coffee\.$/);
  const scopes = changes.getByTestId('scope-changes');
  await expect(scopes).toContainText('New: Offers');
  await expect(scopes).toContainText('No longer asked: Cashback');

  expect(await calls(page, 'terms_diff')).toEqual([{ appId: 'app_beans', fromVersion: 1, toVersion: 2 }]);

  await dialog.getByRole('button', { name: 'Accept and keep the permission' }).click();
  await expect(page.getByText('Points for Bean Counter Coffee on Everyday •••• 4242 continues under the new terms.')).toBeVisible();
  expect(await calls(page, 'grant_set')).toEqual([
    {
      appId: 'app_beans',
      cardToken: 'tok_demo_visa',
      scope: 'points',
      channels: ['nfc'],
      trigger: 'settlement',
      minPurchase: null,
      expiry: { kind: 'never' },
    },
  ]);
});

test('re-consent dialog says when the scopes cannot be compared', async ({ page }) => {
  await open(page, '#/consents', {
    grants_list: { ok: { grants: [grant] } },
    terms_diff: { ok: { ...diff, scopesKnown: false, scopesAdded: [], scopesRemoved: [] } },
  });
  const dialog = await review(page);
  await expect(dialog.getByTestId('scopes-unknown')).toContainText('It now asks for: Points, Offers.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});

test('re-consent dialog says when the scopes did not change', async ({ page }) => {
  await open(page, '#/consents', {
    grants_list: { ok: { grants: [grant] } },
    terms_diff: { ok: { ...diff, scopesAdded: [], scopesRemoved: [] } },
  });
  const dialog = await review(page);
  await expect(dialog.getByTestId('scopes-same')).toHaveText('The same as before: Points, Offers.');
});

test('re-consent dialog falls back to the full new terms when no diff is available', async ({ page }) => {
  await open(page, '#/consents', {
    grants_list: { ok: { grants: [grant] } },
    terms_diff: { error: { code: 'not_found', message: 'the wallet has not fetched version 1' } },
  });
  const dialog = await review(page);
  await expect(dialog.getByTestId('diff-unavailable')).toBeVisible();
  await expect(dialog.locator('blockquote')).toHaveText('One point per euro.');
  await expect(dialog).toContainText('It asks for: Points, Offers');
});

test('re-consent diff in French', async ({ page }) => {
  await open(
    page,
    '#/consents',
    { grants_list: { ok: { grants: [grant] } }, terms_diff: { ok: diff } },
    'fr',
  );
  const attention = page.getByRole('region', { name: 'À traiter' });
  await attention.getByRole('button', { name: /Examiner les nouvelles conditions de Bean Counter Coffee/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('diff-summary')).toHaveText('2 lignes ajoutées, 1 ligne supprimée.');
  await expect(dialog).toContainText('Supprimé : One point per visit.');
  await expect(dialog).toContainText('Nouveau :');
});

const access = {
  appId: 'app_beans',
  byCard: [
    {
      cardToken: 'tok_demo_visa',
      cardLast4: '4242',
      cardGone: false,
      purchases: 9,
      lastAccess: '2026-03-16T12:00:00Z',
      lastByScope: [{ scope: 'points', at: '2026-03-16T12:00:00Z' }],
    },
    { cardToken: 'tok_gone', cardLast4: '0005', cardGone: true, purchases: 2, lastAccess: '2026-03-02T12:00:00Z', lastByScope: [] },
  ],
  counts: [
    { kind: 'points.awarded', count: 9 },
    { kind: 'offer.issued', count: 2 },
  ],
  total: 11,
  firstAccess: '2026-03-01T09:00:00Z',
  lastAccess: '2026-03-16T12:00:00Z',
  violationCount: 7,
  recentViolations: [
    {
      eventId: 'evt_v16',
      occurredAt: '2026-03-16T12:00:00Z',
      kind: 'points.awarded',
      scope: 'points',
      cardToken: 'tok_demo_visa',
      reason: { kind: 'never_granted' },
      message: 'the app had no permission for this on this card at that time',
    },
    {
      eventId: 'evt_v15',
      occurredAt: '2026-03-15T12:00:00Z',
      kind: 'offer.issued',
      scope: 'offers',
      cardToken: 'tok_demo_visa',
      reason: { kind: 'not_active', status: 'revoked' },
      message: 'revoked',
    },
  ],
};

function beans(page: Page) {
  return page.getByRole('article').filter({ hasText: 'Bean Counter Coffee' });
}

test('access section is collapsed by default and loads the counts and violations when opened', async ({ page }) => {
  await open(page, '#/consents', { app_access: { ok: access } });
  const section = beans(page).getByTestId('app-access');
  await expect(section).not.toHaveAttribute('open', '');
  expect(await calls(page, 'app_access')).toEqual([]);

  await section.getByText('What this app received and sent you').click();
  // What it received: the purchases shared with it, per card (an unlinked one by its digits).
  const received = section.getByTestId('access-received').getByRole('listitem');
  await expect(received.nth(0)).toHaveText('Everyday •••• 4242: 9 purchases shared with it, the last on Mar 16, 2026, 12:00 PM');
  await expect(received.nth(1)).toContainText('Unlinked card ••0005: 2 purchases shared with it');
  await expect(section).not.toContainText('tok_gone');
  // What it sent: events by kind.
  const table = section.getByRole('table', { name: 'Events from Bean Counter Coffee, by kind' });
  await expect(table.getByRole('row', { name: 'Points 9' })).toBeVisible();
  await expect(table.getByRole('row', { name: 'Offer 2' })).toBeVisible();
  await expect(section).toContainText('11 events delivered');
  await expect(section.getByTestId('access-violations-title')).toHaveText(/7 violations: received without your permission/);
  await expect(section).toContainText('The latest 2:');
  const items = section.getByTestId('access-violations').getByRole('listitem');
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toContainText('The app never had this permission on this card at that time.');
  await expect(items.nth(1)).toContainText('The permission was “Revoked” when this happened.');
  expect(await calls(page, 'app_access')).toEqual([{ appId: 'app_beans' }]);
});

test('access section: an app that delivered nothing', async ({ page }) => {
  await open(page, '#/consents', {
    app_access: {
      ok: { ...access, byCard: [], counts: [], total: 0, firstAccess: null, lastAccess: null, violationCount: 0, recentViolations: [] },
    },
  });
  const section = beans(page).getByTestId('app-access');
  await section.getByText('What this app received and sent you').click();
  await expect(section.getByTestId('access-received-none')).toHaveText(
    'Bean Counter Coffee has not acted on any of your purchases: the platform has shared none with it.',
  );
  await expect(section).toContainText('Bean Counter Coffee has not delivered anything to this wallet.');
});

test('access section: an error offers to try again', async ({ page }) => {
  await open(page, '#/consents', { app_access: { error: { code: 'internal', message: 'disk full' } } });
  const failing = beans(page).getByTestId('app-access');
  await failing.getByText('What this app received and sent you').click();
  await expect(failing.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('access section in French', async ({ page }) => {
  await open(page, '#/consents', { app_access: { ok: access } }, 'fr');
  const section = beans(page).getByTestId('app-access');
  await section.getByText('Ce que cette application a reçu et vous a transmis').click();
  await expect(section).toContainText('9 achats transmis');
  await expect(section).toContainText('Carte déliée ••0005');
  await expect(section).toContainText('11 événements transmis');
  await expect(section.getByTestId('access-violations-title')).toContainText('7 violations');
});

test('the grant options offer "Reconfirm every 90 days" and renewal keeps the period', async ({ page }) => {
  const grantedAt = new Date(Date.now() - 80 * 86_400_000).toISOString();
  const expiresAt = new Date(Date.now() + 10 * 86_400_000).toISOString();
  const ending = {
    ...grant,
    appId: 'app_receipts',
    scope: 'receipts',
    status: 'active',
    pendingTermsVersion: null,
    // Paused by a terms change after it was granted: the period still counts from the grant.
    changedAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
    grantedAt,
    expiresAt,
  };
  await open(page, '#/consents', { grants_list: { ok: { grants: [ending] } } });
  const expiry = page.getByLabel('Ends');
  await expiry.selectOption({ label: 'Reconfirm every 90 days' });
  await expect(page.getByText('Renew gives it 90 more days')).toBeVisible();
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await attention.getByRole('button', { name: 'Renew for 90 days: Receipts for PaperLess Receipts on Everyday •••• 4242' }).click();
  const [request] = (await calls(page, 'grant_set')) as { expiry: unknown }[];
  expect(request?.expiry).toEqual({ kind: 'days', days: 90 });
});

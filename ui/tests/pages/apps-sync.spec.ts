import { expect, test } from '@playwright/test';
import { calls, open, receiptsAtSettlement, receiptsGrant } from './support';

test('grant cells show whether each change reached the platform', async ({ page }) => {
  await open(page, '#/consents', {
    grants_list: {
      ok: {
        grants: [
          receiptsGrant,
          {
            ...receiptsGrant,
            grantId: 'grt_2',
            appId: 'app_beans',
            scope: 'points',
            sync: { state: 'failed', attempts: 3, lastError: 'connection refused', nextAttemptAt: '2026-11-27T10:10:00Z' },
          },
          {
            ...receiptsGrant,
            grantId: 'grt_3',
            appId: 'app_beans',
            scope: 'offers',
            status: 'revoked',
            sync: { state: 'not_applied', attempts: 0, lastError: 'granted again on another device', nextAttemptAt: null },
          },
        ],
      },
    },
  });
  const receipts = page.getByRole('article').filter({ hasText: 'PaperLess Receipts' });
  await expect(receipts.getByTestId('grant-sync')).toHaveAttribute('data-sync', 'synced');
  await expect(receipts.getByTestId('grant-sync')).toHaveText('Synced');

  const beans = page.getByRole('article').filter({ hasText: 'Bean Counter Coffee' });
  const failed = beans.locator('[data-sync="failed"]');
  await expect(failed).toContainText('Not synced');
  await expect(failed).toContainText('The platform hasn’t taken this change yet; it’s kept here. Next try Nov 27, 2026');
  await expect(failed.getByText('connection refused')).toBeHidden();
  const notApplied = beans.locator('[data-sync="not_applied"]');
  await expect(notApplied).toContainText('Not applied');
  await expect(notApplied).toContainText('The platform settled this permission otherwise.');
  await notApplied.getByText('Details').click();
  await expect(notApplied.getByText('granted again on another device')).toBeVisible();
});

test('a new grant shows pending', async ({ page }) => {
  await open(page, '#/consents', {
    grant_set: {
      ok: {
        ...receiptsGrant,
        grantId: 'grt_9',
        appId: 'app_beans',
        scope: 'points',
        sync: { state: 'pending', attempts: 0, lastError: null, nextAttemptAt: null },
      },
    },
  });
  const beans = page.getByRole('article').filter({ hasText: 'Bean Counter Coffee' });
  await beans.getByRole('switch', { name: 'Points on Everyday •••• 4242' }).click();
  await expect(beans.locator('[data-sync="pending"]')).toHaveText('Waiting for the platform');
});

test('refresh directory fetches the apps again', async ({ page }) => {
  await open(page, '#/consents', { apps_refresh: { ok: { apps: 2 } } });
  await page.getByRole('button', { name: 'Refresh directory' }).click();
  await expect(page.getByTestId('directory-refreshed')).toHaveText('The platform lists 2 apps.');
  expect(await calls(page, 'apps_refresh')).toHaveLength(1);
  expect(await calls(page, 'apps_list')).toHaveLength(2);
});

test('an empty directory explains and offers a refresh; errors are shown', async ({ page }) => {
  await open(page, '#/consents', {
    apps_list: { ok: { apps: [] } },
    apps_refresh: { error: { code: 'platform_unavailable', message: 'connection refused' } },
  });
  await expect(page.getByText('No app can act on your cards.')).toBeVisible();
  await expect(page.getByText(/Refresh it to fetch the apps the platform lists/)).toBeVisible();
  await page.getByRole('button', { name: 'Refresh directory' }).click();
  await expect(page.getByRole('alert')).toContainText('Can’t reach the platform. Your changes are kept and will be sent when it’s back.');
});

test('no card yet points to the Cards screen', async ({ page }) => {
  await open(page, '#/consents', { cards_list: { ok: { cards: [] } } });
  await expect(page.getByText('Link a card first.')).toBeVisible();
  await page.getByRole('link', { name: 'Go to Cards to link one' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cards');
});

test('data rights: requests listed with status and due date; ask for access and deletion', async ({ page }) => {
  await open(page, '#/consents', {
    data_requests_list: {
      ok: {
        requests: [
          {
            id: 'dsr_0',
            appId: 'app_receipts',
            kind: 'deletion',
            status: 'in_progress',
            createdAt: '2026-10-01T10:00:00Z',
            dueAt: '2026-10-31T10:00:00Z',
            updatedAt: '2026-10-02T10:00:00Z',
          },
        ],
      },
    },
  });
  const receipts = page.getByRole('article').filter({ hasText: 'PaperLess Receipts' });
  const rights = receipts.getByTestId('data-rights');
  await rights.getByText('Your data at this app (1 request)').click();
  const list = rights.getByRole('list', { name: 'Data requests to PaperLess Receipts' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list).toContainText('Deletion of my data');
  await expect(list).toContainText('In progress');
  await expect(list).toContainText('asked Oct 1, 2026 · due Oct 31, 2026');

  await rights.getByRole('button', { name: 'Ask PaperLess Receipts for a copy of my data' }).click();
  await expect(rights.getByRole('status')).toHaveText('Request sent: PaperLess Receipts must give you your data by Dec 27, 2026.');
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list.getByRole('listitem').first()).toContainText('Copy of my data');
  await expect(list.getByRole('listitem').first()).toContainText('Received');

  await rights.getByRole('button', { name: 'Ask PaperLess Receipts to delete my data' }).click();
  await expect(page.getByRole('dialog')).toContainText('Your permissions do not change');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  expect(await calls(page, 'data_request_create')).toEqual([{ appId: 'app_receipts', kind: 'access' }]);

  // The other app has none.
  const beans = page.getByRole('article').filter({ hasText: 'Bean Counter Coffee' });
  await beans.getByText('Your data at this app (no request)').click();
  await expect(beans.getByText('No request yet.')).toBeVisible();
});

test('data rights: a failed list is shown', async ({ page }) => {
  await open(page, '#/consents', { data_requests_list: { error: { code: 'not_enrolled', message: 'enroll first' } } });
  const rights = page.getByRole('article').filter({ hasText: 'PaperLess Receipts' }).getByTestId('data-rights');
  await rights.locator('summary').first().click();
  await expect(rights.getByRole('alert')).toContainText('This wallet isn’t connected to a platform yet.');
});

test('renewal: grants ending within 14 days are listed and renewed with the same options', async ({ page }) => {
  const changedAt = new Date(Date.now() - 80 * 86_400_000).toISOString();
  const expiresAt = new Date(Date.now() + 10 * 86_400_000).toISOString();
  const ending = { ...receiptsGrant, ...receiptsAtSettlement, changedAt, grantedAt: changedAt, expiresAt };
  await open(page, '#/consents', { grants_list: { ok: { grants: [ending] } } });
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await expect(attention.getByTestId('expiring')).toContainText('PaperLess Receipts · Receipts on Everyday •••• 4242 ends');
  await expect(attention.getByTestId('expiring')).toContainText('(in 10 days)');
  await attention.getByRole('button', { name: 'Renew for 90 days: Receipts for PaperLess Receipts on Everyday •••• 4242' }).click();
  await expect(attention.getByRole('status')).toContainText('Receipts for PaperLess Receipts on Everyday •••• 4242 renewed');
  expect(await calls(page, 'grant_set')).toEqual([{ ...receiptsAtSettlement, expiry: { kind: 'days', days: 90 } }]);
});

test('re-consent: a grant waiting on new terms is reviewed and accepted', async ({ page }) => {
  const paused = { ...receiptsGrant, appId: 'app_beans', scope: 'points', status: 'needs_reconsent', termsVersion: 1, pendingTermsVersion: 2 };
  await open(page, '#/consents', {
    grants_list: { ok: { grants: [paused] } },
    grant_set: { ok: { ...paused, status: 'active', termsVersion: 2, pendingTermsVersion: null } },
  });
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await expect(attention.getByTestId('needs-reconsent')).toContainText('Bean Counter Coffee changed its terms (version 1 → 2)');
  await attention.getByRole('button', { name: 'Review the new terms of Bean Counter Coffee for Points on Everyday •••• 4242' }).click();
  const dialog = page.getByRole('dialog', { name: 'New terms from Bean Counter Coffee' });
  await expect(dialog).toContainText('One point per euro.');
  await expect(dialog).toContainText('under version 1 of the terms');
  await dialog.getByRole('button', { name: 'Accept and keep the permission' }).click();
  await expect(page.getByText('Points for Bean Counter Coffee on Everyday •••• 4242 continues under the new terms.')).toBeVisible();
  await expect(attention.getByTestId('needs-reconsent')).toHaveCount(0);
  const [request] = (await calls(page, 'grant_set')) as { scope: string }[];
  expect(request?.scope).toBe('points');
});

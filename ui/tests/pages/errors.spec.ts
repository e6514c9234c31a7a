import { expect, test, type Page } from '@playwright/test';
import { enrolledStatus, open, receiptsGrant } from './support';

// What the backend really says when the platform is down: technical, English, long.
const RAW =
  'error sending request for url (http://127.0.0.1:7878/v1/events?after=0&limit=100): ' +
  'client error (Connect): tcp connect error: Connection refused (os error 111)';

function syncStatus(lastError: { code: string; message: string } | null) {
  return enrolledStatus({ pendingChanges: 2, lastError });
}

async function expectRawBehindDetails(page: Page, scope: ReturnType<Page['locator']>, summary: string) {
  const raw = scope.getByText(RAW);
  await expect(raw).toBeHidden();
  await scope.getByText(summary, { exact: true }).click();
  await expect(raw).toBeVisible();
}

const cases = [
  {
    lang: 'en',
    sentence: 'Can’t reach the platform. Your changes are kept and will be sent when it’s back.',
    action: 'Try again in a moment, or check Settings → Platform.',
    details: 'Details',
  },
  {
    lang: 'fr',
    sentence: 'Impossible de joindre la plateforme. Vos changements sont conservés et seront envoyés dès son retour.',
    action: 'Réessayez dans un instant, ou vérifiez Réglages → Plateforme.',
    details: 'Détails',
  },
];

for (const c of cases) {
  test(`a failed command reads as a sentence and a next step (${c.lang})`, async ({ page }) => {
    await open(page, '#/cards', { cards_list: { error: { code: 'platform_unavailable', message: RAW } } }, c.lang);
    const alert = page.getByRole('main').getByRole('alert');
    await expect(alert).toContainText(c.sentence);
    await expect(alert).toContainText(c.action);
    await expect(alert).toHaveAttribute('data-code', 'platform_unavailable');
    await expectRawBehindDetails(page, alert, c.details);
  });
}

test('an unknown failure falls back to a plain sentence, the detail still behind Details', async ({ page }) => {
  await open(page, '#/cards', { cards_list: { error: { code: 'internal', message: 'database is locked' } } }, 'fr');
  const alert = page.getByRole('main').getByRole('alert');
  await expect(alert.locator('strong')).toHaveText('Une erreur est survenue dans Consentry.');
  await expect(alert.getByText('database is locked')).toBeHidden();
});

const syncCases = [
  {
    lang: 'en',
    line: 'Can’t reach the platform. Your changes are kept and will be sent when it’s back.',
    heading: 'Last sync problem',
    details: 'Details',
  },
  {
    lang: 'fr',
    line: 'Impossible de joindre la plateforme. Vos changements sont conservés et seront envoyés dès son retour.',
    heading: 'Dernier problème de synchro',
    details: 'Détails',
  },
];

for (const c of syncCases) {
  test(`status bar: a sync failure is one human line, the raw error only in its tooltip (${c.lang})`, async ({ page }) => {
    await page.setViewportSize({ width: 760, height: 700 });
    await open(page, '#/cards', { sync_status: { ok: syncStatus({ code: 'unreachable', message: RAW }) } }, c.lang);
    const state = page.getByTestId('sync-state');
    await expect(state).toHaveText(c.line);
    await expect(state).toHaveAttribute('data-kind', 'error');
    await expect(page.getByRole('contentinfo')).not.toContainText('tcp connect');
    await expect(state).toHaveAttribute('title', new RegExp('os error 111'));

    // One line: no wrapping, an ellipsis when it does not fit, a footer one line high.
    const style = await state.evaluate((el) => {
      const css = getComputedStyle(el);
      return { whiteSpace: css.whiteSpace, textOverflow: css.textOverflow, overflow: css.overflowX };
    });
    expect(style).toEqual({ whiteSpace: 'nowrap', textOverflow: 'ellipsis', overflow: 'hidden' });
    // At this width the sentence does not fit: it is cut, not wrapped.
    expect(await state.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const line = (await page.getByTestId('lock-state').boundingBox())?.height ?? 0;
    expect(line).toBeGreaterThan(0);
    expect((await state.boundingBox())?.height).toBeLessThanOrEqual(line * 1.2);
    expect((await page.getByRole('contentinfo').boundingBox())?.height).toBeLessThan(line * 2);

    // Details leads to Settings → Platform, where the whole story is.
    await page.getByTestId('sync-details').click();
    const problem = page.getByTestId('platform-sync-problem');
    await expect(problem.getByRole('heading', { name: c.heading })).toBeVisible();
    await expect(problem.getByRole('alert')).toContainText(c.line);
    await expectRawBehindDetails(page, problem, c.details);
  });
}

test('a permission that failed to sync says so in words, the platform’s answer behind Details', async ({ page }) => {
  const raw = 'the platform answered 500 injected_fault';
  await open(
    page,
    '#/consents',
    {
      grants_list: {
        ok: {
          grants: [
            { ...receiptsGrant, channels: ['card'], sync: { state: 'failed', attempts: 2, lastError: raw, nextAttemptAt: null } },
          ],
        },
      },
    },
    'fr',
  );
  const badge = page.locator('[data-sync="failed"]');
  await expect(badge).toContainText('Non synchronisé');
  await expect(badge).toContainText('La plateforme n’a pas encore pris en compte ce changement ; il est conservé ici.');
  await expect(badge.getByText(raw)).toBeHidden();
  await badge.getByText('Détails').click();
  await expect(badge.getByText(raw)).toBeVisible();
});

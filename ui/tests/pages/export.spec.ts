// The Export screen: the archive's password typed twice (a mismatch refused before anything is
// asked or written), and progress and result told in the same unit, events.
import { expect, test, type Page } from '@playwright/test';
import { callsOf, emitExportProgress, open, seriousViolations } from './support';

/** An export that runs until the test ends it with `__finish()`, answering `events` events. */
async function openRunning(page: Page, events: number, lang = 'en') {
  await page.addInitScript(
    ([n, l]) => {
      const w = window as unknown as { __CONSENTRY_MOCK__: object; __finish: () => void };
      w.__finish = () => {};
      w.__CONSENTRY_MOCK__ = {
        export_history: {
          handle: () =>
            new Promise((resolve) => {
              w.__finish = () =>
                resolve({
                  format: 'json',
                  destination: '/home/cardholder/consentry.json',
                  events: n,
                  files: [{ name: 'consentry.json', rows: n }],
                  bytes: 4096,
                  encrypted: false,
                });
            }),
        },
      };
      localStorage.setItem('consentry.locale', l as string);
    },
    [events, lang] as const,
  );
  await page.goto('/#/export');
}

test('export: the archive password is typed twice; two different ones are refused before anything is asked', async ({ page }) => {
  await open(page, '#/export');
  const password = page.getByLabel('Archive password', { exact: true });
  const again = page.getByLabel('Archive password again');
  const submit = page.getByRole('button', { name: 'Export', exact: true });

  await password.fill('correct horse');
  await again.fill('correct hose');
  await submit.click();
  const mismatch = page.getByTestId('export-password-mismatch');
  await expect(mismatch).toHaveText(
    'The two passwords are not the same: type the same password in both fields. Nothing was exported.',
  );
  await expect(mismatch).toHaveRole('alert');
  await expect(again).toBeFocused();
  await expect(again).toHaveAttribute('aria-invalid', 'true');
  await expect(again).toHaveAccessibleDescription(/not the same/);
  // Nothing reached the backend: no save dialog, no file.
  expect(await callsOf(page, 'export_history')).toHaveLength(0);
  await expect(page.getByTestId('export-done')).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  // An empty second field is a mismatch too.
  await again.fill('');
  await expect(mismatch).toHaveCount(0);
  await submit.click();
  await expect(mismatch).toBeVisible();
  expect(await callsOf(page, 'export_history')).toHaveLength(0);

  await again.fill('correct horse');
  await expect(mismatch).toHaveCount(0);
  await expect(again).toHaveAttribute('aria-invalid', 'false');
  await submit.click();
  await expect(page.getByTestId('export-done')).toContainText('Exported 1,312 events');
  const sent = await callsOf(page, 'export_history');
  expect(sent).toHaveLength(1);
  expect(sent[0]?.request).toMatchObject({ format: 'archive', password: 'correct horse' });
  // Neither password stays on the page once the export is done.
  await expect(password).toHaveValue('');
  await expect(again).toHaveValue('');
});

test('export : deux mots de passe différents sont refusés, en français', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page, '#/export', {}, 'fr');
  await page.getByLabel('Mot de passe de l’archive', { exact: true }).fill('cheval correct');
  await page.getByLabel('Mot de passe de l’archive, une seconde fois').fill('cheval correcte');
  await page.getByRole('button', { name: 'Exporter', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Les deux mots de passe ne sont pas identiques : tapez le même dans les deux champs. Rien n’a été exporté.',
  );
  expect(await callsOf(page, 'export_history')).toHaveLength(0);
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('Mot de passe de l’archive, une seconde fois').fill('cheval correct');
  await page.getByRole('button', { name: 'Exporter', exact: true }).click();
  await expect(page.getByTestId('export-done')).toContainText('1 312 événements exportés');
  expect(await callsOf(page, 'export_history')).toHaveLength(1);
});

test('export: the progress counts events, as the result does', async ({ page }) => {
  await openRunning(page, 1312);
  await page.getByRole('radio', { name: /^JSON/ }).check();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const progress = page.getByTestId('export-progress');
  await emitExportProgress(page, 656, 1312);
  await expect(progress).toContainText('656 of 1,312 events (50%)');
  await emitExportProgress(page, 1312, 1312);
  await expect(progress).toContainText('1,312 of 1,312 events (100%)');
  await page.evaluate(() => (window as unknown as { __finish: () => void }).__finish());
  await expect(page.getByTestId('export-done')).toHaveText('Exported 1,312 events to /home/cardholder/consentry.json.');
});

test('export : la progression compte des événements, en français, au singulier aussi', async ({ page }) => {
  await openRunning(page, 1, 'fr');
  await page.getByRole('radio', { name: /^JSON/ }).check();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Exporter', exact: true }).click();
  await emitExportProgress(page, 1, 1);
  await expect(page.getByTestId('export-progress')).toContainText('1 sur 1 événement (100 %)');
  await page.evaluate(() => (window as unknown as { __finish: () => void }).__finish());
  await expect(page.getByTestId('export-done')).toHaveText('1 événement exporté vers /home/cardholder/consentry.json.');
});

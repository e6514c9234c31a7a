// The Export screen: progress and result told in the same unit, events.
import { expect, test, type Page } from '@playwright/test';

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

async function emitProgress(page: Page, eventsDone: number, eventsTotal: number) {
  await page.evaluate(
    ([done, total]) =>
      (
        window as unknown as { __CONSENTRY_MOCK_IPC__: { emit: (e: string, p: object) => void } }
      ).__CONSENTRY_MOCK_IPC__.emit('export_progress', { run: 1, eventsDone: done, eventsTotal: total, running: true }),
    [eventsDone, eventsTotal],
  );
}

test('export: the progress counts events, as the result does', async ({ page }) => {
  await openRunning(page, 1312);
  await page.getByRole('radio', { name: /^JSON/ }).check();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const progress = page.getByTestId('export-progress');
  await emitProgress(page, 656, 1312);
  await expect(progress).toContainText('656 of 1,312 events (50%)');
  await emitProgress(page, 1312, 1312);
  await expect(progress).toContainText('1,312 of 1,312 events (100%)');
  await page.evaluate(() => (window as unknown as { __finish: () => void }).__finish());
  await expect(page.getByTestId('export-done')).toHaveText('Exported 1,312 events to /home/cardholder/consentry.json.');
});

test('export : la progression compte des événements, en français, au singulier aussi', async ({ page }) => {
  await openRunning(page, 1, 'fr');
  await page.getByRole('radio', { name: /^JSON/ }).check();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Exporter', exact: true }).click();
  await emitProgress(page, 1, 1);
  await expect(page.getByTestId('export-progress')).toContainText('1 sur 1 événement (100 %)');
  await page.evaluate(() => (window as unknown as { __finish: () => void }).__finish());
  await expect(page.getByTestId('export-done')).toHaveText('1 événement exporté vers /home/cardholder/consentry.json.');
});

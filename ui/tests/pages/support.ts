// What every page test does first: open a route of the built UI with the mock IPC scripted by a
// scenario (see src/ipc/mock.ts), and read back what the page sent to it.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import type { GrantView } from '../../src/ipc';
import { syncedStatus } from '../../src/ipc/mock';

// The default scenario's records, for tests that vary one of them.
export { demoCard, receiptsApp, receiptsGrant } from '../../src/ipc/mock';
export { feedEvent } from '../../src/ipc/mock-activity';
export { ledgerEntry } from '../../src/ipc/mock-consents';

/**
 * The receipts permission's key with settings of its own (contactless, at settlement, from
 * €5.00): spread into a grant to give it them, or into a `grant_set` request that sends them.
 */
export const receiptsAtSettlement: Pick<GrantView, 'appId' | 'cardToken' | 'scope' | 'channels' | 'trigger' | 'minPurchase'> = {
  appId: 'app_receipts',
  cardToken: 'tok_demo_visa',
  scope: 'receipts',
  channels: ['nfc'],
  trigger: 'settlement',
  minPurchase: { minor: 500, currency: 'EUR' },
};

/** One command the page sent to the mock IPC. */
export type Call = { command: string; request: Record<string, unknown> };

/** Opens `hash` (`#/cards` …) in `lang`, the mock IPC answering as `scenario` says. */
export async function open(page: Page, hash: string, scenario: object = {}, lang = 'en') {
  await page.addInitScript(
    ([s, l]) => {
      (window as unknown as { __CONSENTRY_MOCK__: object }).__CONSENTRY_MOCK__ = s as object;
      localStorage.setItem('consentry.locale', l as string);
    },
    [scenario, lang],
  );
  await page.goto(`/${hash}`);
}

/** Every `command` the page sent, oldest first. */
export async function callsOf(page: Page, command: string): Promise<Call[]> {
  return page.evaluate(
    (name) =>
      ((window as unknown as { __CONSENTRY_MOCK_IPC__?: { calls: Call[] } }).__CONSENTRY_MOCK_IPC__?.calls ?? []).filter(
        (c) => c.command === name,
      ),
    command,
  );
}

/** The requests of every `command` the page sent, oldest first. */
export async function calls(page: Page, command: string): Promise<unknown[]> {
  return (await callsOf(page, command)).map((c) => c.request);
}

/** A `sync_status` answer for a wallet enrolled on the demo platform, with `over` applied. */
export function enrolledStatus(over: object = {}) {
  return { ...syncedStatus, ...over };
}

/** Has the mock IPC send `event` with `payload` to the page, as the backend would. */
export async function emit(page: Page, event: string, payload: object) {
  await page.evaluate(
    ([name, body]) => {
      const mock = window.__CONSENTRY_MOCK_IPC__;
      if (!mock) throw new Error('this page has no mock IPC');
      mock.emit(name as never, body as never);
    },
    [event, payload] as const,
  );
}

/** An export's progress, as the backend reports it while run 1 goes on. */
export async function emitExportProgress(page: Page, eventsDone: number, eventsTotal: number) {
  await emit(page, 'export_progress', { run: 1, eventsDone, eventsTotal, running: true });
}

/** What axe-core finds serious or critical on the page as it stands: none is the bar. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/**
 * Opens `hash` in two new pages of the same context: one where `command` never answers (the
 * screen says it is loading), one where it fails with `error` (the screen says `explained` and
 * offers to try again).
 */
export async function expectLoadingAndFailure(
  page: Page,
  hash: string,
  command: string,
  error: { code: string; message: string },
  explained: string,
) {
  const pending = await page.context().newPage();
  await open(pending, hash, { [command]: { pending: true } });
  await expect(pending.getByRole('main').getByRole('status')).toHaveText('Loading…');

  const failing = await page.context().newPage();
  await open(failing, hash, { [command]: { error } });
  await expect(failing.getByRole('alert')).toContainText(explained);
  await expect(failing.getByRole('button', { name: 'Try again' })).toBeVisible();
}

// What every page test does first: open a route of the built UI with the mock IPC scripted by a
// scenario (see src/ipc/mock.ts), and read back what the page sent to it.
import type { Page } from '@playwright/test';

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
  return {
    active: true,
    enrolled: true,
    syncing: false,
    lastSuccessAt: '2026-11-27T10:05:00Z',
    pendingChanges: 0,
    lastError: null,
    nextRetryAt: null,
    quarantined: 0,
    violations: 0,
    eventsReceived: 0,
    conflicts: 0,
    openConflicts: 0,
    feedGaps: 0,
    unendorsedKeys: 0,
    platformClaims: 0,
    paired: true,
    platform: {
      url: 'http://127.0.0.1:7878/',
      cardholderId: 'ch_demo',
      deviceName: 'Consentry on laptop',
      enrolledAt: '2026-11-27T09:00:00Z',
      canAddDevices: true,
    },
    ...over,
  };
}

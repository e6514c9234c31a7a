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

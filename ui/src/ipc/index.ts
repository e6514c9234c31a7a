// The only door to the backend. Screens import `ipc` from here, never @tauri-apps/*.
import type { MockIpc, MockScenario } from './mock';
import { createMockIpc } from './mock';
import type { Ipc } from './seam';
import { isTauri, tauriIpc } from './tauri';

export type { Ipc, Request, Response } from './seam';
export { IpcError, toIpcError } from './seam';
export type * from './generated';

declare global {
  interface Window {
    /** Set by page tests before the app loads to script the mock backend. */
    __CONSENTRY_MOCK__?: MockScenario;
    /** The mock backend, for page tests that emit events. */
    __CONSENTRY_MOCK_IPC__?: MockIpc;
  }
}

function pick(): Ipc {
  if (isTauri()) return tauriIpc;
  const mock = createMockIpc(typeof window === 'undefined' ? {} : window.__CONSENTRY_MOCK__);
  if (typeof window !== 'undefined') window.__CONSENTRY_MOCK_IPC__ = mock;
  return mock;
}

export const ipc: Ipc = pick();

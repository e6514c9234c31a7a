// The real transport: Tauri's invoke and event system. Every command takes one `request`.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Ipc } from './seam';
import { toIpcError } from './seam';

export const tauriIpc: Ipc = {
  async call(command, request) {
    try {
      return await invoke(command, { request });
    } catch (raw) {
      throw toIpcError(raw);
    }
  },
  async listen(event, handler) {
    return listen(event, (e) => handler(e.payload as Parameters<typeof handler>[0]));
  },
};

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

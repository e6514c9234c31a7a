// The real transport: Tauri's invoke. Every command takes one `request` argument.
import { invoke } from '@tauri-apps/api/core';
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
};

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

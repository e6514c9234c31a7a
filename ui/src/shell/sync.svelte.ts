// The wallet's link with the platform, for the status bar and Settings: loaded once, then
// followed through the backend's `sync_status` event. `revision` moves when what the platform
// acknowledged or delivered changed, so screens can reload their grants and cards quietly.
import { untrack } from 'svelte';
import { ipc, IpcError, toIpcError, type SyncProblem, type SyncStatusView } from '../ipc';

export type SyncSummary =
  | { kind: 'unknown' }
  | { kind: 'offline' }
  | { kind: 'paused' }
  | { kind: 'syncing' }
  | { kind: 'error'; problem: SyncProblem; nextRetryAt: string | null }
  | { kind: 'pending'; count: number }
  | { kind: 'synced'; at: string | null };

/** The one line the status bar shows, most urgent first. */
export function summarize(status: SyncStatusView | null): SyncSummary {
  if (status === null) return { kind: 'unknown' };
  if (!status.enrolled) return { kind: 'offline' };
  if (!status.active) return { kind: 'paused' };
  if (status.syncing) return { kind: 'syncing' };
  if (status.lastError) return { kind: 'error', problem: status.lastError, nextRetryAt: status.nextRetryAt };
  if (status.pendingChanges > 0) return { kind: 'pending', count: status.pendingChanges };
  return { kind: 'synced', at: status.lastSuccessAt };
}

/** Whether going from `before` to `after` may have changed grants or cards on screen. */
export function changedData(before: SyncStatusView | null, after: SyncStatusView): boolean {
  if (before === null) return false;
  return (
    before.pendingChanges !== after.pendingChanges ||
    before.eventsReceived !== after.eventsReceived ||
    before.conflicts !== after.conflicts ||
    before.lastSuccessAt !== after.lastSuccessAt ||
    before.lastError?.code !== after.lastError?.code ||
    before.lastError?.message !== after.lastError?.message
  );
}

class SyncStore {
  status = $state<SyncStatusView | null>(null);
  loadError = $state<IpcError | null>(null);
  /** The last `sync_now` failure, until the next success. */
  syncError = $state<IpcError | null>(null);
  requesting = $state(false);
  revision = $state(0);

  set(next: SyncStatusView): void {
    if (changedData(this.status, next)) this.revision++;
    this.status = next;
    this.loadError = null;
  }

  async load(): Promise<void> {
    try {
      this.set(await ipc.call('sync_status', {}));
    } catch (e) {
      this.loadError = toIpcError(e);
    }
  }

  listen(): () => void {
    let stop: (() => void) | undefined;
    let stopped = false;
    void ipc.listen('sync_status', (status) => this.set(status)).then((s) => {
      if (stopped) s();
      else stop = s;
    });
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async syncNow(): Promise<void> {
    this.requesting = true;
    this.syncError = null;
    try {
      this.set(await ipc.call('sync_now', {}));
    } catch (e) {
      this.syncError = toIpcError(e);
    } finally {
      this.requesting = false;
    }
  }
}

export const sync = new SyncStore();

/**
 * Calls `reload` each time a sync changes what the platform acknowledged or delivered (not at
 * first): for a component's setup, so that it stops with the component.
 */
export function onSyncChange(reload: () => void): void {
  let seen = sync.revision;
  $effect(() => {
    const revision = sync.revision;
    if (revision === seen) return;
    seen = revision;
    untrack(reload);
  });
}

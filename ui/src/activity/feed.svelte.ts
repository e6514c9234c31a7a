// The activity feed's state: filters, the loaded rows (keyset pages; a purchase is one row
// with its events), loading more as the list scrolls, and prepending what arrived since,
// without reloading: a purchase that got a new event moves up to it.
import { ipc, IpcError, type ActivityItem, type ActivityListRequest } from '../ipc';
import { endOfLocalDay, startOfLocalDay } from '../lib/format';
import { appendPage, prependFresh } from './rows';
import { KIND_GROUPS } from './summary';

/** Rows per page: a purchase row carries its events, about ten. */
export const PAGE_SIZE = 50;
/** Newer pages fetched in one refresh before giving up and reloading from the top. */
const MAX_NEWER_PAGES = 10;

export interface ActivityFilters {
  cardToken: string;
  appId: string;
  /** A key of KIND_GROUPS, or '' for every kind. */
  kind: string;
  /** `YYYY-MM-DD` (local), or ''. */
  fromDay: string;
  toDay: string;
  search: string;
  violationsOnly: boolean;
}

export function emptyFilters(): ActivityFilters {
  return { cardToken: '', appId: '', kind: '', fromDay: '', toDay: '', search: '', violationsOnly: false };
}

export function requestFor(
  filters: ActivityFilters,
  page: { cursor?: string | null; newerThan?: string | null; limit?: number } = {},
): ActivityListRequest {
  const search = filters.search.trim();
  return {
    cardToken: filters.cardToken || null,
    appId: filters.appId || null,
    kinds: filters.kind ? (KIND_GROUPS[filters.kind] ?? []) : [],
    from: filters.fromDay ? startOfLocalDay(filters.fromDay) : null,
    until: filters.toDay ? endOfLocalDay(filters.toDay) : null,
    violationsOnly: filters.violationsOnly,
    search: search || null,
    cursor: page.cursor ?? null,
    newerThan: page.newerThan ?? null,
    limit: page.limit ?? PAGE_SIZE,
  };
}

function asIpcError(raw: unknown): IpcError {
  return raw instanceof IpcError ? raw : new IpcError({ code: 'internal', message: String(raw) });
}

export class ActivityFeed {
  /** Raw (not deeply reactive): a million rows must not become a million proxies. */
  items = $state.raw<ActivityItem[]>([]);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<IpcError | null>(null);
  loadingMore = $state(false);
  hasMore = $state(false);
  /** How many rows the last refresh prepended (for the live announcement). */
  arrived = $state(0);
  #cursor: string | null = null;
  #filters: ActivityFilters = emptyFilters();
  /** Bumped on every reset, so answers to an older filter are dropped. */
  #generation = 0;

  async reset(filters: ActivityFilters): Promise<void> {
    this.#filters = { ...filters };
    const generation = ++this.#generation;
    this.status = 'loading';
    this.error = null;
    this.arrived = 0;
    try {
      const page = await ipc.call('activity_list', requestFor(this.#filters));
      if (generation !== this.#generation) return;
      this.items = page.items;
      this.#cursor = page.nextCursor;
      this.hasMore = page.nextCursor !== null;
      this.status = 'ready';
    } catch (raw) {
      if (generation !== this.#generation) return;
      this.error = asIpcError(raw);
      this.status = 'error';
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore || !this.hasMore || this.#cursor === null || this.status !== 'ready') return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await ipc.call('activity_list', requestFor(this.#filters, { cursor: this.#cursor }));
      if (generation !== this.#generation) return;
      this.items = appendPage(this.items, page.items);
      this.#cursor = page.nextCursor;
      this.hasMore = page.nextCursor !== null;
    } catch (raw) {
      if (generation === this.#generation) this.error = asIpcError(raw);
    } finally {
      if (generation === this.#generation) this.loadingMore = false;
    }
  }

  /** Prepends rows newer than the first one. */
  async refreshNewer(): Promise<void> {
    if (this.status !== 'ready') return;
    const first = this.items[0];
    if (!first) {
      await this.reset(this.#filters);
      return;
    }
    const generation = this.#generation;
    let head = first.cursor;
    let fresh: ActivityItem[] = [];
    try {
      for (let i = 0; i < MAX_NEWER_PAGES; i++) {
        const page = await ipc.call('activity_list', requestFor(this.#filters, { newerThan: head }));
        if (generation !== this.#generation) return;
        fresh = page.items.concat(fresh);
        const top = page.items[0];
        if (!page.moreNewer || !top) break;
        head = top.cursor;
        if (i === MAX_NEWER_PAGES - 1) {
          await this.reset(this.#filters);
          return;
        }
      }
    } catch {
      return; // A failed background refresh leaves the list as it is; the next one retries.
    }
    if (fresh.length === 0) return;
    const merged = prependFresh(this.items, fresh);
    this.items = merged.items;
    this.arrived = merged.arrived;
  }
}

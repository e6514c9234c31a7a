// Apps, cards and grants for the permission matrix, refreshed after every change.
import { ipc, type AppView, type CardView, type GrantView, type Scope } from '../ipc';

export function grantKey(appId: string, cardToken: string, scope: Scope): string {
  return `${appId}|${cardToken}|${scope}`;
}

class ConsentsStore {
  apps = $state<AppView[]>([]);
  cards = $state<CardView[]>([]);
  grants = $state<Record<string, GrantView>>({});
  loading = $state(true);
  error = $state<unknown>(null);
  /** Counts the changes put here: a list read before the latest one is stale. */
  #changes = 0;

  async load(): Promise<void> {
    this.loading = true;
    const seen = this.#changes;
    try {
      const [apps, cards, grants] = await Promise.all([
        ipc.call('apps_list', {}),
        ipc.call('cards_list', {}),
        ipc.call('grants_list', { appId: null, cardToken: null }),
      ]);
      this.apps = apps.apps;
      this.cards = cards.cards;
      // A change made while the list was read is newer than the list: read the grants again.
      if (seen === this.#changes) this.setGrants(grants.grants);
      else void this.refreshQuietly();
      this.error = null;
    } catch (e) {
      this.error = e;
    } finally {
      this.loading = false;
    }
  }

  /** Grants and cards again, without a loading state (after a sync brought changes). */
  async refreshQuietly(): Promise<void> {
    const seen = this.#changes;
    try {
      const [cards, grants] = await Promise.all([
        ipc.call('cards_list', {}),
        ipc.call('grants_list', { appId: null, cardToken: null }),
      ]);
      this.cards = cards.cards;
      // A change made while the list was read is newer than the list: read the grants again.
      if (seen !== this.#changes) {
        void this.refreshQuietly();
        return;
      }
      this.setGrants(grants.grants);
    } catch {
      // The next full load shows the error; a background refresh keeps what is on screen.
    }
  }

  get list(): GrantView[] {
    return Object.values(this.grants);
  }

  setGrants(list: GrantView[]): void {
    this.grants = Object.fromEntries(list.map((g) => [grantKey(g.appId, g.cardToken, g.scope), g]));
  }

  put(grant: GrantView): void {
    this.#changes++;
    this.grants = { ...this.grants, [grantKey(grant.appId, grant.cardToken, grant.scope)]: grant };
  }

  grant(appId: string, cardToken: string, scope: Scope): GrantView | undefined {
    return this.grants[grantKey(appId, cardToken, scope)];
  }
}

export const consents = new ConsentsStore();

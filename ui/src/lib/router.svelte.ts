// Hash routes: each screen of the app is one route with its own component; a few pages are
// reached from a screen rather than the navigation (an app's page, one of its permissions)
// and take their parameters from the rest of the hash.
import type { Component } from 'svelte';
import { place } from './place.svelte';

/** A screen's code, fetched the first time it is shown: the first screen (unlock) loads none. */
export type ScreenLoader = () => Promise<{ default: Component }>;

export interface Route {
  readonly path: string;
  /** i18n key of the navigation label. */
  readonly label: string;
  readonly load: ScreenLoader;
  /** For a page under a screen: the screen's path (what the navigation marks as current). */
  readonly section?: string;
}

export const ROUTES: readonly Route[] = [
  { path: 'cards', label: 'nav.cards', load: () => import('../cards/CardsScreen.svelte') },
  { path: 'consents', label: 'nav.consents', load: () => import('../consents/AppsScreen.svelte') },
  { path: 'activity', label: 'nav.activity', load: () => import('../activity/ActivityScreen.svelte') },
  { path: 'rewards', label: 'nav.rewards', load: () => import('../rewards/RewardsScreen.svelte') },
  { path: 'export', label: 'nav.export', load: () => import('../export/ExportScreen.svelte') },
  { path: 'settings', label: 'nav.settings', load: () => import('../settings/SettingsScreen.svelte') },
];

/** `apps/<appId>`: one app's page; `apps/<appId>/<cardToken>/<scope>`: one of its permissions. */
export const APP_PAGE: Route = {
  path: 'apps',
  label: 'nav.consents',
  load: () => import('../consents/AppPage.svelte'),
  section: 'consents',
};
export const GRANT_PAGE: Route = {
  path: 'apps',
  label: 'nav.consents',
  load: () => import('../consents/GrantDetail.svelte'),
  section: 'consents',
};

// A cache of loaded code, never shown as such: nothing needs to react to it.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const screens = new Map<ScreenLoader, Component>();

/** The route's screen if its code is already here (shown without waiting), else `null`. */
export function loadedScreen(route: Route): Component | null {
  return screens.get(route.load) ?? null;
}

/** The route's screen, its code fetched once. */
export async function loadScreen(route: Route): Promise<Component> {
  const known = screens.get(route.load);
  if (known) return known;
  const { default: screen } = await route.load();
  screens.set(route.load, screen);
  return screen;
}

const FALLBACK = ROUTES[0] as Route;

function segments(hash: string): string[] {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
}

export function routeFor(hash: string): Route {
  const [path = '', ...rest] = segments(hash);
  if (path === 'apps' && rest.length === 1 && rest[0]) return APP_PAGE;
  if (path === 'apps' && rest.length === 3 && rest.every(Boolean)) return GRANT_PAGE;
  if (rest.length > 0) return FALLBACK;
  return ROUTES.find((route) => route.path === path) ?? FALLBACK;
}

/** The parameters after the route's own path: `['app_x']` for `#/apps/app_x`. */
export function paramsFor(hash: string): string[] {
  return segments(hash).slice(1);
}

/** The path the navigation marks as current for this route. */
export function sectionOf(route: Route): string {
  return route.section ?? route.path;
}

/** The current route, following `location.hash`. */
export class Router {
  current = $state<Route>(FALLBACK);
  params = $state<string[]>([]);

  constructor() {
    this.follow(globalThis.location?.hash ?? '');
  }

  private follow(hash: string): void {
    this.current = routeFor(hash);
    this.params = this.current.section ? paramsFor(hash) : [];
    place.params = this.params;
  }

  listen(): () => void {
    const onChange = () => this.follow(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }
}

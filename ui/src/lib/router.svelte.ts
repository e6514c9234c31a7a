// Hash routes: each screen of the app is one route with its own component; a few pages are
// reached from a screen rather than the navigation (an app's page, one of its permissions)
// and take their parameters from the rest of the hash.
import type { Component } from 'svelte';
import CardsScreen from '../cards/CardsScreen.svelte';
import AppsScreen from '../consents/AppsScreen.svelte';
import ActivityScreen from '../activity/ActivityScreen.svelte';
import RewardsScreen from '../rewards/RewardsScreen.svelte';
import ExportScreen from '../export/ExportScreen.svelte';
import SettingsScreen from '../settings/SettingsScreen.svelte';
import AppPage from '../consents/AppPage.svelte';
import GrantDetail from '../consents/GrantDetail.svelte';
import { place } from './place.svelte';

export interface Route {
  readonly path: string;
  /** i18n key of the navigation label. */
  readonly label: string;
  readonly component: Component;
  /** For a page under a screen: the screen's path (what the navigation marks as current). */
  readonly section?: string;
}

export const ROUTES: readonly Route[] = [
  { path: 'cards', label: 'nav.cards', component: CardsScreen },
  { path: 'consents', label: 'nav.consents', component: AppsScreen },
  { path: 'activity', label: 'nav.activity', component: ActivityScreen },
  { path: 'rewards', label: 'nav.rewards', component: RewardsScreen },
  { path: 'export', label: 'nav.export', component: ExportScreen },
  { path: 'settings', label: 'nav.settings', component: SettingsScreen },
];

/** `apps/<appId>`: one app's page; `apps/<appId>/<cardToken>/<scope>`: one of its permissions. */
export const APP_PAGE: Route = { path: 'apps', label: 'nav.consents', component: AppPage, section: 'consents' };
export const GRANT_PAGE: Route = { path: 'apps', label: 'nav.consents', component: GrantDetail, section: 'consents' };

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

// Hash routes: each screen of the app is one route with its own component.
import type { Component } from 'svelte';
import CardsScreen from '../cards/CardsScreen.svelte';
import AppsScreen from '../consents/AppsScreen.svelte';
import ActivityScreen from '../activity/ActivityScreen.svelte';
import RewardsScreen from '../rewards/RewardsScreen.svelte';
import ExportScreen from '../export/ExportScreen.svelte';
import SettingsScreen from '../settings/SettingsScreen.svelte';

export interface Route {
  readonly path: string;
  /** i18n key of the navigation label. */
  readonly label: string;
  readonly component: Component;
}

export const ROUTES: readonly Route[] = [
  { path: 'cards', label: 'nav.cards', component: CardsScreen },
  { path: 'consents', label: 'nav.consents', component: AppsScreen },
  { path: 'activity', label: 'nav.activity', component: ActivityScreen },
  { path: 'rewards', label: 'nav.rewards', component: RewardsScreen },
  { path: 'export', label: 'nav.export', component: ExportScreen },
  { path: 'settings', label: 'nav.settings', component: SettingsScreen },
];

const FALLBACK = ROUTES[0] as Route;

export function routeFor(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  return ROUTES.find((route) => route.path === path) ?? FALLBACK;
}

/** The current route, following `location.hash`. */
export class Router {
  current = $state<Route>(FALLBACK);

  constructor() {
    this.current = routeFor(globalThis.location?.hash ?? '');
  }

  listen(): () => void {
    const onChange = () => {
      this.current = routeFor(location.hash);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }
}

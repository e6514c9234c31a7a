import { describe, expect, it } from 'vitest';
import { ROUTES, routeFor } from '../../src/lib/router.svelte';

describe('routes', () => {
  it('has one route per screen of the product', () => {
    expect(ROUTES.map((route) => route.path)).toEqual([
      'cards',
      'consents',
      'activity',
      'rewards',
      'export',
      'settings',
    ]);
  });

  it('resolves hashes and falls back to cards', () => {
    expect(routeFor('#/settings').path).toBe('settings');
    expect(routeFor('#rewards').path).toBe('rewards');
    expect(routeFor('#/nowhere').path).toBe('cards');
    expect(routeFor('').path).toBe('cards');
  });
});

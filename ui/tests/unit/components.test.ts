import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { locale } from 'svelte-i18n';
import Nav from '../../src/shell/Nav.svelte';
import SettingsScreen from '../../src/settings/SettingsScreen.svelte';
import { setupI18n } from '../../src/lib/i18n';
import { routeFor } from '../../src/lib/router.svelte';
import { appInfo } from '../../src/settings/appInfo.svelte';

beforeAll(() => setupI18n('en'));
afterEach(() => cleanup());

describe('Nav', () => {
  it('links every screen and marks the current one', () => {
    render(Nav, { current: routeFor('#/rewards') });
    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '#/cards',
      '#/consents',
      '#/activity',
      '#/rewards',
      '#/export',
      '#/settings',
    ]);
    expect(screen.getByRole('link', { current: 'page' }).textContent).toBe('Rewards');
  });

  it('speaks French when the locale changes', async () => {
    render(Nav, { current: routeFor('#/cards') });
    await locale.set('fr');
    await tick();
    expect(screen.getByRole('link', { name: 'Réglages' })).toBeTruthy();
    await locale.set('en');
  });
});

describe('SettingsScreen', () => {
  it('shows what app_info returned', async () => {
    await appInfo.refresh();
    render(SettingsScreen);
    expect(screen.getByTestId('app-version').textContent).toBe('0.1.0');
    expect(screen.getByTestId('platform-url').textContent).toBe('None configured');
  });
});

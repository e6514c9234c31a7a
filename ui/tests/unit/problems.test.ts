import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { locale } from 'svelte-i18n';
import en from '../../src/locales/en.json';
import fr from '../../src/locales/fr.json';
import { IpcError } from '../../src/ipc';
import { COMMAND_ERRORS, SYNC_PROBLEMS, explainCode, explainError, explainSync } from '../../src/lib/problems';
import { setupI18n } from '../../src/lib/i18n';
import ErrorMessage from '../../src/lib/ErrorMessage.svelte';

beforeAll(() => setupI18n('en'));
afterEach(() => cleanup());

function lookup(tree: object, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);
}

function sentence(tree: object, key: string): string {
  const value = lookup(tree, key);
  return typeof value === 'string' ? value.trim() : '';
}

describe('error sentences', () => {
  const commandCodes = Object.keys(COMMAND_ERRORS);
  const syncCodes = Object.keys(SYNC_PROBLEMS);

  it.each(commandCodes)('command error %s has a sentence and a next step in en and fr', (code) => {
    const explained = explainCode(code, 'raw');
    for (const tree of [en, fr]) {
      expect(sentence(tree, explained.textKey)).not.toBe('');
      expect(sentence(tree, explained.actionKey)).not.toBe('');
    }
    expect(sentence(fr, explained.textKey)).not.toBe(sentence(en, explained.textKey));
  });

  it.each(syncCodes)('sync problem %s has a sentence and a next step in en and fr', (code) => {
    const explained = explainSync({ code, message: 'raw' });
    expect(explained.textKey).toBe(`errors.sync.${code}.text`);
    for (const tree of [en, fr]) {
      expect(sentence(tree, explained.textKey)).not.toBe('');
      expect(sentence(tree, explained.actionKey)).not.toBe('');
    }
  });

  it('the catalogue has no sentence for a code the UI does not know', () => {
    expect(Object.keys(en.errors.codes).sort()).toEqual([...commandCodes].sort());
    expect(Object.keys(en.errors.sync).sort()).toEqual([...syncCodes].sort());
  });

  it('an unknown code falls back to a generic sentence, keeping the raw message for Details', () => {
    expect(explainCode('teapot', 'I am a teapot')).toEqual({
      code: 'teapot',
      message: 'I am a teapot',
      textKey: 'errors.unknown.text',
      actionKey: 'errors.unknown.action',
      link: null,
    });
    expect(explainSync({ code: 'solar_flare', message: 'x' }).textKey).toBe('errors.unknown.text');
    expect(sentence(en, 'errors.unknown.text')).not.toBe('');
    expect(sentence(fr, 'errors.unknown.text')).not.toBe('');
  });

  it('whatever a transport threw reads as internal', () => {
    expect(explainError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(explainError('plain')).toMatchObject({ code: 'internal', message: 'plain' });
    expect(explainError(new IpcError({ code: 'wallet_locked', message: 'locked' }))).toMatchObject({
      code: 'wallet_locked',
      textKey: 'errors.codes.wallet_locked.text',
    });
  });

  it('platform problems point to Settings', () => {
    expect(explainCode('platform_unavailable', '').link).toBe('#/settings');
    expect(explainSync({ code: 'unreachable', message: '' }).link).toBe('#/settings');
    expect(explainCode('key_mismatch', '').link).toBeNull();
  });
});

describe('ErrorMessage', () => {
  const raw = 'error sending request for url (http://127.0.0.1:7878/v1/events): tcp connect error: Connection refused (os error 111)';

  it('shows the sentence and next step, the raw message only inside Details', async () => {
    render(ErrorMessage, { error: new IpcError({ code: 'platform_unavailable', message: raw }) });
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('strong')?.textContent).toBe(en.errors.codes.platform_unavailable.text);
    expect(alert.textContent).toContain(en.errors.codes.platform_unavailable.action);
    const details = alert.querySelector('details');
    expect(details?.open).toBe(false);
    expect(details?.querySelector('summary')?.textContent).toBe('Details');
    expect(details?.textContent).toContain(raw);
    expect(screen.getByRole('link', { name: 'Open Settings' }).getAttribute('href')).toBe('#/settings');
  });

  it('speaks French', async () => {
    render(ErrorMessage, { error: new IpcError({ code: 'platform_unavailable', message: raw }) });
    await locale.set('fr');
    await tick();
    expect(screen.getByRole('alert').querySelector('strong')?.textContent).toBe(fr.errors.codes.platform_unavailable.text);
    expect(screen.getByText('Détails')).toBeTruthy();
    await locale.set('en');
  });
});

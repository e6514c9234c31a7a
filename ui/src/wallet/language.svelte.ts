// The window's language is the wallet's: told to the backend once the wallet is open and at
// every change, so that notifications, the backend's dialogs and the platform's texts (app
// descriptions, terms, offers, recommendations) follow it. When the backend read the app
// directory again in the new language, what shows it is reloaded.
import { locale } from 'svelte-i18n';
import { fromStore } from 'svelte/store';
import { ipc, type Language } from '../ipc';
import { consents } from '../consents/consents.svelte';
import { wallet } from './wallet.svelte';

export function languageOf(code: string | null | undefined): Language {
  return code?.startsWith('fr') ? 'fr' : 'en';
}

/** Keeps the backend's language in step with the window's; returns a stop function. */
export function followLanguage(): () => void {
  const current = fromStore(locale);
  let told: Language | null = null;
  return $effect.root(() => {
    $effect(() => {
      const unlocked = wallet.status?.state === 'unlocked';
      const language = languageOf(current.current);
      if (!unlocked) {
        // A wallet opened again is told again (another wallet, or a setting changed meanwhile).
        told = null;
        return;
      }
      if (told === language) return;
      told = language;
      ipc.call('wallet_set_language', { language }).then(
        (result) => {
          if (result.directoryRefreshed && consents.apps.length > 0) void consents.load();
        },
        () => {
          // Told again at the next change or unlock; nothing to show meanwhile.
          told = null;
        },
      );
    });
  });
}

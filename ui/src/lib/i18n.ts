// Translations through svelte-i18n. Every visible string lives in src/locales/*.json.
import { addMessages, getLocaleFromNavigator, init, locale } from 'svelte-i18n';
import en from '../locales/en.json';
import fr from '../locales/fr.json';

export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = 'consentry.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLocale(saved)) return saved;
  const fromNavigator = getLocaleFromNavigator()?.slice(0, 2);
  return isLocale(fromNavigator) ? fromNavigator : 'en';
}

export function setupI18n(start: Locale = initialLocale()): void {
  addMessages('en', en);
  addMessages('fr', fr);
  void init({ fallbackLocale: 'en', initialLocale: start });
  document.documentElement.lang = start;
}

export function setLocale(next: Locale): void {
  void locale.set(next);
  document.documentElement.lang = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
}

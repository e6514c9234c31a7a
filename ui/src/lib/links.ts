// Addresses of the pages reached from a screen (see router.svelte.ts), for links: an app's page
// and one of its permissions. Kept apart from the router so that components can link without
// importing every screen.

export function appHref(appId: string): string {
  return `#/apps/${encodeURIComponent(appId)}`;
}

export function grantHref(appId: string, cardToken: string, scope: string): string {
  return `${appHref(appId)}/${encodeURIComponent(cardToken)}/${encodeURIComponent(scope)}`;
}

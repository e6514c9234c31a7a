// Where the window is within a page reached from a screen: the parameters after the route's
// own path (`['app_x']` for `#/apps/app_x`). The router writes it; those pages read it.
export const place = $state<{ params: string[] }>({ params: [] });

// Which grants need the cardholder soon (expiring, or waiting for re-consent), and how to
// renew one with the options it was given.
import type { GrantExpiry, GrantSetRequest, GrantView } from '../ipc';

const DAY_MS = 86_400_000;

/** Active grants that end within `days` days of `now`, soonest first. */
export function expiringSoon(grants: readonly GrantView[], now: Date, days = 14): GrantView[] {
  const limit = now.getTime() + days * DAY_MS;
  return grants
    .filter((g) => g.status === 'active' && g.expiresAt !== null)
    .filter((g) => {
      const at = new Date(g.expiresAt as string).getTime();
      return at >= now.getTime() && at <= limit;
    })
    .sort((a, b) => (a.expiresAt as string).localeCompare(b.expiresAt as string));
}

export function needingReconsent(grants: readonly GrantView[]): GrantView[] {
  return grants.filter((g) => g.status === 'needs_reconsent');
}

/** Every how many days a grant given with "Reconfirm every 90 days" asks again. */
export const RECONFIRM_DAYS = 90;

/**
 * The expiry a renewal repeats: the length the cardholder last chose for the grant (the
 * wallet reads it from the consent history: a 90-day grant is reconfirmed for 90 more days,
 * even if a change of its settings or of the app's terms came in between), or none for a
 * grant without an end. Without that length, the span from its last grant to its end.
 */
export function renewalExpiry(grant: GrantView): GrantExpiry {
  if (grant.expiresAt === null) return { kind: 'never' };
  if (grant.renewalDays !== null && grant.renewalDays >= 1) return { kind: 'days', days: grant.renewalDays };
  const days = Math.round((new Date(grant.expiresAt).getTime() - new Date(grant.grantedAt).getTime()) / DAY_MS);
  return { kind: 'days', days: days >= 1 ? days : RECONFIRM_DAYS };
}

/** The grant_set request that gives this grant again with the same options. */
export function renewRequest(grant: GrantView): GrantSetRequest {
  return {
    appId: grant.appId,
    cardToken: grant.cardToken,
    scope: grant.scope,
    channels: [...grant.channels],
    trigger: grant.trigger,
    minPurchase: grant.minPurchase,
    expiry: renewalExpiry(grant),
  };
}

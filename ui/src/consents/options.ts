// The settings a new grant is made with (channels, trigger, minimum, expiry). The minimum is
// typed once and applies in each card's own currency (the one its purchases are made in).
import type { Channel, GrantExpiry, GrantSetRequest, Scope, Trigger } from '../ipc';
import { parseAmount } from '../lib/format';

export interface GrantOptions {
  channels: Channel[];
  trigger: Trigger;
  /** The minimum purchase as typed ("4.50", "4,50"); empty or unreadable for none. */
  minimum: string;
  expiry: GrantExpiry;
}

export const ALL_CHANNELS: readonly Channel[] = ['card', 'nfc', 'voice', 'online'];

export function defaultOptions(): GrantOptions {
  return { channels: [...ALL_CHANNELS], trigger: 'authorization', minimum: '', expiry: { kind: 'never' } };
}

/** The grant_set request for one permission with these options, the minimum in `currency`. */
export function grantRequest(
  options: GrantOptions,
  key: { appId: string; cardToken: string; scope: Scope },
  currency: string,
): GrantSetRequest {
  return {
    ...key,
    channels: [...options.channels],
    trigger: options.trigger,
    minPurchase: parseAmount(options.minimum, currency),
    expiry: options.expiry,
  };
}

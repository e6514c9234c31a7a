// The settings a new grant is made with (channels, trigger, minimum, expiry).
import type { Channel, GrantExpiry, Money, Trigger } from '../ipc';

export interface GrantOptions {
  channels: Channel[];
  trigger: Trigger;
  minPurchase: Money | null;
  expiry: GrantExpiry;
}

export const ALL_CHANNELS: readonly Channel[] = ['card', 'nfc', 'voice', 'online'];

export function defaultOptions(): GrantOptions {
  return { channels: [...ALL_CHANNELS], trigger: 'authorization', minPurchase: null, expiry: { kind: 'never' } };
}

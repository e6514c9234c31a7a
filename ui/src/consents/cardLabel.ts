// How a card is named wherever a permission or a consent change mentions it: its nickname and
// last four digits while linked; "Unlinked card ••1234" once unlinked; "a removed card" when
// the wallet never knew its digits. Never the platform's token.
import type { CardView } from '../ipc';

type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** What the wallet still knows about a card that is no longer among the linked ones. */
export interface FormerCard {
  readonly token: string;
  readonly last4: string | null;
}

/** "Everyday •••• 4242", or "•••• 4242" without a nickname. */
export function linkedCardLabel(card: Pick<CardView, 'masked' | 'nickname'>): string {
  return card.nickname ? `${card.nickname} ${card.masked}` : card.masked;
}

export function cardLabel(
  token: string,
  linked: readonly CardView[],
  former: readonly FormerCard[],
  t: Translate,
): string {
  const card = linked.find((c) => c.token === token);
  if (card) return linkedCardLabel(card);
  const last4 = former.find((c) => c.token === token)?.last4;
  return last4 ? t('cardLabel.unlinked', { values: { last4 } }) : t('cardLabel.removed');
}

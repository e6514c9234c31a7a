// Why an event broke consent, in the reader's language (the Activity detail and an app's
// Access section both say it).
import type { ViolationReasonView } from '../ipc';
import { formatDateTime, formatMoney } from '../lib/format';
import type { Translate } from './summary';

export function violationReasonText(reason: ViolationReasonView, t: Translate, locale: string): string {
  switch (reason.kind) {
    case 'never_granted':
      return t('violation.reasons.never_granted');
    case 'not_active':
      return t('violation.reasons.not_active', { values: { status: t(`grantStatus.${reason.status}`) } });
    case 'expired':
      return t('violation.reasons.expired', { values: { date: formatDateTime(reason.expiresAt, locale) } });
    case 'not_yet_granted':
      return t('violation.reasons.not_yet_granted', { values: { date: formatDateTime(reason.grantedAt, locale) } });
    case 'channel_not_granted':
      return t('violation.reasons.channel_not_granted', { values: { channel: t(`channels.${reason.channel}`) } });
    case 'below_minimum':
      return t('violation.reasons.below_minimum', { values: { minimum: formatMoney(reason.minimum, locale) } });
    case 'delivered_after_revocation':
      return t('violation.reasons.delivered_after_revocation', {
        values: { date: formatDateTime(reason.revokedAt, locale) },
      });
    case 'currency_mismatch':
      return t('violation.reasons.currency_mismatch', {
        values: { minimum: reason.minimum.currency, found: reason.found.currency },
      });
  }
}

// What the platform earns when an app acts on a purchase, worded in the cardholder's language.
import type { FeeModelView } from '../ipc';
import { formatMoney } from '../lib/format';

type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

export function describeFee(fee: FeeModelView, t: Translate, locale: string): string {
  switch (fee.kind) {
    case 'percent': {
      const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(
        fee.bps / 10_000,
      );
      return t('consents.feeModel.percent', { values: { percent } });
    }
    case 'per_event':
      return t('consents.feeModel.perEvent', {
        values: { amount: formatMoney(fee.amount, locale), scope: t(`scopes.${fee.per}.name`) },
      });
    case 'none':
      return t('consents.feeModel.none');
  }
}

// The mock backend's permissions and consent ledger: grant_set, grant_revoke and revoke_all
// change them as the wallet would (a change of settings is a new grant on the same id and one
// new ledger entry; "keep" keeps the end date and the renewal period), so page tests can edit
// a permission and see it saved and in the history. Fresh for every mock transport.
import type {
  GrantRevokeRequest,
  GrantSetRequest,
  GrantView,
  GrantsListRequest,
  LedgerEntryView,
  LedgerList,
  LedgerListRequest,
  RevokeAllRequest,
} from './generated';
import { IpcError } from './seam';

const DAY_MS = 86_400_000;

/** The consent-ledger entry number `seq` that `action` on grant `g` at `at` writes, on this laptop. */
export function ledgerEntry(action: string, g: GrantView, at: string, seq: number): LedgerEntryView {
  return {
    seq,
    action,
    grantId: g.grantId,
    appId: g.appId,
    cardToken: g.cardToken,
    scope: g.scope,
    channels: [...g.channels],
    trigger: g.trigger,
    minPurchase: g.minPurchase,
    expiresAt: g.expiresAt,
    deviceId: 'dev_laptop',
    deviceName: 'Laptop',
    at,
    termsVersion: g.termsVersion,
    termsHash: 'ab'.repeat(32),
    hash: seq.toString(16).padStart(64, '0'),
  };
}

export class MockConsents {
  private grants: GrantView[];
  private ledger: LedgerEntryView[];

  constructor(grants: readonly GrantView[]) {
    this.grants = grants.map((g) => structuredClone(g));
    this.ledger = grants.map((g, i) => ledgerEntry('grant', g, g.grantedAt, i + 1));
  }

  private record(action: string, g: GrantView, at: string): void {
    this.ledger.push(ledgerEntry(action, g, at, this.ledger.length + 1));
  }

  list(request: GrantsListRequest): { grants: GrantView[] } {
    const grants = this.grants.filter(
      (g) => (request.appId === null || g.appId === request.appId) && (request.cardToken === null || g.cardToken === request.cardToken),
    );
    return { grants: structuredClone(grants) };
  }

  set(given: GrantSetRequest, now = new Date()): GrantView {
    // What crosses a real IPC is JSON: plain data, never the page's reactive proxies.
    const request = JSON.parse(JSON.stringify(given)) as GrantSetRequest;
    if (request.channels.length === 0) throw new IpcError({ code: 'invalid_input', message: 'choose at least one payment channel' });
    const current = this.grants.find((g) => g.appId === request.appId && g.cardToken === request.cardToken && g.scope === request.scope);
    const at = now.toISOString();
    let expiresAt: string | null = null;
    let renewalDays: number | null = null;
    switch (request.expiry.kind) {
      case 'never':
        break;
      case 'days':
        expiresAt = new Date(now.getTime() + request.expiry.days * DAY_MS).toISOString();
        renewalDays = request.expiry.days;
        break;
      case 'date':
        expiresAt = `${request.expiry.date}T23:59:59Z`;
        renewalDays = Math.max(1, Math.round((new Date(expiresAt).getTime() - now.getTime()) / DAY_MS));
        break;
      case 'keep':
        if (!current) throw new IpcError({ code: 'invalid_input', message: 'expiry: there is no permission whose end date to keep' });
        expiresAt = current.expiresAt;
        renewalDays = current.renewalDays;
        break;
    }
    const grant: GrantView = {
      grantId: current?.grantId ?? `grt_${request.appId}_${request.scope}_${request.cardToken}`,
      appId: request.appId,
      cardToken: request.cardToken,
      scope: request.scope,
      channels: [...request.channels],
      trigger: request.trigger,
      minPurchase: request.minPurchase,
      expiresAt,
      status: 'active',
      termsVersion: current?.pendingTermsVersion ?? current?.termsVersion ?? 1,
      pendingTermsVersion: null,
      changedAt: at,
      grantedAt: at,
      renewalDays,
      sync: { state: 'pending', attempts: 0, lastError: null, nextAttemptAt: at },
    };
    this.grants = [...this.grants.filter((g) => g.grantId !== grant.grantId), grant];
    this.record('grant', grant, at);
    return structuredClone(grant);
  }

  private revokeOne(g: GrantView, now: Date): GrantView {
    const at = now.toISOString();
    const revoked: GrantView = {
      ...g,
      status: 'revoked',
      pendingTermsVersion: null,
      changedAt: at,
      sync: { state: 'pending', attempts: 0, lastError: null, nextAttemptAt: at },
    };
    this.grants = this.grants.map((x) => (x.grantId === g.grantId ? revoked : x));
    this.record('revoke', revoked, at);
    return structuredClone(revoked);
  }

  revoke(request: GrantRevokeRequest, now = new Date()): GrantView {
    const current = this.grants.find((g) => g.appId === request.appId && g.cardToken === request.cardToken && g.scope === request.scope);
    if (!current) throw new IpcError({ code: 'not_found', message: 'there is no such permission' });
    return current.status === 'revoked' ? structuredClone(current) : this.revokeOne(current, now);
  }

  revokeAll(request: RevokeAllRequest, now = new Date()): { revoked: GrantView[] } {
    const matching = this.grants.filter(
      (g) =>
        g.status !== 'revoked' &&
        (request.appId === null || g.appId === request.appId) &&
        (request.cardToken === null || g.cardToken === request.cardToken),
    );
    return { revoked: matching.map((g) => this.revokeOne(g, now)) };
  }

  ledgerList(request: LedgerListRequest): LedgerList {
    const entries = this.ledger
      .filter((e) => (request.appId === null || e.appId === request.appId) && (request.cardToken === null || e.cardToken === request.cardToken))
      .reverse();
    return { entries: structuredClone(entries), cards: [] };
  }
}

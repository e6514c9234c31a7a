// The mock transport for UI tests and the plain browser: canned responses per command,
// overridable per test (a value, an error, or a pending promise to show loading states),
// and events a test can emit.
import type {
  ApiError,
  AppView,
  CardView,
  CommandName,
  DesktopSettings,
  DeviceView,
  EventName,
  Events,
  GrantView,
  SyncStatusView,
  WalletStatus,
} from './generated';
import type { Ipc, Request, Response } from './seam';
import { mockDetail, rewardsSummary, syntheticFeed } from './mock-activity';
import { missingRewards } from './mock-claims';
import { MockConsents } from './mock-consents';
import { IpcError } from './seam';

export type MockReply<K extends CommandName> =
  | { ok: Response<K>; delayMs?: number }
  | { error: ApiError; delayMs?: number }
  | { pending: true }
  /** Computes the answer from the request (paged feeds). */
  | { handle: (request: Request<K>) => Response<K> | Promise<Response<K>> };

export type MockScenario = { [K in CommandName]?: MockReply<K> };

const unlocked: WalletStatus = { state: 'unlocked', walletId: 'w-0001', autoLockMinutes: 15, keyring: true, hasPassphrase: false };

/** The default scenario's one card, for tests that vary it. */
export const demoCard: CardView = {
  token: 'tok_demo_visa',
  brand: 'visa',
  last4: '4242',
  masked: '•••• 4242',
  expMonth: 12,
  expYear: 2030,
  nickname: 'Everyday',
  status: 'active',
  expiresInDays: null,
  currency: 'EUR',
};

/** The directory's first app, as the platform serves it in English. */
export const receiptsApp: AppView = {
  id: 'app_receipts',
  name: 'PaperLess Receipts',
  publisher: 'Receipt Co',
  description: 'Itemised digital receipts for every purchase.',
  language: 'en',
  requestedScopes: ['receipts'],
  termsVersion: 1,
  termsText: 'We store your receipts for you.',
  termsLanguage: 'en',
  fee: '€0.10 per receipt',
  feeModel: { kind: 'per_event', amount: { minor: 10, currency: 'EUR' }, per: 'receipts' },
};

/** The default scenario's one permission (receipts on the demo card), for tests that vary it. */
export const receiptsGrant: GrantView = {
  grantId: 'grt_1',
  appId: 'app_receipts',
  cardToken: demoCard.token,
  scope: 'receipts',
  channels: ['card', 'nfc'],
  trigger: 'authorization',
  minPurchase: null,
  expiresAt: null,
  status: 'active',
  termsVersion: 1,
  pendingTermsVersion: null,
  changedAt: '2026-11-27T10:00:00Z',
  grantedAt: '2026-11-27T10:00:00Z',
  renewalDays: null,
  sync: { state: 'synced', attempts: 0, lastError: null, nextAttemptAt: null },
};

/** The desktop settings the default answers keep (a tray, installed from a package). */
let desktopSettings: DesktopSettings = {
  keepInTray: true,
  trayAvailable: true,
  startAtLogin: false,
  checkForUpdates: true,
  installedFromPackage: true,
};

/** The permissions and ledger the default answers keep; each mock transport starts afresh. */
let consentsState = new MockConsents([receiptsGrant]);

export const syncedStatus: SyncStatusView = {
  active: true,
  enrolled: true,
  syncing: false,
  lastSuccessAt: '2026-11-27T10:05:00Z',
  pendingChanges: 0,
  lastError: null,
  nextRetryAt: null,
  quarantined: 0,
  violations: 0,
  eventsReceived: 0,
  conflicts: 0,
  openConflicts: 0,
  feedGaps: 0,
  unendorsedKeys: 0,
  platformClaims: 0,
  paired: true,
  platform: {
    url: 'http://127.0.0.1:7878/',
    cardholderId: 'ch_demo',
    deviceName: 'Consentry on laptop',
    enrolledAt: '2026-11-27T09:00:00Z',
    canAddDevices: true,
  },
};

/** The cardholder's devices, oldest first: a lost phone already removed, a desktop, this laptop. */
const devices: DeviceView[] = [
  { deviceId: 'dev_phone', name: 'Old phone', enrolledAt: '2026-03-02T18:20:00Z', removedAt: '2026-10-15T12:00:00Z', thisDevice: false },
  { deviceId: 'dev_desktop', name: 'Desktop', enrolledAt: '2026-09-01T12:00:00Z', removedAt: null, thisDevice: false },
  { deviceId: 'dev_laptop', name: 'Laptop', enrolledAt: '2026-11-27T11:00:00Z', removedAt: null, thisDevice: true },
];

export const defaultScenario: { [K in CommandName]: MockReply<K> } = {
  app_info: {
    ok: {
      version: '0.1.0',
      dataDir: '/home/cardholder/.local/share/org.consentry.app',
      buildProfile: 'debug',
      platformUrl: null,
      demo: false,
    },
  },
  wallet_status: { ok: unlocked },
  wallet_create: {
    ok: { status: unlocked, recoveryKey: 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01' },
  },
  wallet_unlock: { ok: unlocked },
  wallet_lock: { ok: { ...unlocked, state: 'locked' } },
  wallet_user_active: { ok: unlocked },
  wallet_set_passphrase: { ok: { ...unlocked, hasPassphrase: true } },
  wallet_set_keyring: { ok: unlocked },
  wallet_recovery_key_new: { ok: { recoveryKey: 'N3WK-3YAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH-JJJJ-KKKK-MMMM-NNNN-PPPP' } },
  wallet_recovery_key_confirm: { ok: unlocked },
  wallet_set_auto_lock: { ok: unlocked },
  wallet_check_integrity: { ok: { intact: true, problems: [] } },
  wallet_set_language: { handle: (request) => ({ language: request.language, directoryRefreshed: false }) },
  cards_list: { ok: { cards: [demoCard] } },
  card_rename: { ok: demoCard },
  apps_list: {
    ok: {
      apps: [
        receiptsApp,
        {
          id: 'app_beans',
          name: 'Bean Counter Coffee',
          publisher: 'Bean Counter Ltd',
          description: 'Loyalty points at your coffee shop.',
          language: 'en',
          requestedScopes: ['points', 'offers'],
          termsVersion: 2,
          termsText: 'One point per euro.',
          termsLanguage: 'en',
          fee: '1.5% of each purchase',
          feeModel: { kind: 'percent', bps: 150 },
        },
      ],
    },
  },
  grants_list: { handle: (request) => consentsState.list(request) },
  grant_set: { handle: (request) => consentsState.set(request) },
  grant_revoke: { handle: (request) => consentsState.revoke(request) },
  conflicts_list: { ok: { conflicts: [] } },
  conflict_dismiss: { ok: { conflicts: [] } },
  conflict_reapply: { ok: { conflicts: [] } },
  revoke_all: { handle: (request) => consentsState.revokeAll(request) },
  ledger_list: { handle: (request) => consentsState.ledgerList(request) },
  ledger_verify: { ok: { intact: true, entries: 0, brokenAt: null, reason: null } },
  sync_status: { ok: syncedStatus },
  sync_now: { ok: syncedStatus },
  platform_enroll: { ok: syncedStatus },
  platform_credentials: {
    ok: { platformUrl: 'http://127.0.0.1:7878/', cardholderId: 'ch_demo', cardholderSecret: 'chs_demo_secret' },
  },
  platform_trust: { ok: { setAside: [], setAsideTotal: 0, gaps: [], unendorsedKeys: 0, claims: [], paired: true } },
  device_pairing_start: { ok: { code: 'ABCDE-FGHJK', expiresAt: '2026-11-27T10:15:00Z' } },
  devices_list: { ok: { devices } },
  device_remove: {
    handle: (request) => ({
      devices: devices.map((d) => (d.deviceId === request.deviceId ? { ...d, removedAt: '2026-11-27T12:00:00Z' } : d)),
    }),
  },
  card_link: { ok: demoCard },
  card_unlink: { ok: { token: demoCard.token, revoked: 1 } },
  apps_refresh: { ok: { apps: 2 } },
  data_request_create: {
    ok: {
      id: 'dsr_1',
      appId: 'app_receipts',
      kind: 'access',
      status: 'received',
      createdAt: '2026-11-27T10:00:00Z',
      dueAt: '2026-12-27T10:00:00Z',
      updatedAt: '2026-11-27T10:00:00Z',
    },
  },
  data_requests_list: { ok: { requests: [] } },
  purchase_simulate: { ok: { transactionId: 'txn_1', events: 2 } },
  demo_terms_publish: { ok: { appId: 'app_receipts', termsVersion: 4 } },
  demo_violation: { ok: { scope: 'social_posts', events: 1 } },
  demo_unrewarded_purchase: {
    ok: {
      transactionId: 'txn_demo_unrewarded',
      merchant: 'Marché Frais',
      amount: { minor: 2490, currency: 'EUR' },
      settledAt: '2026-11-24T10:00:00Z',
      events: 3,
    },
  },
  export_history: {
    ok: {
      format: 'archive',
      destination: '/home/cardholder/consentry.age',
      events: 1312,
      files: [{ name: 'consentry-export.zip', rows: 1312 }],
      bytes: 48213,
      encrypted: true,
    },
  },
  activity_list: { handle: syntheticFeed(240) },
  event_detail: { handle: mockDetail },
  rewards_summary: { ok: rewardsSummary },
  terms_diff: {
    ok: {
      appId: 'app_beans',
      fromVersion: 1,
      toVersion: 2,
      lines: [
        {
          change: 'removed',
          text: 'One point per visit.',
          words: [
            { change: 'unchanged', text: 'One point per ' },
            { change: 'removed', text: 'visit.' },
          ],
        },
        {
          change: 'added',
          text: 'One point per euro.',
          words: [
            { change: 'unchanged', text: 'One point per ' },
            { change: 'added', text: 'euro.' },
          ],
        },
      ],
      linesAdded: 1,
      linesRemoved: 1,
      scopesKnown: true,
      scopesAdded: ['offers'],
      scopesRemoved: [],
      scopesRequested: ['points', 'offers'],
    },
  },
  export_cancel: { ok: { cancelled: true } },
  notification_prefs_get: {
    ok: {
      apps: [
        { appId: 'app_beans', appName: 'Bean Counter Coffee', enabled: true },
        { appId: 'app_receipts', appName: 'PaperLess Receipts', enabled: true },
      ],
      locale: 'en',
    },
  },
  notification_prefs_set: {
    handle: (request) => ({
      apps: [
        { appId: 'app_beans', appName: 'Bean Counter Coffee', enabled: request.appId === 'app_beans' ? (request.enabled ?? true) : true },
        { appId: 'app_receipts', appName: 'PaperLess Receipts', enabled: request.appId === 'app_receipts' ? (request.enabled ?? true) : true },
      ],
      locale: request.locale ?? 'en',
    }),
  },
  activity_unread: { ok: { count: 0 } },
  activity_mark_seen: { ok: { count: 0 } },
  missing_rewards: { ok: missingRewards },
  missing_reward_save: { ok: { destination: '/home/cardholder/claim-txn_9.json', bytes: 1024 } },
  app_access: {
    ok: {
      appId: 'app_receipts',
      byCard: [
        {
          cardToken: demoCard.token,
          cardLast4: demoCard.last4,
          cardGone: false,
          purchases: 12,
          lastAccess: '2026-11-27T10:00:00Z',
          lastByScope: [{ scope: 'receipts', at: '2026-11-27T10:00:00Z' }],
        },
      ],
      counts: [{ kind: 'receipt.issued', count: 12 }],
      total: 12,
      firstAccess: '2026-11-01T09:00:00Z',
      lastAccess: '2026-11-27T10:00:00Z',
      violationCount: 0,
      recentViolations: [],
    },
  },
  desktop_settings_get: { handle: () => desktopSettings },
  desktop_settings_set: {
    handle: (request) => {
      desktopSettings = {
        ...desktopSettings,
        keepInTray: request.keepInTray ?? desktopSettings.keepInTray,
        startAtLogin: request.startAtLogin ?? desktopSettings.startAtLogin,
        checkForUpdates: request.checkForUpdates ?? desktopSettings.checkForUpdates,
      };
      return desktopSettings;
    },
  },
  // No newer version by default, so no page test meets the update prompt unasked.
  update_check: { ok: { currentVersion: '0.1.0', checked: true, available: null } },
  update_install: { handle: (request) => ({ version: request.version }) },
};

export interface MockIpc extends Ipc {
  readonly calls: { command: CommandName; request: unknown }[];
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}

export function createMockIpc(scenario: MockScenario = {}): MockIpc {
  // A scenario that sets the permissions starts the kept ones (and their history) from those.
  const given = scenario.grants_list;
  consentsState = new MockConsents(given && 'ok' in given ? given.ok.grants : [receiptsGrant]);
  const calls: { command: CommandName; request: unknown }[] = [];
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  return {
    calls,
    async call<K extends CommandName>(command: K, request: Request<K>): Promise<Response<K>> {
      calls.push({ command, request });
      const reply = (scenario[command] ?? defaultScenario[command]) as MockReply<K>;
      if ('pending' in reply) return new Promise<Response<K>>(() => {});
      if ('handle' in reply) return structuredClone(await reply.handle(request));
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if ('error' in reply) throw new IpcError(reply.error);
      return structuredClone(reply.ok);
    },
    async listen(event, handler) {
      const set = listeners.get(event) ?? new Set();
      set.add(handler as (payload: never) => void);
      listeners.set(event, set);
      return () => set.delete(handler as (payload: never) => void);
    },
    emit(event, payload) {
      for (const handler of listeners.get(event) ?? []) (handler as (p: typeof payload) => void)(payload);
    },
  };
}

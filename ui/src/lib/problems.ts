// What a person reads when something fails: one short sentence and a suggested next step per
// error code, from the message catalogue (`errors.*` in src/locales). The backend's own message
// is technical English; it is kept only for the "Details" disclosure.
import { IpcError, type ErrorCode, type SyncProblem } from '../ipc';

/** Where the suggested next step can be taken, when it is a place in the app. */
export type ProblemLink = '#/settings' | null;

/** A failure ready to show: catalogue keys for the sentence and the next step, and the raw text. */
export interface Explained {
  /** The code as the backend sent it (kept on the element for tests and support). */
  code: string;
  textKey: string;
  actionKey: string;
  link: ProblemLink;
  /** The backend's technical message, for "Details" only; empty when there is none. */
  message: string;
}

// Records, so a code added to ErrorCode (generated from Rust) without a sentence fails to compile.
export const COMMAND_ERRORS: Record<ErrorCode, ProblemLink> = {
  invalid_input: null,
  not_found: null,
  wallet_not_found: null,
  wallet_exists: null,
  wallet_locked: null,
  key_missing: null,
  key_mismatch: null,
  corrupted: null,
  keyring_unavailable: null,
  not_enrolled: '#/settings',
  platform_unavailable: '#/settings',
  platform_unauthorized: '#/settings',
  platform_rejected: null,
  cancelled: null,
  storage: null,
  key_file: null,
  update_unavailable: '#/settings',
  update_unverified: null,
  update_failed: null,
  internal: null,
};

/**
 * The codes of a failed sync (`SyncStatusView.lastError.code`). The wire type is a plain string
 * (`SyncProblem.code`); these are the values the sync crate sends (`SyncErrorCode::as_str`).
 */
export type SyncProblemCode =
  | 'not_enrolled'
  | 'invalid_input'
  | 'unreachable'
  | 'timeout'
  | 'platform_unavailable'
  | 'rate_limited'
  | 'rejected'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'bad_response'
  | 'clock_skew'
  | 'not_paired'
  | 'signing'
  | 'wallet'
  | 'internal';

export const SYNC_PROBLEMS: Record<SyncProblemCode, ProblemLink> = {
  not_enrolled: '#/settings',
  invalid_input: '#/settings',
  unreachable: '#/settings',
  timeout: null,
  platform_unavailable: null,
  rate_limited: null,
  rejected: null,
  unauthorized: '#/settings',
  invalid_credentials: '#/settings',
  bad_response: null,
  clock_skew: null,
  not_paired: '#/settings',
  signing: '#/settings',
  wallet: null,
  internal: null,
};

function isCommandCode(code: string): code is ErrorCode {
  return Object.hasOwn(COMMAND_ERRORS, code);
}

function isSyncCode(code: string): code is SyncProblemCode {
  return Object.hasOwn(SYNC_PROBLEMS, code);
}

const UNKNOWN = { textKey: 'errors.unknown.text', actionKey: 'errors.unknown.action', link: null } as const;

/** A failed command (an IpcError, or whatever a transport threw) as a person should read it. */
export function explainError(error: unknown): Explained {
  const code = error instanceof IpcError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : error === null || error === undefined ? '' : String(error);
  return explainCode(code, message);
}

/** A `{code, message}` from a command; an unknown code reads as a generic failure. */
export function explainCode(code: string, message: string): Explained {
  if (!isCommandCode(code)) return { code, message, ...UNKNOWN };
  return {
    code,
    message,
    textKey: `errors.codes.${code}.text`,
    actionKey: `errors.codes.${code}.action`,
    link: COMMAND_ERRORS[code],
  };
}

/** Why the last sync failed; an unknown code reads as a generic failure. */
export function explainSync(problem: SyncProblem): Explained {
  const { code, message } = problem;
  if (!isSyncCode(code)) return { code, message, ...UNKNOWN };
  return {
    code,
    message,
    textKey: `errors.sync.${code}.text`,
    actionKey: `errors.sync.${code}.action`,
    link: SYNC_PROBLEMS[code],
  };
}

// The IPC seam's contract: one typed `call` per command and one typed `listen` per event,
// both from the generated maps.
import type { ApiError, CommandName, Commands, ErrorCode, EventName, Events } from './generated';

export type Request<K extends CommandName> = Commands[K]['request'];
export type Response<K extends CommandName> = Commands[K]['response'];

export interface Ipc {
  call<K extends CommandName>(command: K, request: Request<K>): Promise<Response<K>>;
  /** Subscribes to a backend event; resolves to the unsubscribe function. */
  listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Promise<() => void>;
}

/** A failed command, as the backend reported it (`{code, message}`). */
export class IpcError extends Error {
  readonly code: ErrorCode;

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'IpcError';
    this.code = error.code;
  }
}

// A record, so a code added to ErrorCode without being listed here fails to compile.
const KNOWN: Record<ErrorCode, true> = {
  invalid_input: true,
  not_found: true,
  wallet_not_found: true,
  wallet_exists: true,
  wallet_locked: true,
  key_missing: true,
  key_mismatch: true,
  corrupted: true,
  keyring_unavailable: true,
  not_enrolled: true,
  platform_unavailable: true,
  platform_unauthorized: true,
  platform_rejected: true,
  cancelled: true,
  storage: true,
  key_file: true,
  update_unavailable: true,
  update_unverified: true,
  update_failed: true,
  internal: true,
};
const CODES: ReadonlySet<string> = new Set(Object.keys(KNOWN));

/** Turns whatever a transport threw into an IpcError; unknown shapes become `internal`. */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (typeof raw === 'object' && raw !== null && 'code' in raw && 'message' in raw) {
    const { code, message } = raw as { code: unknown; message: unknown };
    if (typeof code === 'string' && CODES.has(code) && typeof message === 'string') {
      return new IpcError({ code: code as ErrorCode, message });
    }
  }
  const message = raw instanceof Error ? raw.message : String(raw);
  return new IpcError({ code: 'internal', message });
}

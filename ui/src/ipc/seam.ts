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

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_input',
  'not_found',
  'wallet_not_found',
  'wallet_exists',
  'wallet_locked',
  'key_missing',
  'key_mismatch',
  'corrupted',
  'keyring_unavailable',
  'internal',
]);

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

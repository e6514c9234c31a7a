// The mock transport for UI tests and the plain browser: canned responses per command,
// overridable per test (a value, an error, or a delay to show loading states).
import type { ApiError, CommandName } from './generated';
import type { Ipc, Request, Response } from './seam';
import { IpcError } from './seam';

export type MockReply<K extends CommandName> =
  | { ok: Response<K>; delayMs?: number }
  | { error: ApiError; delayMs?: number }
  | { pending: true };

export type MockScenario = { [K in CommandName]?: MockReply<K> };

export const defaultScenario: { [K in CommandName]: MockReply<K> } = {
  app_info: {
    ok: {
      version: '0.1.0',
      dataDir: '/home/cardholder/.local/share/org.consentry.app',
      buildProfile: 'debug',
      platformUrl: null,
    },
  },
};

export interface MockIpc extends Ipc {
  readonly calls: { command: CommandName; request: unknown }[];
}

export function createMockIpc(scenario: MockScenario = {}): MockIpc {
  const calls: { command: CommandName; request: unknown }[] = [];
  return {
    calls,
    async call<K extends CommandName>(command: K, request: Request<K>): Promise<Response<K>> {
      calls.push({ command, request });
      const reply = (scenario[command] ?? defaultScenario[command]) as MockReply<K>;
      if ('pending' in reply) return new Promise<Response<K>>(() => {});
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if ('error' in reply) throw new IpcError(reply.error);
      return structuredClone(reply.ok);
    },
  };
}

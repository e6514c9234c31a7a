import { describe, expect, it } from 'vitest';
import { IpcError, toIpcError } from '../../src/ipc/seam';
import { createMockIpc } from '../../src/ipc/mock';

describe('toIpcError', () => {
  it('keeps a backend {code, message}', () => {
    const error = toIpcError({ code: 'invalid_input', message: 'bad expiry' });
    expect(error).toBeInstanceOf(IpcError);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('bad expiry');
  });

  it('maps unknown codes and shapes to internal', () => {
    expect(toIpcError({ code: 'teapot', message: 'x' }).code).toBe('internal');
    expect(toIpcError('boom').message).toBe('boom');
    expect(toIpcError(new Error('lost')).code).toBe('internal');
  });
});

describe('mock ipc', () => {
  it('answers from the default scenario and records calls', async () => {
    const ipc = createMockIpc();
    const info = await ipc.call('app_info', {});
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ipc.calls).toEqual([{ command: 'app_info', request: {} }]);
  });

  it('throws the scripted error as an IpcError', async () => {
    const ipc = createMockIpc({ app_info: { error: { code: 'internal', message: 'disk full' } } });
    await expect(ipc.call('app_info', {})).rejects.toMatchObject({
      name: 'IpcError',
      code: 'internal',
      message: 'disk full',
    });
  });
});

import { describe, expect, it, vi } from 'vitest';
import { ipc, type GrantView } from '../../src/ipc';
import { consents } from '../../src/consents/consents.svelte';

function grant(status: GrantView['status']): GrantView {
  return { appId: 'app_quire', cardToken: 'tok_1', scope: 'receipts', status } as GrantView;
}

describe('consents store', () => {
  it('keeps a change made while a refresh was reading, and reads again', async () => {
    let answer: ((value: unknown) => void) | undefined;
    const reads: string[] = [];
    const call = vi.spyOn(ipc, 'call').mockImplementation(((command: string) => {
      reads.push(command);
      if (command === 'cards_list') return Promise.resolve({ cards: [] });
      if (reads.filter((c) => c === 'grants_list').length === 1) {
        // The first read is slow and says what was true before the change.
        return new Promise<unknown>((resolve) => (answer = resolve));
      }
      return Promise.resolve({ grants: [grant('active')] });
    }) as typeof ipc.call);
    const refresh = consents.refreshQuietly();
    consents.put(grant('active'));
    answer?.({ grants: [grant('needs_reconsent')] });
    await refresh;
    await vi.waitFor(() => expect(reads.filter((c) => c === 'grants_list')).toHaveLength(2));
    await vi.waitFor(() => expect(consents.grant('app_quire', 'tok_1', 'receipts')?.status).toBe('active'));
    call.mockRestore();
  });

  it('takes a refresh that read after the last change', async () => {
    const call = vi.spyOn(ipc, 'call').mockImplementation(((command: string) =>
      Promise.resolve(command === 'cards_list' ? { cards: [] } : { grants: [grant('needs_reconsent')] })) as typeof ipc.call);
    await consents.refreshQuietly();
    expect(consents.grant('app_quire', 'tok_1', 'receipts')?.status).toBe('needs_reconsent');
    call.mockRestore();
  });
});

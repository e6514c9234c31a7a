import { describe, expect, it } from 'vitest';
import { wallet } from '../../src/wallet/wallet.svelte';

describe('wallet store', () => {
  it('keeps the gate up until the recovery key is confirmed', async () => {
    await wallet.create(true, null);
    expect(wallet.status?.state).toBe('unlocked');
    expect(wallet.pendingRecoveryKey).toMatch(/^[A-Z0-9-]+$/);
    expect(wallet.unlocked).toBe(false);
    wallet.confirmRecoveryKeySaved();
    expect(wallet.pendingRecoveryKey).toBeNull();
    expect(wallet.unlocked).toBe(true);
  });

  it('offers to link a first card after creation, until done or skipped', async () => {
    await wallet.create(true, null);
    expect(wallet.offerFirstCard).toBe(true);
    wallet.confirmRecoveryKeySaved();
    expect(wallet.offerFirstCard).toBe(true);
    wallet.finishFirstRun();
    expect(wallet.offerFirstCard).toBe(false);
  });

  it('follows lock and unlock', async () => {
    await wallet.lock();
    expect(wallet.unlocked).toBe(false);
    await wallet.unlock({ method: 'keyring' });
    expect(wallet.unlocked).toBe(true);
  });
});

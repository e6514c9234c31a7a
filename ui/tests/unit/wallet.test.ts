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

  it('reports the person\'s input at most every interval, only while unlocked', async () => {
    const mock = window.__CONSENTRY_MOCK_IPC__;
    expect(mock).toBeDefined();
    const reported = () => mock?.calls.filter((c) => c.command === 'wallet_user_active').length ?? 0;
    await wallet.unlock({ method: 'keyring' });
    let clock = 0;
    const target = new EventTarget();
    const stop = wallet.watchUserActivity(target, 10_000, () => clock);
    const before = reported();
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('pointerdown'));
    expect(reported()).toBe(before + 1);
    clock = 10_001;
    target.dispatchEvent(new Event('wheel'));
    expect(reported()).toBe(before + 2);
    // A screen's own refresh is no input; nor is anything while locked.
    target.dispatchEvent(new Event('focus'));
    await wallet.lock();
    clock = 30_000;
    target.dispatchEvent(new Event('keydown'));
    expect(reported()).toBe(before + 2);
    stop();
    await wallet.unlock({ method: 'keyring' });
    clock = 60_000;
    target.dispatchEvent(new Event('keydown'));
    expect(reported()).toBe(before + 2);
  });
});

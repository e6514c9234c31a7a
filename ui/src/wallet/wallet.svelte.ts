// The wallet's state for the whole UI: loaded at start, updated by every wallet command's
// response and by the backend's `wallet_status` event (auto-lock).
import { ipc, IpcError, type WalletStatus, type WalletUnlockRequest } from '../ipc';
import { LAUNCH_MARKS, markLaunch } from '../lib/ready';

class WalletStore {
  status = $state<WalletStatus | null>(null);
  loadError = $state<IpcError | null>(null);
  /** Shown once after creation, until the cardholder confirms they saved it. */
  pendingRecoveryKey = $state<string | null>(null);
  /** After a new wallet's recovery key: offer to link a first card (skippable). */
  offerFirstCard = $state(false);
  /** After an unlock with the recovery key: offer to keep the key in the keyring again. */
  offerKeyring = $state(false);

  get unlocked(): boolean {
    return this.status?.state === 'unlocked' && this.pendingRecoveryKey === null && !this.offerKeyring;
  }

  async load(): Promise<void> {
    try {
      this.status = await ipc.call('wallet_status', {});
      markLaunch(LAUNCH_MARKS.walletStatus);
      this.loadError = null;
    } catch (error) {
      this.loadError = error as IpcError;
    }
  }

  listen(): () => void {
    let stop: (() => void) | undefined;
    void ipc.listen('wallet_status', (status) => (this.status = status)).then((s) => (stop = s));
    return () => stop?.();
  }

  async create(useKeyring: boolean, passphrase: string | null): Promise<void> {
    const created = await ipc.call('wallet_create', { useKeyring, passphrase });
    this.pendingRecoveryKey = created.recoveryKey;
    this.offerFirstCard = true;
    this.status = created.status;
  }

  confirmRecoveryKeySaved(): void {
    this.pendingRecoveryKey = null;
  }

  /** The first-run card step is done (a card linked, or skipped). */
  finishFirstRun(): void {
    this.offerFirstCard = false;
  }

  async unlock(request: WalletUnlockRequest): Promise<void> {
    try {
      this.status = await ipc.call('wallet_unlock', request);
      this.offerKeyring = request.method === 'recovery_key';
    } catch (error) {
      // A failed unlock changes the state (key_missing, key_mismatch…): show it.
      await this.load();
      throw error;
    }
  }

  /**
   * Tells the backend the person is using the window (a key, a click, a scroll, a touch), at
   * most every `everyMs`: only this postpones the auto-lock, never a screen's refresh.
   */
  watchUserActivity(target: EventTarget, everyMs = 10_000, now: () => number = Date.now): () => void {
    let last = -Infinity;
    const onInput = () => {
      if (this.status?.state !== 'unlocked' || now() - last < everyMs) return;
      last = now();
      ipc.call('wallet_user_active', {}).then(
        (status) => (this.status = status),
        () => {},
      );
    };
    const kinds = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
    for (const kind of kinds) target.addEventListener(kind, onInput, { capture: true, passive: true });
    return () => {
      for (const kind of kinds) target.removeEventListener(kind, onInput, { capture: true });
    };
  }

  /** Answers the offer: keep the key in the system keyring again, or not now. */
  async answerKeyringOffer(keep: boolean): Promise<void> {
    if (keep) this.status = await ipc.call('wallet_set_keyring', { keepInKeyring: true, proof: null });
    this.offerKeyring = false;
  }

  async lock(): Promise<void> {
    this.status = await ipc.call('wallet_lock', {});
  }

  async setAutoLock(minutes: number | null): Promise<void> {
    this.status = await ipc.call('wallet_set_auto_lock', { minutes });
  }
}

export const wallet = new WalletStore();

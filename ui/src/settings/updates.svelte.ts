// A new version of Consentry: looked for once when the window opens (if the cardholder allows
// it and this copy came from a package — the backend decides) or from Settings, then offered in
// a dialog. Nothing is installed until the cardholder presses Install on that version.
import { ipc, type UpdateCheck, type UpdateOffer } from '../ipc';

class Updates {
  /** The version on offer, while the prompt is open. */
  offer = $state<UpdateOffer | null>(null);
  /** The answer to the last check asked for in Settings. */
  lastCheck = $state<UpdateCheck | null>(null);
  checking = $state(false);
  installing = $state(false);
  /** Why the last check asked for in Settings failed. */
  checkError = $state<unknown>(null);
  /** Why installing the version on offer failed (shown in the prompt). */
  installError = $state<unknown>(null);
  /** The version installed; Consentry restarts into it. */
  installed = $state<string | null>(null);
  #automaticDone = false;
  /** Versions the cardholder said "Later" to in this session: not offered again on their own. */
  #postponed = new Set<string>();

  /** Once per session, when the window opens: a failure is kept quiet (no network is normal). */
  async checkAutomatically(): Promise<void> {
    if (this.#automaticDone) return;
    this.#automaticDone = true;
    try {
      const check = await ipc.call('update_check', { automatic: true });
      const available = check.available;
      if (available && !this.#postponed.has(available.version)) this.#offer(available);
    } catch {
      // Settings → Check for updates says what went wrong, when asked.
    }
  }

  /** "Check for updates": always asks, and offers what it finds even if postponed before. */
  async checkNow(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    this.checkError = null;
    try {
      const check = await ipc.call('update_check', { automatic: false });
      this.lastCheck = check;
      if (check.available) this.#offer(check.available);
    } catch (e) {
      this.checkError = e;
    } finally {
      this.checking = false;
    }
  }

  #offer(offer: UpdateOffer) {
    this.installError = null;
    this.offer = offer;
  }

  /** "Later": closes the prompt; nothing is downloaded. */
  later() {
    if (this.installing) return;
    if (this.offer) this.#postponed.add(this.offer.version);
    this.offer = null;
  }

  /** "Install": the cardholder's yes to the version shown. Consentry restarts when it is in. */
  async install(): Promise<void> {
    const offer = this.offer;
    if (!offer || this.installing || this.installed) return;
    this.installing = true;
    this.installError = null;
    try {
      const done = await ipc.call('update_install', { version: offer.version });
      this.installed = done.version;
    } catch (e) {
      this.installError = e;
    } finally {
      this.installing = false;
    }
  }
}

export const updates = new Updates();

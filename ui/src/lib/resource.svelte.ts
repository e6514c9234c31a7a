// A value loaded from the backend, with its loading and error states for the UI.
import { IpcError } from '../ipc';

export type Loaded<T> =
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: IpcError };

export class Resource<T> {
  state = $state<Loaded<T>>({ status: 'loading' });
  readonly #load: () => Promise<T>;

  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  async refresh(): Promise<void> {
    this.state = { status: 'loading' };
    try {
      this.state = { status: 'ready', value: await this.#load() };
    } catch (raw) {
      const error = raw instanceof IpcError ? raw : new IpcError({ code: 'internal', message: String(raw) });
      this.state = { status: 'error', error };
    }
  }
}

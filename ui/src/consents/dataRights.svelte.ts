// The cardholder's data requests to apps (access to or deletion of their data), loaded once
// for every app and added to as new requests are made.
import { ipc, type DataRequestKindDto, type DataRequestView } from '../ipc';

class DataRightsStore {
  requests = $state<DataRequestView[]>([]);
  loaded = $state(false);
  error = $state<unknown>(null);

  async load(): Promise<void> {
    try {
      this.requests = (await ipc.call('data_requests_list', { appId: null })).requests;
      this.error = null;
    } catch (e) {
      this.error = e;
    } finally {
      this.loaded = true;
    }
  }

  /** Newest first. */
  forApp(appId: string): DataRequestView[] {
    return this.requests.filter((r) => r.appId === appId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async create(appId: string, kind: DataRequestKindDto): Promise<DataRequestView> {
    const request = await ipc.call('data_request_create', { appId, kind });
    this.requests = [request, ...this.requests.filter((r) => r.id !== request.id)];
    return request;
  }
}

export const dataRights = new DataRightsStore();

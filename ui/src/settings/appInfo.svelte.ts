// app_info, loaded once and shared by Settings and the status bar.
import { ipc, type AppInfo } from '../ipc';
import { Resource } from '../lib/resource.svelte';

export const appInfo = new Resource<AppInfo>(() => ipc.call('app_info', {}));

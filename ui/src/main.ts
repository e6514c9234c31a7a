import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { setupI18n } from './lib/i18n';
import { followLanguage } from './wallet/language.svelte';
import { LAUNCH_MARKS, markLaunch } from './lib/ready';
import { wallet } from './wallet/wallet.svelte';

markLaunch(LAUNCH_MARKS.script);
// Asked before the first render, so the answer is here in time for the first frame.
void wallet.load();

setupI18n();
followLanguage();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const app = mount(App, { target });
markLaunch(LAUNCH_MARKS.mounted);
export default app;

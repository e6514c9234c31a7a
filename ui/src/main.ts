import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { setupI18n } from './lib/i18n';
import { followLanguage } from './wallet/language.svelte';

setupI18n();
followLanguage();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });

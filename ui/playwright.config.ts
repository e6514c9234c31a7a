import { defineConfig } from '@playwright/test';

// Page tests: the built UI (vite preview of dist/) in Debian's Chromium, with the mock IPC.
// Nothing here downloads a browser.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// make test passes a free port; 4173 (vite preview's default) otherwise.
const port = Number(process.env.PAGES_PORT ?? 4173);

export default defineConfig({
  testDir: 'tests/pages',
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/pages.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});

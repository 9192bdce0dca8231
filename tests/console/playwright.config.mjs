// The console's browser tests: Debian's Chromium (no browser download), headless, one
// worker (each test starts its own samsa; the machines have two cores), bounded times.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './specs',
  testMatch: '*.spec.mjs',
  outputDir: './test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.SAMSA_CHROMIUM || '/usr/bin/chromium',
      // The machine has no network beyond the package registries: no background
      // connections, updates or QUIC probes that would be refused.
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--disable-quic', '--disable-gpu'],
    },
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});

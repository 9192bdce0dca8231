// Playwright fixtures: every test gets its own samsa (lib/broker.mjs), a kafkajs client
// for it, and a page whose baseURL is the broker's console. A page error (an uncaught
// exception in the console's JavaScript) fails the test.
import { test as base, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { startBroker } from './broker.mjs';

const { Kafka, logLevel } = kafkajs;
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export const test = base.extend({
  // Broker settings for a test file: test.use({ brokerOverrides: {...} }).
  brokerOverrides: [{}, { option: true }],

  broker: async ({ brokerOverrides }, use, testInfo) => {
    const broker = await startBroker({ overrides: brokerOverrides });
    try {
      await use(broker);
    } finally {
      await broker.stop();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('broker.log', { path: broker.logPath, contentType: 'text/plain' }).catch(() => {});
        process.stderr.write(`----- broker log (${broker.logPath})\n${broker.log().slice(-20000)}\n`);
      }
      broker.cleanup();
    }
  },

  baseURL: async ({ broker }, use) => use(broker.url),

  kafka: async ({ broker }, use) => {
    await use(new Kafka({
      clientId: 'samsa-console-test',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8 },
    }));
  },

  page: async ({ page }, use) => {
    const errors = [];
    page.on('pageerror', (err) => errors.push(err));
    await use(page);
    expect(errors, `uncaught errors in the console's JavaScript: ${errors.map((e) => e.stack || e).join('\n')}`).toEqual([]);
  },
});

export { expect };

// Saves a screenshot of the page as console-NAME.png in the test's output folder and,
// when SAMSA_CONSOLE_SCREENSHOTS names a folder (docs/images for the README; relative to
// the repository's root), there too.
export async function shot(page, testInfo, name, options = {}) {
  const file = `console-${name}.png`;
  // No caret or hover state, and whatever is loading has settled.
  await page.mouse.move(0, 0);
  await page.evaluate(() => {
    document.activeElement?.blur?.();
    document.getElementById('toasts')?.replaceChildren();
  });
  // As tall as the page's content (within bounds), not the window: no empty half.
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => Math.ceil(document.getElementById('main').getBoundingClientRect().bottom + 24));
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, 480), 1600) });
  const body = await page.screenshot({ animations: 'disabled', ...options });
  await page.setViewportSize(viewport);
  await testInfo.attach(file, { body, contentType: 'image/png' });
  if (process.env.SAMSA_CONSOLE_SCREENSHOTS) {
    const dir = path.resolve(REPO_ROOT, process.env.SAMSA_CONSOLE_SCREENSHOTS);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), body);
  }
}

// Creates a topic and waits until the broker serves it.
export async function createTopic(kafka, topic, numPartitions = 1) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

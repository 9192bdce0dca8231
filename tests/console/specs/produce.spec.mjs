// Producing from the browser: a record with key, JSON value and headers to a chosen
// partition, then one through the default partitioner with a null key; each is shown in
// the list right after, and a Kafka consumer reads exactly those bytes.
import { test, expect, createTopic, sleep } from '../lib/fixtures.mjs';

const TOPIC = 'events';

test('a message produced from the browser is listed and consumed', async ({ page, kafka }) => {
  await createTopic(kafka, TOPIC, 3);
  await page.goto(`/#/topics/${TOPIC}/messages`);
  await expect(page.getByTestId('messages-status')).toContainText('0 messages');

  await page.getByTestId('produce-open').click();
  const dialog = page.getByTestId('produce-dialog');
  await dialog.getByTestId('produce-partition').selectOption('2');
  await dialog.getByTestId('produce-key').fill('customer-42');
  await dialog.getByTestId('produce-value').fill('{"event":"signed-up","customer":42}');
  await dialog.getByTestId('produce-header-add').click();
  await dialog.getByTestId('produce-header-key').last().fill('__TypeId__');
  await dialog.getByTestId('produce-header-value').last().fill('com.example.events.SignedUp');
  await dialog.getByTestId('produce-header-add').click();
  await dialog.getByTestId('produce-header-key').last().fill('source');
  await dialog.getByTestId('produce-header-value').last().fill('console');
  await dialog.getByTestId('produce-submit').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('produce-result')).toContainText('partition 2 at offset 0');

  const row = page.getByTestId('message-row-2-0');
  await expect(row).toBeVisible();
  await expect(row).toContainText('customer-42');
  await expect(row).toContainText('signed-up');
  await expect(row).toContainText('SignedUp');
  await row.click();
  const detail = page.getByTestId('message-detail-2-0');
  await expect(detail.getByTestId('message-value')).toHaveAttribute('data-format', 'json');
  await expect(detail.getByTestId('message-value')).toContainText('"customer": 42');
  await expect(detail.getByTestId('message-typeid')).toContainText('com.example.events.SignedUp');
  await expect(detail.getByTestId('header-source')).toContainText('console');

  // No partition, no key: the default partitioner picks one.
  await page.getByTestId('produce-open').click();
  await page.getByTestId('produce-value').fill('second, as text');
  await page.getByTestId('produce-submit').click();
  await expect(page.getByTestId('produce-result')).toContainText('Produced to partition');
  const second = (await page.getByTestId('produce-result').textContent()).match(/partition (\d+) at offset (\d+)/);
  expect(second).not.toBeNull();
  const secondRow = page.getByTestId(`message-row-${second[1]}-${second[2]}`);
  await expect(secondRow).toContainText('second, as text');
  await expect(secondRow.locator('td').nth(3)).toHaveText('null');
  await expect(page.getByTestId('messages-table').locator('tbody tr[data-testid^="message-row-"]')).toHaveCount(2);

  // A Kafka consumer reads both, with the headers as sent.
  const got = [];
  const consumer = kafka.consumer({ groupId: 'produce-check', maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let done;
  const both = new Promise((resolve) => { done = resolve; });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      got.push({ partition, message });
      if (got.length === 2) done();
    },
  });
  await Promise.race([both, sleep(30_000)]);
  await consumer.disconnect();
  expect(got).toHaveLength(2);
  const firstGot = got.find((m) => m.message.key?.toString() === 'customer-42');
  expect(firstGot.partition).toBe(2);
  const first = firstGot.message;
  expect(first.key.toString()).toBe('customer-42');
  expect(first.value.toString()).toBe('{"event":"signed-up","customer":42}');
  expect(first.headers.__TypeId__.toString()).toBe('com.example.events.SignedUp');
  expect(first.headers.source.toString()).toBe('console');
  const other = got.find((m) => m.message.value.toString() === 'second, as text');
  expect(other.message.key).toBeNull();
  expect(other.partition).toBe(Number(second[1]));
});

// Browsing messages: JSON values pretty-printed, headers with Spring's __TypeId__ shown,
// text and binary values, the JSON/text/hex switch, partition/offset/order choices and
// the key and text filters.
import { test, expect, shot, createTopic } from '../lib/fixtures.mjs';

const TOPIC = 'orders';

test('records are browsed with JSON values and headers', async ({ page, kafka }, testInfo) => {
  await createTopic(kafka, TOPIC, 2);
  const producer = kafka.producer();
  await producer.connect();
  const base = Date.UTC(2025, 0, 15, 9, 30, 0);
  // Partition 0: five JSON orders; partition 1: a text record, a binary one, a null key.
  await producer.send({
    topic: TOPIC,
    messages: Array.from({ length: 5 }, (_, i) => ({
      partition: 0,
      key: `order-${i}`,
      timestamp: String(base + i * 60_000),
      value: JSON.stringify({
        orderId: 1000 + i, customer: { name: i === 3 ? 'Grace Hopper' : 'Ada Lovelace', vip: i % 2 === 0 },
        lines: [{ sku: 'A-1', qty: i + 1 }], total: 12.5 * (i + 1), id64: '9007199254740993',
      }),
      headers: { __TypeId__: 'com.example.orders.OrderPlaced', traceparent: `00-trace-${i}-01` },
    })),
  });
  await producer.send({
    topic: TOPIC,
    messages: [
      { partition: 1, key: 'note', value: 'plain text, not JSON', timestamp: String(base + 10 * 60_000) },
      { partition: 1, key: 'blob', value: Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]), timestamp: String(base + 11 * 60_000) },
      { partition: 1, key: null, value: '{"raw": 12345678901234567890}', timestamp: String(base + 12 * 60_000) },
    ],
  });
  await producer.disconnect();

  await page.goto('/#/overview');
  await expect(page.getByTestId('overview-count-topics')).toContainText('1');
  await expect(page.getByTestId('overview-count-partitions')).toContainText('2');
  await expect(page.getByTestId('overview-version')).not.toBeEmpty();

  // All partitions, newest first (the default).
  await page.goto(`/#/topics/${TOPIC}/messages`);
  const rows = page.getByTestId('messages-table').locator('tbody tr');
  await expect(rows).toHaveCount(8);
  await expect(page.getByTestId('messages-status')).toContainText('8 messages');

  // A JSON record: pretty-printed, exact digits, headers with __TypeId__ prominent.
  const row = page.getByTestId('message-row-0-3');
  await expect(row).toContainText('order-3');
  await expect(row).toContainText('Grace Hopper');
  await expect(row).toContainText('OrderPlaced');
  await row.click();
  const detail = page.getByTestId('message-detail-0-3');
  const value = detail.getByTestId('message-value');
  await expect(value).toHaveAttribute('data-format', 'json');
  await expect(value).toContainText('"name": "Grace Hopper"');
  await expect(value).toContainText('"total": 50');
  const pretty = await value.textContent();
  expect(pretty.split('\n').length).toBeGreaterThan(10);
  await expect(detail.getByTestId('message-typeid')).toContainText('com.example.orders.OrderPlaced');
  const headers = detail.getByTestId('message-headers');
  await expect(headers.getByTestId('header-__TypeId__')).toContainText('com.example.orders.OrderPlaced');
  await expect(headers.getByTestId('header-traceparent')).toContainText('00-trace-3-01');
  await expect(detail.getByTestId('detail-key')).toHaveText('order-3');
  await shot(page, testInfo, 'messages');

  // Switch to text and hex.
  await detail.getByTestId('message-value-format-text').click();
  await expect(value).toHaveAttribute('data-format', 'text');
  await expect(value).toContainText('{"orderId":1003,');
  await detail.getByTestId('message-value-format-hex').click();
  await expect(value).toContainText('7b 22 6f 72 64 65 72 49'); // {"orderI
  await row.click();
  await expect(detail).toBeHidden();

  // A big integer keeps its digits in the JSON view; a text value opens as text, a binary one as hex.
  await page.getByTestId('message-row-1-2').click();
  await expect(page.getByTestId('message-detail-1-2').getByTestId('message-value')).toContainText('"raw": 12345678901234567890');
  await page.getByTestId('message-row-1-0').click();
  const text = page.getByTestId('message-detail-1-0').getByTestId('message-value');
  await expect(text).toHaveAttribute('data-format', 'text');
  await expect(text).toHaveText('plain text, not JSON');
  await expect(page.getByTestId('message-detail-1-0').getByTestId('message-value-format-json')).toBeDisabled();
  await page.getByTestId('message-row-1-1').click();
  const bin = page.getByTestId('message-detail-1-1').getByTestId('message-value');
  await expect(bin).toHaveAttribute('data-format', 'hex');
  await expect(bin).toContainText('00 ff 10 80 41');
  await expect(page.getByTestId('message-detail-1-1').getByTestId('message-value-format-text')).toBeDisabled();

  // One partition, from an offset, oldest first.
  await page.getByTestId('messages-partition').selectOption('0');
  await page.getByTestId('messages-from').selectOption('offset');
  await page.getByTestId('messages-offset').fill('2');
  await page.getByTestId('messages-order').selectOption('oldest');
  await page.getByTestId('messages-load').click();
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-testid', 'message-row-0-2');
  await expect(rows.nth(2)).toHaveAttribute('data-testid', 'message-row-0-4');
  await expect(page).toHaveURL(/partition=0/);

  // Newest first from the latest, limited.
  await page.getByTestId('messages-from').selectOption('latest');
  await page.getByTestId('messages-order').selectOption('newest');
  await page.getByTestId('messages-limit').fill('2');
  await page.getByTestId('messages-load').click();
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-testid', 'message-row-0-4');
  await expect(rows.nth(1)).toHaveAttribute('data-testid', 'message-row-0-3');

  // From a timestamp (between the second and third order).
  await page.getByTestId('messages-limit').fill('50');
  await page.getByTestId('messages-from').selectOption('timestamp');
  await page.getByTestId('messages-order').selectOption('oldest');
  await page.getByTestId('messages-timestamp').fill(localInput(base + 90_000));
  await page.getByTestId('messages-load').click();
  await expect(rows.first()).toHaveAttribute('data-testid', 'message-row-0-2');
  await expect(rows).toHaveCount(3);

  // Key and text filters over all partitions.
  await page.getByTestId('messages-partition').selectOption('all');
  await page.getByTestId('messages-from').selectOption('earliest');
  await page.getByTestId('messages-key').fill('order-1');
  await page.getByTestId('messages-load').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-testid', 'message-row-0-1');
  await page.getByTestId('messages-key').fill('');
  await page.getByTestId('messages-q').fill('Grace');
  await page.getByTestId('messages-load').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-testid', 'message-row-0-3');
  await page.getByTestId('messages-q').fill('trace-4');
  await page.getByTestId('messages-load').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-testid', 'message-row-0-4');

  // The settings are in the address: a reload shows the same.
  await page.reload();
  await expect(page.getByTestId('messages-q')).toHaveValue('trace-4');
  await expect(rows).toHaveCount(1);
});

// The value an <input type="datetime-local"> takes for epoch millis, in local time.
function localInput(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

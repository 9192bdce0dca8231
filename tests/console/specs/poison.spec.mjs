// The poison-record story, end to end: a consumer group keeps failing on one record
// (it retries forever, as a Spring listener does); the user finds the record in the
// message browser, starts "Skip this record for a group", sees the preview, is told the
// group must be inactive first, stops the consumer, applies; the consumer restarts and
// gets every record after the poison one, none lost, the poison one not again.
import { test, expect, shot, createTopic, sleep } from '../lib/fixtures.mjs';

const TOPIC = 'orders';
const GROUP = 'billing';
const COUNT = 20;
const POISON = 7; // offset of the record whose value is not JSON

test('a group stuck on a poison record is moved past it from the browser', async ({ page, kafka }, testInfo) => {
  await createTopic(kafka, TOPIC, 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    messages: Array.from({ length: COUNT }, (_, i) => ({
      partition: 0,
      key: `order-${i}`,
      value: i === POISON ? '{"id": 7, "amount": 12.5,' : JSON.stringify({ id: i, amount: 10 + i, currency: 'EUR' }),
      headers: { __TypeId__: 'com.example.billing.OrderPlaced' },
    })),
  });
  await producer.disconnect();

  // The stuck consumer: commits each record it handles; on the poison one it retries
  // forever (heartbeating, so the group stays Stable) until told to stop. Once stopped it
  // handles and commits nothing more (kafkajs goes on through the fetched batch while it
  // disconnects), and it never throws: a crash would make kafkajs restart the consumer,
  // which could join the group again while the test takes it down.
  const handled = [];
  let attempts = 0;
  let stop = false;
  let stuck;
  const stuckAt = new Promise((resolve) => { stuck = resolve; });
  const first = kafka.consumer({
    groupId: GROUP, maxWaitTimeInMs: 500, retry: { retries: 0, restartOnFailure: async () => false },
  });
  await first.connect();
  await first.subscribe({ topic: TOPIC, fromBeginning: true });
  await first.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message, heartbeat }) => {
      if (stop) return;
      for (;;) {
        try {
          const order = JSON.parse(message.value.toString());
          handled.push(order.id);
          await first.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          return;
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          attempts++;
          if (attempts === 3) stuck(Number(message.offset));
          if (stop) return; // not handled, not committed
          await heartbeat();
          await sleep(200);
        }
      }
    },
  });
  expect(await stuckAt).toBe(POISON);
  expect(handled).toEqual(Array.from({ length: POISON }, (_, i) => i));

  // The overview counts the group (and the topics, __consumer_offsets among them).
  await page.goto('/#/overview');
  await expect(page.getByTestId('overview-count-groups')).toContainText('1');
  await shot(page, testInfo, 'overview');

  // The group page shows the lag at the poison record.
  await page.goto(`/#/groups/${GROUP}`);
  await expect(page.getByTestId('group-state')).toHaveText('Stable');
  const row = page.getByTestId(`offset-row-${TOPIC}-0`);
  await expect(row.getByTestId('committed')).toHaveText(String(POISON));
  await expect(row.getByTestId('lag')).toHaveText(String(COUNT - POISON));

  // Browse to the record the group is stuck on: it opens expanded.
  await row.getByTestId(`view-record-${TOPIC}-0`).click();
  const detail = page.getByTestId(`message-detail-0-${POISON}`);
  await expect(detail).toBeVisible();
  await expect(detail.getByTestId('message-value')).toHaveText('{"id": 7, "amount": 12.5,');
  await expect(detail.getByTestId('message-value')).toHaveAttribute('data-format', 'text');
  await expect(detail.getByTestId('message-typeid')).toContainText('com.example.billing.OrderPlaced');

  // Skip it for the group: the dialog finds the group stuck on this very record.
  await detail.getByTestId('skip-for-group').click();
  const choice = page.getByTestId(`skip-group-${GROUP}`);
  await expect(choice).toContainText('stuck on this record');
  await page.getByTestId('skip-continue').click();

  await expect(page).toHaveURL(new RegExp(`#/groups/${GROUP}\\?`));
  await expect(page.getByTestId('reset-context')).toContainText(`resume at offset ${POISON + 1}`);
  await expect(page.getByTestId('reset-to')).toHaveValue('skip');
  await expect(page.getByTestId('reset-partition')).toHaveValue('0');
  await expect(page.getByTestId('reset-apply')).toBeDisabled();
  await page.getByTestId('reset-preview').click();
  const preview = page.getByTestId('reset-preview-row-0');
  await expect(preview.getByTestId('preview-current')).toHaveText(String(POISON));
  await expect(preview.getByTestId('preview-new')).toHaveText(String(POISON + 1));
  await expect(preview).toContainText('skips 1 record');
  await expect(page.getByTestId('reset-apply')).toBeEnabled();
  await shot(page, testInfo, 'group-reset');

  // While the consumer runs, Kafka refuses: the message names the state.
  await page.getByTestId('reset-apply').click();
  await expect(page.getByTestId('reset-error')).toContainText('Stable');
  await expect(page.getByTestId('reset-error')).toContainText('inactive');

  // Stop the consumer (it leaves the group), then apply.
  stop = true;
  await first.disconnect();
  await page.getByTestId('refresh-now').click();
  await expect(page.getByTestId('group-state')).toHaveText('Empty');
  await page.getByTestId('reset-preview').click();
  await expect(page.getByTestId('reset-preview-row-0').getByTestId('preview-new')).toHaveText(String(POISON + 1));
  await page.getByTestId('reset-apply').click();
  await expect(page.getByTestId('reset-result')).toContainText(`partition 0 → ${POISON + 1}`);
  await expect(page.getByTestId(`offset-row-${TOPIC}-0`).getByTestId('committed')).toHaveText(String(POISON + 1));
  await expect(page.getByTestId('reset-apply')).toBeDisabled();

  // The consumer restarts: every record after the poison one arrives, nothing else.
  const after = [];
  const second = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 500 });
  await second.connect();
  await second.subscribe({ topic: TOPIC, fromBeginning: true });
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  await second.run({
    eachMessage: async ({ message }) => {
      after.push({ offset: Number(message.offset), id: JSON.parse(message.value.toString()).id });
      if (after.length >= COUNT - POISON - 1) done();
    },
  });
  await Promise.race([all, sleep(30_000)]);
  await sleep(500); // nothing more may come
  await second.disconnect();
  const expected = Array.from({ length: COUNT - POISON - 1 }, (_, i) => POISON + 1 + i);
  expect(after.map((m) => m.offset)).toEqual(expected);
  expect(after.map((m) => m.id)).toEqual(expected);
  expect([...handled, ...after.map((m) => m.id)].sort((a, b) => a - b))
    .toEqual(Array.from({ length: COUNT }, (_, i) => i).filter((i) => i !== POISON));

  // The group page agrees: no lag left.
  await page.getByTestId('refresh-now').click();
  await expect(page.getByTestId(`offset-row-${TOPIC}-0`).getByTestId('lag')).toHaveText('0');
});

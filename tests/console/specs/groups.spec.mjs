// Groups and transactions pages: the group list with state, members and lag; deleting a
// group (refused while it has members, done once it is empty); an open transaction and
// its producer shown, then gone from Ongoing once committed.
import { test, expect, createTopic, sleep } from '../lib/fixtures.mjs';

test('groups are listed with lag and deleted once empty', async ({ page, kafka }) => {
  await createTopic(kafka, 'audit', 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'audit', messages: Array.from({ length: 5 }, (_, i) => ({ value: `entry ${i}` })) });

  const consumer = kafka.consumer({ groupId: 'auditors', maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'audit', fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => { seen++; } });
  await expect.poll(() => seen, { timeout: 20_000 }).toBe(5);
  await consumer.disconnect(); // commits 5, leaves the group
  await producer.send({ topic: 'audit', messages: [{ value: 'entry 5' }, { value: 'entry 6' }] });
  await producer.disconnect();

  await page.goto('/#/groups');
  const row = page.getByTestId('group-row-auditors');
  await expect(row).toContainText('Empty');
  await expect(row.locator('td').nth(5)).toHaveText('2');

  // An active member: deletion is refused with Kafka's reason.
  const active = kafka.consumer({ groupId: 'auditors', maxWaitTimeInMs: 500 });
  await active.connect();
  await active.subscribe({ topic: 'audit' });
  await active.run({ eachMessage: async () => {} });
  await row.getByRole('link', { name: 'auditors' }).click();
  await expect(page.getByTestId('group-state')).toHaveText('Stable', { timeout: 20_000 });
  await expect(page.getByTestId('group-members').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('group-members')).toContainText('samsa-console-test');
  await page.getByTestId('delete-group').click();
  await page.getByTestId('delete-group-confirm').click();
  await expect(page.getByTestId('dialog-error')).toContainText('NON_EMPTY_GROUP');
  await page.getByTestId('dialog-cancel').click();
  await active.disconnect();

  await page.getByTestId('refresh-now').click();
  await expect(page.getByTestId('group-state')).toHaveText('Empty');
  await page.getByTestId('delete-group').click();
  await page.getByTestId('delete-group-confirm').click();
  await expect(page).toHaveURL(/#\/groups$/);
  await expect(page.getByTestId('group-row-auditors')).toHaveCount(0);
});

test('an open transaction and its producer are shown', async ({ page, kafka }) => {
  await createTopic(kafka, 'ledger', 2);
  const producer = kafka.producer({ transactionalId: 'ledger-writer', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({ topic: 'ledger', messages: [{ partition: 1, key: 'a', value: 'debit' }] });

  await page.goto('/#/transactions?topic=ledger');
  const row = page.getByTestId('txn-ledger-writer');
  await expect(row).toContainText('Ongoing');
  await expect(row).toContainText('ledger: 1');
  const producers = page.getByTestId('producers-table');
  await expect(producers.locator('tbody tr')).toHaveCount(1);
  await expect(producers).toContainText('offset 0'); // the open transaction's first offset

  await txn.commit();
  await producer.disconnect();
  await sleep(200);
  await page.getByTestId('refresh-now').click();
  await expect(row).not.toContainText('Ongoing');
  await expect(producers).not.toContainText('offset 0');
});

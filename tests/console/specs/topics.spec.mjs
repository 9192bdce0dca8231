// Topics from the browser: create (partitions and a config), see it listed and described,
// edit a config, add partitions, delete it; and a broker with delete.topic.enable=false
// refusing the deletion, shown as such.
import { test, expect, shot, createTopic } from '../lib/fixtures.mjs';

async function topicNames(kafka) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

test('create a topic, change it, delete it', async ({ page, kafka }, testInfo) => {
  await createTopic(kafka, 'payments', 2);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'payments',
    messages: Array.from({ length: 40 }, (_, i) => ({ key: `p-${i}`, value: JSON.stringify({ payment: i, amount: i * 3 }) })),
  });
  await producer.disconnect();
  await page.goto('/#/topics');
  await expect(page.getByTestId('topic-row-payments')).toBeVisible();

  await page.getByTestId('create-topic').click();
  const dialog = page.getByTestId('create-topic-dialog');
  await dialog.getByTestId('create-topic-name').fill('invoices');
  await dialog.getByTestId('create-topic-partitions').fill('3');
  await dialog.getByTestId('create-topic-config-add').click();
  await dialog.getByTestId('create-topic-config-key').fill('retention.ms');
  await dialog.getByTestId('create-topic-config-value').fill('3600000');
  await dialog.getByTestId('create-topic-submit').click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('topic-row-invoices');
  await expect(row).toBeVisible();
  await expect(row.locator('td').nth(1)).toHaveText('3');
  expect(await topicNames(kafka)).toContain('invoices');

  // Creating it again: the broker's error is shown in the dialog, which stays open.
  await page.getByTestId('create-topic').click();
  await page.getByTestId('create-topic-name').fill('invoices');
  await page.getByTestId('create-topic-submit').click();
  await expect(page.getByTestId('dialog-error')).toContainText('TOPIC_ALREADY_EXISTS');
  await page.getByTestId('dialog-cancel').click();

  // The filter.
  await page.getByTestId('topic-filter').fill('inv');
  await expect(page.getByTestId('topic-row-payments')).toBeHidden();
  await expect(row).toBeVisible();
  await page.getByTestId('topic-filter').fill('');
  await expect(page.getByTestId('topic-row-payments')).toBeVisible();
  await expect(page.getByTestId('topic-row-payments').locator('td').nth(3)).toHaveText('40');
  await shot(page, testInfo, 'topics');

  // The topic page: partitions and the config override.
  await row.getByRole('link', { name: 'invoices' }).click();
  await expect(page.getByTestId('topic-name')).toHaveText('invoices');
  await expect(page.getByTestId('partitions-table').locator('tbody tr')).toHaveCount(3);
  const retention = page.getByTestId('config-row-retention.ms');
  await expect(retention).toContainText('3600000');
  await expect(retention).toContainText('topic override');

  // Edit it, then reset it to the default.
  await page.getByTestId('config-edit-retention.ms').click();
  await page.getByTestId('config-value-input').fill('7200000');
  await page.getByTestId('config-save').click();
  await expect(page.getByTestId('config-value-retention.ms')).toHaveText('7200000');
  await page.getByTestId('config-delete-retention.ms').click();
  await expect(retention).not.toContainText('topic override');
  await expect(page.getByTestId('config-value-retention.ms')).toHaveText('604800000');

  // Add partitions (new total 4).
  await page.getByTestId('add-partitions-count').fill('4');
  await page.getByTestId('add-partitions-submit').click();
  await expect(page.getByTestId('partitions-table').locator('tbody tr')).toHaveCount(4);

  // Delete: the dialog names the consequence and wants the name typed.
  await page.getByTestId('delete-topic').click();
  const del = page.getByTestId('delete-topic-dialog');
  await expect(del).toContainText('cannot be undone');
  await expect(del.getByTestId('delete-topic-confirm')).toBeDisabled();
  await del.getByTestId('delete-topic-confirm-name').fill('invoices');
  await del.getByTestId('delete-topic-confirm').click();
  await expect(page).toHaveURL(/#\/topics$/);
  await expect(page.getByTestId('topic-row-payments')).toBeVisible();
  await expect(page.getByTestId('topic-row-invoices')).toHaveCount(0);
  await expect.poll(() => topicNames(kafka)).not.toContain('invoices');

  // Delete the records of one partition up to its end: the start offset moves there.
  await page.getByTestId('topic-row-payments').getByRole('link', { name: 'payments' }).click();
  const p0 = page.getByTestId('partition-row-0');
  const end = (await p0.locator('td').nth(2).textContent()).replace(/,/g, '');
  expect(Number(end)).toBeGreaterThan(0);
  await page.getByTestId('delete-records-0').click();
  await page.getByTestId('delete-records-offset').fill('-1');
  await page.getByTestId('delete-records-submit').click();
  await expect(p0.locator('td').nth(1)).toHaveText(Number(end).toLocaleString('en-US'));
  await expect(p0.locator('td').nth(4)).toHaveText('0');
});

test.describe('with delete.topic.enable=false', () => {
  test.use({ brokerOverrides: { 'delete.topic.enable': 'false' } });

  test('deleting a topic is refused and says why', async ({ page, kafka }) => {
    await createTopic(kafka, 'keep-me', 1);
    await page.goto('/#/topics/keep-me');
    await page.getByTestId('delete-topic').click();
    const del = page.getByTestId('delete-topic-dialog');
    await expect(del.getByTestId('delete-topic-disabled-hint')).toBeVisible();
    await del.getByTestId('delete-topic-confirm-name').fill('keep-me');
    await del.getByTestId('delete-topic-confirm').click();
    await expect(del.getByTestId('dialog-error')).toContainText('topic deletion is disabled');
    await expect(del.getByTestId('dialog-error')).toContainText('TOPIC_DELETION_DISABLED');
    await del.getByTestId('dialog-cancel').click();
    expect(await topicNames(kafka)).toContain('keep-me');
  });
});

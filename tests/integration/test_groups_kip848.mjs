// KIP-848 consumer groups with a client that speaks the protocol:
// @confluentinc/kafka-javascript (librdkafka 2.15) with group.protocol=consumer.
//   node test_groups_kip848.mjs BOOTSTRAP
// 1. three members join a group on a 12-partition topic: every partition is assigned
//    exactly once and all 120 records are consumed;
// 2. one member leaves: the two others take its partitions over, again exactly once;
// 3. a regex subscription gets the partitions of every matching topic, also of a
//    matching topic created afterwards;
// 4. ConsumerGroupDescribe (through the admin client) and ListGroups see a consumer group.
// The package lives outside the tracked node folder (see docs/groups.md): the directory
// is $SAMSA_NODE848_DIR or ./node848 next to this file; without it the test exits 77.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.env.SAMSA_NODE848_DIR || path.join(here, 'node848');
if (!fs.existsSync(path.join(dir, 'node_modules', '@confluentinc', 'kafka-javascript'))) {
  console.log(`@confluentinc/kafka-javascript is not installed in ${dir}: skipping`);
  process.exit(77);
}
const Kafka = createRequire(path.join(dir, 'package.json'))('@confluentinc/kafka-javascript');
const bootstrap = process.argv[2];

const log = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fail = (message) => {
  throw new Error(message);
};

async function waitFor(what, timeoutMs, predicate) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [ok, state] = predicate();
    if (ok) return state;
    if (state !== last) log(`waiting for ${what}: ${state}`);
    last = state;
    await sleep(200);
  }
  fail(`timed out after ${timeoutMs} ms waiting for ${what}; last state: ${last}`);
}

const admin = Kafka.AdminClient.create({ 'bootstrap.servers': bootstrap, 'client.id': 'kip848-admin' });
const adminCall = (method, ...args) =>
  new Promise((resolve, reject) =>
    admin[method](...args, (err, result) => (err ? reject(err) : resolve(result))));
const createTopic = (topic, partitions) =>
  adminCall('createTopic', { topic, num_partitions: partitions, replication_factor: 1 }, 10000);

async function produce(topic, partitions, perPartition) {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, dr_cb: true, 'linger.ms': 5 });
  await new Promise((resolve, reject) => {
    producer.connect({}, (err) => (err ? reject(err) : resolve()));
  });
  let delivered = 0;
  producer.on('delivery-report', (err) => {
    if (err) fail(`delivery failed: ${err}`);
    delivered += 1;
  });
  producer.setPollInterval(20);
  const total = partitions * perPartition;
  for (let p = 0; p < partitions; p += 1)
    for (let i = 0; i < perPartition; i += 1)
      producer.produce(topic, p, Buffer.from(`${p}-${i}`), null, Date.now());
  await waitFor('deliveries', 30000, () => [delivered === total, `${delivered}/${total}`]);
  await new Promise((resolve) => producer.disconnect(resolve));
  return total;
}

// A group.protocol=consumer member that consumes in flowing mode and records values.
async function startMember(name, group, subscription) {
  const consumer = new Kafka.KafkaConsumer({
    'bootstrap.servers': bootstrap,
    'client.id': name,
    'group.id': group,
    'group.protocol': 'consumer',
    'enable.auto.commit': true,
    'auto.commit.interval.ms': 200,
    'auto.offset.reset': 'earliest',
    'topic.metadata.refresh.interval.ms': 1000,
  });
  consumer.values = new Set();
  consumer.label = name;
  consumer.on('data', (m) => consumer.values.add(`${m.topic}/${m.value.toString()}`));
  consumer.on('event.error', (err) => log(`${name} error: ${err}`));
  await new Promise((resolve, reject) => {
    consumer.connect({}, (err) => (err ? reject(err) : resolve()));
  });
  consumer.subscribe(subscription);
  consumer.consume();
  log(`${name} joined ${group}, subscribed to ${subscription}`);
  return consumer;
}

const stop = (consumer) => new Promise((resolve) => consumer.disconnect(resolve));

// [every partition of `topics` owned exactly once across `members`, description].
function coverage(members, topics) {
  const owners = new Map();
  for (const m of members)
    for (const tp of m.assignments()) {
      const key = `${tp.topic}/${tp.partition}`;
      owners.set(key, [...(owners.get(key) || []), m.label]);
    }
  let expected = 0;
  let exact = true;
  for (const [topic, n] of Object.entries(topics)) {
    expected += n;
    for (let p = 0; p < n; p += 1) if ((owners.get(`${topic}/${p}`) || []).length !== 1) exact = false;
  }
  if (owners.size !== expected) exact = false;
  const counts = members.map((m) => `${m.label}:${m.assignments().length}`).join(' ');
  const shared = [...owners].filter(([, o]) => o.length > 1).map(([k, o]) => `${k}=${o}`);
  return [exact, `${counts} (${owners.size}/${expected} owned${shared.length ? `; shared ${shared}` : ''})`];
}

async function main() {
  const topic = 'kip848-t';
  await createTopic(topic, 12);
  const total = await produce(topic, 12, 10);

  // 1. Three members on 12 partitions.
  const group = 'kip848-group';
  const members = [];
  for (const name of ['m1', 'm2', 'm3']) members.push(await startMember(name, group, [topic]));
  const t0 = Date.now();
  await waitFor('three members to share 12 partitions', 60000, () => {
    const [exact, state] = coverage(members, { [topic]: 12 });
    return [exact && members.every((m) => m.assignments().length === 4), state];
  });
  log(`three members own 4 partitions each after ${Date.now() - t0} ms`);
  await waitFor('all records consumed', 60000, () => {
    const all = new Set(members.flatMap((m) => [...m.values]));
    return [all.size === total, `${all.size}/${total}`];
  });

  // 2. One leaves (ConsumerGroupHeartbeat with epoch -1); the others take over.
  const t1 = Date.now();
  await stop(members.pop());
  await waitFor('two members to share 12 partitions', 60000, () => {
    const [exact, state] = coverage(members, { [topic]: 12 });
    return [exact && members.every((m) => m.assignments().length === 6), state];
  });
  log(`two members own 6 partitions each ${Date.now() - t1} ms after the leave`);

  // 4. The group as the admin client sees it.
  const listed = await adminCall('listGroups', { timeout: 10000 });
  const mine = listed.groups.find((g) => g.groupId === group);
  if (!mine) fail(`listGroups did not return ${group}: ${JSON.stringify(listed.groups)}`);
  log(`listGroups: ${JSON.stringify(mine)}`);
  if (mine.type !== Kafka.ConsumerGroupTypes.CONSUMER || mine.protocolType !== 'consumer')
    fail(`${group} is listed with type ${mine.type}, not consumer`);
  const described = await adminCall('describeGroups', [group], { timeout: 10000 });
  const d = described.groups[0];
  log(`describeGroups: state ${d.state} type ${d.type} members ${d.members.length} assignor ${d.partitionAssignor}`);
  if (d.error) fail(`describeGroups failed: ${d.error}`);
  if (d.members.length !== 2) fail(`describeGroups shows ${d.members.length} members, want 2`);
  // librdkafka describes with ConsumerGroupDescribe first: only that answer says "consumer".
  if (d.type !== Kafka.ConsumerGroupTypes.CONSUMER || d.state !== Kafka.ConsumerGroupStates.STABLE)
    fail(`describeGroups: type ${d.type} state ${d.state}, want a stable consumer group`);

  // 3. Regex subscription, including a matching topic created later.
  await createTopic('kip848-re-a', 2);
  await createTopic('kip848-re-b', 3);
  await createTopic('kip848-other', 2);
  const regexMember = await startMember('r1', 'kip848-regex', [/^kip848-re-.*/]);
  await waitFor('the regex member to own 5 partitions', 60000, () =>
    coverage([regexMember], { 'kip848-re-a': 2, 'kip848-re-b': 3 }));
  await createTopic('kip848-re-c', 1);
  await waitFor('the regex member to own the new topic too', 60000, () =>
    coverage([regexMember], { 'kip848-re-a': 2, 'kip848-re-b': 3, 'kip848-re-c': 1 }));
  log('regex subscription follows new topics');

  await stop(regexMember);
  for (const m of members) await stop(m);
  admin.disconnect();
}

const watchdog = setTimeout(() => {
  console.error('watchdog: test did not finish in 200 s');
  process.exit(1);
}, 200000);
main().then(
  () => {
    clearTimeout(watchdog);
    log('PASS');
    process.exit(0);
  },
  (err) => {
    console.error(`FAIL: ${err.stack || err}`);
    process.exit(1);
  });

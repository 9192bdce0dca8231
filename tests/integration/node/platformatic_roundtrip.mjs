// @platformatic/kafka against samsa. This client speaks only flexible versions
// (Produce >= 7..11, Fetch >= 12, Metadata >= 9) and ApiVersions v3 with no fallback.
// Its Consumer.consume() needs a consumer group, so the read-back uses Consumer.fetch(),
// a plain Fetch by topic id to the partition leader that never touches a group.
// Then its admin calls that flexible versions bring: incrementalAlterConfigs (SET,
// APPEND, DELETE) and alterConfigs, checked with describeConfigs, deleteRecords and
// describeLogDirs.
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka'

const bootstrap = process.argv[2]
const TOPIC = 'platformatic-roundtrip'
const PARTITIONS = 2
const N = 3000

function check (cond, msg) { if (!cond) throw new Error(`check failed: ${msg}`) }

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19)) {
  console.log(`SKIP: @platformatic/kafka needs Node.js >= 20.19, this is ${process.versions.node}`)
  process.exit(77)
}

const base = { clientId: 'samsa-it', bootstrapBrokers: [bootstrap], retries: 2, timeout: 20000 }
const admin = new Admin(base)
await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 })
const md = await admin.metadata({ topics: [TOPIC] })
const topic = md.topics.get(TOPIC)
check(topic && topic.partitionsCount === PARTITIONS, `metadata: ${JSON.stringify(topic, (k, v) => typeof v === 'bigint' ? String(v) : v)}`)
await admin.close()
console.log(`admin: created ${TOPIC} (id ${topic.id}) with ${PARTITIONS} partitions`)

const producer = new Producer({ ...base, serializers: stringSerializers, acks: -1 })
const messages = []
for (let i = 0; i < N; i++) {
  messages.push({ topic: TOPIC, partition: i % PARTITIONS, key: `k${i}`, value: `v${i}`, headers: { seq: String(i) } })
}
for (let i = 0; i < N; i += 500) await producer.send({ messages: messages.slice(i, i + 500) })
await producer.close()
console.log(`producer: ${N} records acknowledged (acks=-1)`)

const consumer = new Consumer({ ...base, groupId: 'samsa-it-unused' })
const got = []
for (let p = 0; p < PARTITIONS; p++) {
  const leader = topic.partitions[p].leader
  let offset = 0n
  const deadline = Date.now() + 30000
  while (offset < BigInt(N / PARTITIONS) && Date.now() < deadline) {
    const res = await consumer.fetch({
      node: leader, maxWaitTime: 500, minBytes: 1, maxBytes: 1048576,
      topics: [{ topicId: topic.id, partitions: [{ partition: p, fetchOffset: offset, partitionMaxBytes: 1048576, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }]
    })
    const part = res.responses[0].partitions[0]
    check(part.errorCode === 0, `fetch error ${part.errorCode} on partition ${p}`)
    for (const batch of part.records ?? []) {
      for (const r of batch.records) {
        const off = batch.firstOffset + BigInt(r.offsetDelta)
        if (off < offset) continue
        got.push({ p, off, key: r.key.toString(), value: r.value.toString(), headers: r.headers.map(([k, v]) => [k.toString(), v.toString()]) })
        offset = off + 1n
      }
    }
  }
}
await consumer.close()
check(got.length === N, `fetched ${got.length} of ${N}`)
for (const r of got) {
  const i = Number(r.key.slice(1))
  check(i % PARTITIONS === r.p, `${r.key} in partition ${r.p}`)
  check(r.off === BigInt(Math.floor(i / PARTITIONS)), `${r.key} at offset ${r.off}`)
  check(r.value === `v${i}`, `value of ${r.key}`)
  check(JSON.stringify(r.headers) === JSON.stringify([['seq', String(i)]]), `headers of ${r.key}: ${JSON.stringify(r.headers)}`)
}
console.log(`fetch: ${got.length} records read back by topic id, keys/values/headers/offsets match`)

const admin2 = new Admin(base)
const TOPIC_RESOURCE = 2
const topicConfigs = async () => {
  const [d] = await admin2.describeConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: TOPIC }] })
  return Object.fromEntries(d.configs.map(c => [c.name, { value: c.value, source: c.configSource }]))
}
await admin2.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: TOPIC, configs: [
  { name: 'retention.ms', configOperation: 0, value: '3600000' },
  { name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }] })
let configs = await topicConfigs()
check(configs['retention.ms'].value === '3600000' && configs['retention.ms'].source === 1, `retention.ms ${JSON.stringify(configs['retention.ms'])}`)
check(configs['cleanup.policy'].value === 'delete,compact', `cleanup.policy ${JSON.stringify(configs['cleanup.policy'])}`)
await admin2.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: TOPIC, configs: [
  { name: 'cleanup.policy', configOperation: 1 }] }] })
configs = await topicConfigs()
check(configs['cleanup.policy'].value === 'delete' && configs['cleanup.policy'].source === 5, `cleanup.policy after DELETE ${JSON.stringify(configs['cleanup.policy'])}`)
check(configs['retention.ms'].value === '3600000', 'retention.ms kept by an incremental change of another key')
await admin2.alterConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: TOPIC, configs: [
  { name: 'max.message.bytes', value: '4096' }] }] })
configs = await topicConfigs()
check(configs['max.message.bytes'].value === '4096', `max.message.bytes ${JSON.stringify(configs['max.message.bytes'])}`)
check(configs['retention.ms'].source === 5, 'alterConfigs (legacy) did not reset retention.ms to its default')
let refused = null
try {
  await admin2.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: TOPIC, configs: [
    { name: 'retention.ms', configOperation: 0, value: 'soon' }] }] })
} catch (e) {
  refused = e
}
check(refused !== null, 'an invalid value was accepted')
console.log('configs: incrementalAlterConfigs SET/APPEND/DELETE and alterConfigs seen by describeConfigs; invalid value refused')

const deleted = await admin2.deleteRecords({ topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: 1000n }] }] })
check(deleted[0].partitions[0].lowWatermark === 1000n, `deleteRecords ${JSON.stringify(deleted, (k, v) => typeof v === 'bigint' ? String(v) : v)}`)
console.log('deleteRecords: partition 0 now starts at 1000')

const [brokerDirs] = await admin2.describeLogDirs({ topics: [{ name: TOPIC, partitions: [0, 1] }] })
const dir = brokerDirs.results[0]
const sizes = dir.topics.find(t => t.name === TOPIC).partitions.map(p => p.partitionSize)
check(sizes.length === PARTITIONS && sizes.every(n => n > 0n), `partition sizes ${sizes}`)
check(dir.totalBytes > 0n && dir.usableBytes > 0n && dir.usableBytes <= dir.totalBytes, `dir bytes ${dir.totalBytes} / ${dir.usableBytes}`)
await admin2.close()
console.log(`describeLogDirs: ${dir.logDir} holds partitions of ${sizes.join(' and ')} bytes`)
console.log('PASS @platformatic/kafka round trip')

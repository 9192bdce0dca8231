// @platformatic/kafka against samsa. This client speaks only flexible versions
// (Produce >= 7..11, Fetch >= 12, Metadata >= 9) and ApiVersions v3 with no fallback.
// Its Consumer.consume() needs a consumer group, so the read-back uses Consumer.fetch(),
// a plain Fetch by topic id to the partition leader that never touches a group.
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
console.log('PASS @platformatic/kafka round trip')

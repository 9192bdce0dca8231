// kafkajs 2.2.4 against samsa, without consumer groups: admin createTopics,
// fetchTopicMetadata, an idempotent producer (acks=-1) with keys, headers and gzip,
// then fetchTopicOffsets must show exactly what was produced; deleteTopicRecords
// (DeleteRecords) then moves the low watermarks, and alterConfigs (AlterConfigs) a
// topic config that describeConfigs then shows.
'use strict'
const { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } = require('kafkajs')

const bootstrap = process.argv[2]
const TOPIC = 'kafkajs-producer'
const PARTITIONS = 3
const BATCHES = 20
const PER_BATCH = 500

function check (cond, msg) { if (!cond) throw new Error(`check failed: ${msg}`) }

async function main () {
  const kafka = new Kafka({ clientId: 'samsa-it', brokers: [bootstrap], logLevel: logLevel.WARN,
    retry: { retries: 3 }, connectionTimeout: 5000, requestTimeout: 20000 })
  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({
    topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  check(created === true, `createTopics returned ${created}`)
  const md = await admin.fetchTopicMetadata({ topics: [TOPIC] })
  check(md.topics.length === 1 && md.topics[0].name === TOPIC, `metadata ${JSON.stringify(md)}`)
  check(md.topics[0].partitions.length === PARTITIONS, `${md.topics[0].partitions.length} partitions`)
  console.log(`admin: created ${TOPIC}, metadata shows ${PARTITIONS} partitions`)

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const perPartition = new Array(PARTITIONS).fill(0)
  for (let b = 0; b < BATCHES; b++) {
    const messages = []
    for (let i = 0; i < PER_BATCH; i++) {
      const n = b * PER_BATCH + i
      const partition = n % PARTITIONS
      perPartition[partition]++
      messages.push({ key: `k${n}`, value: `v${n}`, partition, headers: { seq: String(n), client: 'kafkajs' } })
    }
    const res = await producer.send({ topic: TOPIC, acks: -1,
      compression: b % 2 ? CompressionTypes.GZIP : CompressionTypes.None, messages })
    for (const r of res) check(r.errorCode === 0, `produce error ${JSON.stringify(r)}`)
  }
  await producer.disconnect()
  console.log(`producer: ${BATCHES * PER_BATCH} records acknowledged (idempotent, acks=-1, none/gzip)`)

  const offsets = await admin.fetchTopicOffsets(TOPIC)
  for (const o of offsets) {
    check(Number(o.low) === 0, `partition ${o.partition} low ${o.low}`)
    check(Number(o.high) === perPartition[o.partition],
      `partition ${o.partition} high ${o.high}, produced ${perPartition[o.partition]}`)
  }
  console.log(`fetchTopicOffsets: ${JSON.stringify(offsets.map(o => [o.partition, o.low, o.high]))} match`)

  // DeleteRecords: partition 0 below offset 100, partition 1 everything (-1 = high watermark).
  await admin.deleteTopicRecords({ topic: TOPIC,
    partitions: [{ partition: 0, offset: '100' }, { partition: 1, offset: '-1' }] })
  const after = await admin.fetchTopicOffsets(TOPIC)
  const low = p => Number(after.find(o => o.partition === p).low)
  check(low(0) === 100, `partition 0 low ${low(0)} after deleting below 100`)
  check(low(1) === perPartition[1], `partition 1 low ${low(1)} after deleting all`)
  check(low(2) === 0, `partition 2 low ${low(2)} untouched`)
  let refused = null
  try {
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 2, offset: String(perPartition[2] + 10) }] })
  } catch (e) {
    refused = e
  }
  check(refused !== null, 'deleting beyond the high watermark was not refused')
  // kafkajs' retrier wraps the per-partition errors (KafkaJSDeleteTopicRecordsError) as `cause`.
  const inner = refused.cause || refused
  const why = (inner.partitions || []).map(p => p.error && p.error.type).join(',')
  check(why === 'OFFSET_OUT_OF_RANGE', `refused with ${refused.message}: ${why}`)
  console.log(`deleteTopicRecords: low watermarks now ${JSON.stringify(after.map(o => [o.partition, o.low]))}`)

  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC,
    configEntries: [{ name: 'retention.ms', value: '86400000' }] }] })
  const described = await admin.describeConfigs({ includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['retention.ms'] }] })
  const entry = described.resources[0].configEntries.find(c => c.configName === 'retention.ms')
  check(entry && entry.configValue === '86400000' && entry.isDefault === false,
    `retention.ms after alterConfigs: ${JSON.stringify(entry)}`)
  console.log('alterConfigs: retention.ms=86400000 shown by describeConfigs')
  await admin.disconnect()
  console.log('PASS kafkajs producer + admin')
}

main().catch(e => { console.error('FAIL kafkajs_producer_admin:', e); process.exit(1) })

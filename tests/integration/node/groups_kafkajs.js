// kafkajs 2.2.4 building blocks for test_groups_kafkajs.py, which orchestrates several of
// these processes against one broker (and restarts the broker in between):
//
//   node groups_kafkajs.js produce BOOTSTRAP TOPIC PARTITIONS PER_PARTITION TAG
//     creates TOPIC if it is missing, then writes PER_PARTITION records to every partition
//     with the value "TAG-<partition>-<i>" (acks=all) and prints {"ev":"produced",...}.
//
//   node groups_kafkajs.js member BOOTSTRAP GROUP TOPIC NAME SESSION_TIMEOUT_MS
//     one consumer-group member. It prints one JSON line per event:
//       {"ev":"join", "assignment":[...], "memberId", "leaderId", "isLeader"}  (GROUP_JOIN)
//       {"ev":"rec", "p", "o", "v"}  after the record's offset was committed (synchronous
//                                     commit per record, so a printed record is committed)
//       {"ev":"crash", "error"}      (CRASH instrumentation event)
//       {"ev":"stopped"}             after a clean disconnect (LeaveGroup)
//     A line "stop" on stdin disconnects it cleanly.
'use strict'
const readline = require('readline')
const { Kafka, logLevel } = require('kafkajs')

const [mode, bootstrap, ...rest] = process.argv.slice(2)

function emit (obj) { process.stdout.write(JSON.stringify(obj) + '\n') }

function client (clientId) {
  // Short retries: the broker restarts in the middle of a test, and a member must find it
  // again within seconds rather than after kafkajs's default 30 s back-off.
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 }
  })
}

async function produce (topic, partitions, perPartition, tag) {
  const kafka = client('groups-producer')
  const admin = kafka.admin()
  await admin.connect()
  const existing = await admin.listTopics()
  if (!existing.includes(topic)) {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  }
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const topicMessages = []
  for (let p = 0; p < partitions; p++) {
    const messages = []
    for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `${tag}-${p}-${i}` })
    topicMessages.push({ topic, messages })
  }
  await producer.sendBatch({ topicMessages, acks: -1 })
  await producer.disconnect()
  emit({ ev: 'produced', tag, count: partitions * perPartition })
}

async function member (group, topic, name, sessionTimeout) {
  const kafka = client(name)
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout,
    rebalanceTimeout: 10000,
    heartbeatInterval: 300,
    // kafkajs notices a rebalance only through a heartbeat, which it sends between
    // fetches: a short fetch wait keeps hand-overs fast.
    maxWaitTimeInMs: 200
  })
  const { GROUP_JOIN, CRASH } = consumer.events
  consumer.on(GROUP_JOIN, ({ payload }) => {
    emit({
      ev: 'join',
      assignment: (payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b),
      memberId: payload.memberId,
      leaderId: payload.leaderId,
      isLeader: payload.isLeader
    })
  })
  consumer.on(CRASH, ({ payload }) => {
    emit({ ev: 'crash', error: String(payload.error), restart: payload.restart })
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset)
      await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }])
      emit({ ev: 'rec', p: partition, o: offset, v: message.value.toString() })
    }
  })
  const rl = readline.createInterface({ input: process.stdin })
  for await (const line of rl) {
    if (line.trim() === 'stop') break
  }
  await consumer.disconnect()
  emit({ ev: 'stopped' })
  process.exit(0)
}

async function main () {
  if (mode === 'produce') {
    const [topic, partitions, perPartition, tag] = rest
    await produce(topic, Number(partitions), Number(perPartition), tag)
  } else if (mode === 'member') {
    const [group, topic, name, sessionTimeout] = rest
    await member(group, topic, name, Number(sessionTimeout))
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
}

main().catch(e => { emit({ ev: 'fatal', error: String(e && e.stack ? e.stack : e) }); process.exit(1) })

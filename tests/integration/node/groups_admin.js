// kafkajs 2.2.4 admin calls on consumer groups for test_groups_librdkafka.py (the
// confluent-kafka 1.7.0 AdminClient installed here has list_groups but no delete):
//
//   node groups_admin.js BOOTSTRAP delete GROUP...   DeleteGroups, one request per group
//   node groups_admin.js BOOTSTRAP list               ListGroups
//
// Prints one JSON object: for delete {"GROUP": {"errorCode": N, "type": "..."}} (errorCode 0
// on success), for list {"groups": [{"groupId", "protocolType"}]}.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, command, ...groups] = process.argv.slice(2)

async function main () {
  const kafka = new Kafka({
    clientId: 'groups-admin',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 }
  })
  const admin = kafka.admin()
  await admin.connect()
  const out = {}
  if (command === 'delete') {
    for (const group of groups) {
      try {
        const res = await admin.deleteGroups([group])
        out[group] = { errorCode: res[0].errorCode, type: 'NONE' }
      } catch (e) {
        // kafkajs throws KafkaJSDeleteGroupsError carrying each failed group's error.
        const failed = (e.groups || []).find(g => g.groupId === group)
        if (!failed) throw e
        out[group] = { errorCode: failed.errorCode, type: failed.error ? failed.error.type : '?' }
      }
    }
  } else if (command === 'list') {
    out.groups = (await admin.listGroups()).groups
  } else {
    throw new Error(`unknown command ${command}`)
  }
  await admin.disconnect()
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch(e => { console.error('groups_admin failed:', e); process.exit(1) })

package dev.samsa.oracle;

import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** The KIP-848 consumer group APIs (ConsumerGroupHeartbeat, ConsumerGroupDescribe) and
 *  framing edge cases: unknown API keys, truncated requests. */
class MiscOracleTest extends OracleTestBase {

  static ConsumerGroupHeartbeatRequestData heartbeat(String group, String memberId, int epoch,
      List<String> topics) {
    return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId)
        .setMemberEpoch(epoch).setRebalanceTimeoutMs(epoch == 0 ? 30000 : -1)
        .setSubscribedTopicNames(topics).setTopicPartitions(epoch == 0 ? List.of() : null)
        .setServerAssignor(null).setInstanceId(null).setRackId(null).setSubscribedTopicRegex(null);
  }

  @Test
  void consumerGroupHeartbeatEveryVersion() {
    warmUpKafkaCoordinator();
    String topic = unique("cgh-topic");
    createTopic(topic, 2);
    for (short v : oracle.versions(ApiKeys.CONSUMER_GROUP_HEARTBEAT)) {
      String g = unique("cgh");
      awaitKafkaGroupCoordinator(g);
      String clientMemberId = Uuid.randomUuid().toString();
      Oracle.Result join = oracle.send("join", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          heartbeat(g, v >= 1 ? clientMemberId : "", 0, List.of(topic)));
      String[] ids = new String[2];
      int[] epochs = new int[2];
      for (Oracle.Side s : Oracle.Side.values()) {
        ConsumerGroupHeartbeatResponseData r = join.of(s);
        ids[s.ordinal()] = r == null || r.memberId() == null ? clientMemberId : r.memberId();
        epochs[s.ordinal()] = r == null ? 1 : r.memberEpoch();
      }
      oracle.send("steady heartbeat", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          side -> heartbeat(g, ids[side.ordinal()], epochs[side.ordinal()], null));
      oracle.send("describe", ApiKeys.CONSUMER_GROUP_DESCRIBE, latest(oracle, ApiKeys.CONSUMER_GROUP_DESCRIBE),
          new ConsumerGroupDescribeRequestData().setGroupIds(List.of(g)));
      oracle.send("fenced epoch", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          side -> heartbeat(g, ids[side.ordinal()], epochs[side.ordinal()] + 10, null));
      oracle.send("unknown member", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          heartbeat(g, Uuid.randomUuid().toString(), 3, null));
      oracle.send("join without subscription", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          heartbeat(unique("cgh-nosub"), v >= 1 ? Uuid.randomUuid().toString() : "", 0, null));
      oracle.send("empty group id", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          heartbeat("", v >= 1 ? Uuid.randomUuid().toString() : "", 0, List.of(topic)));
      oracle.send("leave", ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          side -> heartbeat(g, ids[side.ordinal()], -1, null));
      oracle.send("describe after leave", ApiKeys.CONSUMER_GROUP_DESCRIBE,
          latest(oracle, ApiKeys.CONSUMER_GROUP_DESCRIBE),
          new ConsumerGroupDescribeRequestData().setGroupIds(List.of(g)));
    }
  }

  @Test
  void consumerGroupDescribeEveryVersion() {
    warmUpKafkaCoordinator();
    for (short v : oracle.versions(ApiKeys.CONSUMER_GROUP_DESCRIBE)) {
      String unknown = unique("cgd-unknown");
      awaitKafkaGroupCoordinator(unknown);
      oracle.send("unknown group", ApiKeys.CONSUMER_GROUP_DESCRIBE, v,
          new ConsumerGroupDescribeRequestData().setGroupIds(List.of(unknown)));
      oracle.send("empty group id #empty-group", ApiKeys.CONSUMER_GROUP_DESCRIBE, v,
          new ConsumerGroupDescribeRequestData().setGroupIds(List.of("")));
    }
  }

  @Test
  void unknownApiKeyClosesConnection() {
    oracle.sendRaw("API key 9999", (short) 9999, (short) 0, (short) 1, new byte[8],
        ApiKeys.API_VERSIONS, (short) 0, (short) 0);
  }

  @Test
  void truncatedRequestClosesConnection() {
    byte[] body = MetadataTopicsOracleTest.encode(new MetadataRequestData().setTopics(List.of(
        new MetadataRequestData.MetadataRequestTopic().setName("some-topic-name"))), (short) 12);
    byte[] cut = java.util.Arrays.copyOf(body, body.length - 6);
    oracle.sendRaw("Metadata v12 cut short", ApiKeys.METADATA.id, (short) 12, (short) 2, cut,
        ApiKeys.METADATA, (short) 12, (short) 1);
  }
}

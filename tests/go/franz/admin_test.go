package franz_test

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa.dev/samsatest"

	"samsa/tests/go/restartable"
)

func configOf(t *testing.T, rc kadm.ResourceConfig, key string) kadm.Config {
	t.Helper()
	for _, c := range rc.Configs {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("config %s not described for %s", key, rc.Name)
	return kadm.Config{}
}

func describeTopicConfig(t *testing.T, adm *kadm.Client, topic string) kadm.ResourceConfig {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatalf("DescribeTopicConfigs(%s): %v", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("DescribeTopicConfigs(%s): %v %v %s", topic, err, rc.Err, rc.ErrMessage)
	}
	return rc
}

func wantConfig(t *testing.T, rc kadm.ResourceConfig, key, value string, source kmsg.ConfigSource) {
	t.Helper()
	c := configOf(t, rc, key)
	if c.MaybeValue() != value || c.Source != source {
		t.Errorf("%s %s = %q (source %v), want %q (source %v)", rc.Name, key, c.MaybeValue(), c.Source, value, source)
	}
}

// TestAdminTopics: create topics (with configs, and the errors for a duplicate and a bad
// partition count), list and describe them through metadata, add partitions, delete them.
func TestAdminTopics(t *testing.T) {
	const clusterID = "c2Ftc2EtZnJhbnotYWRtaW4"
	b := startBroker(t, samsatest.WithConfig("cluster.id", clusterID))
	adm := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)

	_, port, err := net.SplitHostPort(b.BootstrapServers())
	if err != nil {
		t.Fatal(err)
	}
	meta, err := adm.BrokerMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Cluster != clusterID || len(meta.Brokers) != 1 || meta.Brokers[0].NodeID != nodeID ||
		meta.Brokers[0].Host != "127.0.0.1" || fmt.Sprint(meta.Brokers[0].Port) != port || meta.Controller != nodeID {
		t.Fatalf("metadata: cluster %q brokers %+v controller %d; want cluster %q, one broker %d at 127.0.0.1:%s, controller %d",
			meta.Cluster, meta.Brokers, meta.Controller, clusterID, nodeID, port, nodeID)
	}

	created := createTopic(t, adm, "orders", 3, map[string]*string{
		"retention.ms":      strp("3600000"),
		"cleanup.policy":    strp("delete"),
		"max.message.bytes": strp("200000"),
	})
	if created.ID == (kadm.TopicID{}) || created.ReplicationFactor != 1 {
		t.Fatalf("CreateTopic: id %v replication factor %d; want a topic id and 1", created.ID, created.ReplicationFactor)
	}
	if c, ok := created.Configs["retention.ms"]; !ok || c.MaybeValue() != "3600000" {
		t.Fatalf("CreateTopic's configs: retention.ms %+v, want 3600000", c)
	}
	createTopic(t, adm, "events", 1, nil)

	// A duplicate, a zero partition count, a bad config value.
	dup, err := adm.CreateTopic(ctx, 1, 1, nil, "orders")
	if !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Errorf("duplicate CreateTopic: %v (%s), want TOPIC_ALREADY_EXISTS", err, dup.ErrMessage)
	}
	bad, err := adm.CreateTopic(ctx, 0, 1, nil, "zero-partitions")
	if !errors.Is(err, kerr.InvalidPartitions) {
		t.Errorf("CreateTopic with 0 partitions: %v (%s), want INVALID_PARTITIONS", err, bad.ErrMessage)
	}
	badCfg, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": strp("soon")}, "bad-config")
	if !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("CreateTopic with retention.ms=soon: %v (%s), want INVALID_CONFIG", err, badCfg.ErrMessage)
	}

	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names := topics.Names(); fmt.Sprint(names) != "[events orders]" {
		t.Fatalf("ListTopics: %v, want [events orders]", names)
	}
	orders := topics["orders"]
	if orders.ID != created.ID || orders.IsInternal || len(orders.Partitions) != 3 {
		t.Fatalf("orders: id %v internal %v partitions %d", orders.ID, orders.IsInternal, len(orders.Partitions))
	}
	for p, pd := range orders.Partitions {
		if pd.Err != nil || pd.Leader != nodeID || fmt.Sprint(pd.Replicas) != fmt.Sprint([]int32{nodeID}) ||
			fmt.Sprint(pd.ISR) != fmt.Sprint([]int32{nodeID}) {
			t.Fatalf("orders[%d]: %+v", p, pd)
		}
	}
	missing, err := adm.ListTopics(ctx, "no-such-topic")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(missing["no-such-topic"].Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("metadata for a missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", missing["no-such-topic"].Err)
	}

	// Grow to 5 partitions; shrinking is refused.
	cp, err := adm.CreatePartitions(ctx, 2, "orders")
	if err != nil || cp["orders"].Err != nil {
		t.Fatalf("CreatePartitions: %v %v", err, cp["orders"].Err)
	}
	shrink, err := adm.UpdatePartitions(ctx, 2, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(shrink["orders"].Err, kerr.InvalidPartitions) {
		t.Errorf("UpdatePartitions to 2: %v, want INVALID_PARTITIONS", shrink["orders"].Err)
	}
	topics, err = adm.ListTopics(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(topics["orders"].Partitions); n != 5 {
		t.Fatalf("orders has %d partitions after adding 2, want 5", n)
	}
	// The new partitions take records.
	prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produceSync(t, prod, &kgo.Record{Topic: "orders", Partition: 4, Value: []byte("new partition")})
	ends, err := adm.ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ends.Lookup("orders", 4); o.Offset != 1 {
		t.Fatalf("end offset of orders[4]: %d, want 1", o.Offset)
	}

	// Delete one topic; it is gone from metadata and its configs.
	dt, err := adm.DeleteTopics(ctx, "orders")
	if err != nil || dt["orders"].Err != nil {
		t.Fatalf("DeleteTopics: %v %v", err, dt["orders"].Err)
	}
	// kgo caches the metadata behind admin requests for MetadataMinAge (5 s), so what
	// follows the delete uses a new client, which sees the broker's current topics.
	adm = newAdmin(t, b)
	waitFor(t, opTimeout, "orders to disappear from metadata", func() (bool, string) {
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			return false, err.Error()
		}
		return fmt.Sprint(topics.Names()) == "[events]", fmt.Sprint(topics.Names())
	})
	again, err := adm.DeleteTopics(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(again["orders"].Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("deleting a deleted topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", again["orders"].Err)
	}
	// A topic of the same name can be created again, empty.
	recreated := createTopic(t, adm, "orders", 1, nil)
	if recreated.ID == created.ID {
		t.Fatalf("the re-created topic kept the old topic id %v", created.ID)
	}
	starts, err := adm.ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := starts.Lookup("orders", 0); o.Offset != 0 {
		t.Fatalf("re-created orders[0] end offset %d, want 0", o.Offset)
	}
}

// TestAdminConfigs: describe topic configs (overrides and defaults with their sources),
// incremental alter (set, delete), the legacy alter that replaces every override, and
// the errors for an unknown topic and an invalid value. Its broker is a restartable one,
// with Kafka's own defaults (the ephemeral profile sets segment.bytes, for one).
func TestAdminConfigs(t *testing.T) {
	b := restartable.Start(t)
	adm := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)
	const topic = "configured"
	createTopic(t, adm, topic, 1, map[string]*string{
		"retention.ms":      strp("3600000"),
		"max.message.bytes": strp("200000"),
	})

	rc := describeTopicConfig(t, adm, topic)
	wantConfig(t, rc, "retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, rc, "max.message.bytes", "200000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, rc, "cleanup.policy", "delete", kmsg.ConfigSourceDefaultConfig)
	wantConfig(t, rc, "segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig)
	wantConfig(t, rc, "compression.type", "producer", kmsg.ConfigSourceDefaultConfig)

	// Incremental: set retention.ms, set segment.bytes, delete max.message.bytes.
	resp, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("7200000")},
		{Op: kadm.SetConfig, Name: "segment.bytes", Value: strp("10485760")},
		{Op: kadm.DeleteConfig, Name: "max.message.bytes"},
	}, topic)
	if err != nil || resp[0].Err != nil {
		t.Fatalf("IncrementalAlterConfigs: %v %+v", err, resp)
	}
	rc = describeTopicConfig(t, adm, topic)
	wantConfig(t, rc, "retention.ms", "7200000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, rc, "segment.bytes", "10485760", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, rc, "max.message.bytes", "1048588", kmsg.ConfigSourceDefaultConfig)

	// Legacy AlterConfigs replaces all overrides: only cleanup.policy stays overridden.
	resp, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{
		{Name: "cleanup.policy", Value: strp("delete")},
	}, topic)
	if err != nil || resp[0].Err != nil {
		t.Fatalf("AlterConfigs: %v %+v", err, resp)
	}
	rc = describeTopicConfig(t, adm, topic)
	wantConfig(t, rc, "cleanup.policy", "delete", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, rc, "retention.ms", "604800000", kmsg.ConfigSourceDefaultConfig)
	wantConfig(t, rc, "segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig)

	// max.message.bytes set by an alter is enforced on produce.
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "max.message.bytes", Value: strp("1000")}}, topic); err != nil {
		t.Fatal(err)
	}
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordRetries(1))
	res := prod.ProduceSync(ctx, &kgo.Record{Value: make([]byte, 5000)})
	if err := res.FirstErr(); !errors.Is(err, kerr.MessageTooLarge) {
		t.Errorf("producing 5000 bytes with max.message.bytes=1000: %v, want MESSAGE_TOO_LARGE", err)
	}
	produceSync(t, prod, &kgo.Record{Value: make([]byte, 100)})

	// Errors: an unknown topic, an invalid value, an unknown config name.
	rcs, err := adm.DescribeTopicConfigs(ctx, "no-such-topic")
	if err == nil {
		r, _ := rcs.On("no-such-topic", nil)
		err = r.Err
	}
	if !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Errorf("DescribeConfigs of a missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
	resp, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("forever")}}, topic)
	if err == nil && len(resp) == 1 {
		err = resp[0].Err
	}
	if !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("retention.ms=forever: %v, want INVALID_CONFIG", err)
	}
	resp, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "no.such.config", Value: strp("1")}}, topic)
	if err == nil && len(resp) == 1 {
		err = resp[0].Err
	}
	if !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("an unknown config name: %v, want INVALID_CONFIG", err)
	}
	// The failed alters changed nothing.
	rc = describeTopicConfig(t, adm, topic)
	wantConfig(t, rc, "retention.ms", "604800000", kmsg.ConfigSourceDefaultConfig)
	wantConfig(t, rc, "max.message.bytes", "1000", kmsg.ConfigSourceDynamicTopicConfig)

	// Broker configs are described (static); node id is what the broker logged.
	brcs, err := adm.DescribeBrokerConfigs(ctx, b.NodeID)
	if err != nil {
		t.Fatal(err)
	}
	if len(brcs) != 1 || brcs[0].Err != nil {
		t.Fatalf("DescribeBrokerConfigs: %+v", brcs)
	}
	wantConfig(t, brcs[0], "group.initial.rebalance.delay.ms", "0", kmsg.ConfigSourceStaticBrokerConfig)
}

// TestAdminOffsets: ListOffsets (start, end, max timestamp, first offset at or after a
// millisecond, and after the last timestamp), DeleteRecords moving the start offset, and
// a consumer starting from the new start.
func TestAdminOffsets(t *testing.T) {
	b := restartable.Start(t)
	adm := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)
	const topic = "offsets"
	createTopic(t, adm, topic, 2, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	base := int64(1_700_000_000_000)
	var rs []*kgo.Record
	for i := 0; i < 100; i++ {
		rs = append(rs, &kgo.Record{Partition: 0, Value: []byte(fmt.Sprintf("v%d", i)), Timestamp: time.UnixMilli(base + int64(i)*1000)})
	}
	produceSync(t, prod, rs...)

	lookup := func(l kadm.ListedOffsets, err error, p int32) kadm.ListedOffset {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		o, ok := l.Lookup(topic, p)
		if !ok || o.Err != nil {
			t.Fatalf("ListOffsets %s[%d]: %+v", topic, p, o)
		}
		return o
	}
	check := func(what string, o kadm.ListedOffset, offset, ts int64) {
		t.Helper()
		if o.Offset != offset || (ts != -2 && o.Timestamp != ts) {
			t.Errorf("%s: offset %d timestamp %d, want offset %d timestamp %d", what, o.Offset, o.Timestamp, offset, ts)
		}
	}
	l, err := adm.ListStartOffsets(ctx, topic)
	check("start p0", lookup(l, err, 0), 0, -2)
	check("start p1", lookup(l, err, 1), 0, -2)
	l, err = adm.ListEndOffsets(ctx, topic)
	check("end p0", lookup(l, err, 0), 100, -2)
	check("end p1 (empty)", lookup(l, err, 1), 0, -2)
	l, err = adm.ListMaxTimestampOffsets(ctx, topic)
	check("max timestamp p0", lookup(l, err, 0), 99, base+99000)
	l, err = adm.ListOffsetsAfterMilli(ctx, base+50500, topic)
	check("after base+50.5s", lookup(l, err, 0), 51, base+51000)
	l, err = adm.ListOffsetsAfterMilli(ctx, base+50000, topic)
	check("at base+50s", lookup(l, err, 0), 50, base+50000)
	l, err = adm.ListOffsetsAfterMilli(ctx, base, topic)
	check("at base", lookup(l, err, 0), 0, base)
	l, err = adm.ListOffsetsAfterMilli(ctx, base+1_000_000, topic)
	check("after the last timestamp (kadm falls back to the end)", lookup(l, err, 0), 100, -2)

	// DeleteRecords before offset 40.
	var del kadm.Offsets
	del.AddOffset(topic, 0, 40, -1)
	dr, err := adm.DeleteRecords(ctx, del)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := dr.Lookup(topic, 0); !ok || r.Err != nil || r.LowWatermark != 40 {
		t.Fatalf("DeleteRecords: %+v, want low watermark 40", r)
	}
	l, err = adm.ListStartOffsets(ctx, topic)
	check("start p0 after DeleteRecords", lookup(l, err, 0), 40, -2)
	// Beyond the high watermark: OFFSET_OUT_OF_RANGE.
	var beyond kadm.Offsets
	beyond.AddOffset(topic, 0, 101, -1)
	dr, err = adm.DeleteRecords(ctx, beyond)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := dr.Lookup(topic, 0); !errors.Is(r.Err, kerr.OffsetOutOfRange) {
		t.Errorf("DeleteRecords beyond the end: %v, want OFFSET_OUT_OF_RANGE", r.Err)
	}
	// -1 means up to the high watermark.
	var all kadm.Offsets
	all.AddOffset(topic, 1, -1, -1)
	produceSync(t, prod, &kgo.Record{Partition: 1, Value: []byte("p1-a")}, &kgo.Record{Partition: 1, Value: []byte("p1-b")})
	dr, err = adm.DeleteRecords(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := dr.Lookup(topic, 1); r.Err != nil || r.LowWatermark != 2 {
		t.Errorf("DeleteRecords to the high watermark: %+v, want low watermark 2", r)
	}

	cons := newClient(t, b, "consumer", kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := pollN(t, cons, 60, opTimeout)
	for i, r := range got {
		if r.Partition != 0 || r.Offset != int64(40+i) || string(r.Value) != fmt.Sprintf("v%d", 40+i) {
			t.Fatalf("record %d after DeleteRecords: %s[%d]@%d %s", i, r.Topic, r.Partition, r.Offset, r.Value)
		}
	}
	expectNoMore(t, cons, 300*time.Millisecond)

	// The start offset survives a restart.
	b.Restart()
	l, err = adm.ListStartOffsets(ctx, topic)
	check("start p0 after restart", lookup(l, err, 0), 40, -2)
	check("start p1 after restart", lookup(l, err, 1), 2, -2)
}

// TestAdminGroupOffsets: admin commits and fetches of group offsets (with metadata),
// list/describe of the resulting empty group, OffsetDelete, and DeleteGroups.
func TestAdminGroupOffsets(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)
	const topic, group = "committed", "admin-group"
	createTopic(t, adm, topic, 3, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var rs []*kgo.Record
	for p := int32(0); p < 3; p++ {
		for i := 0; i < 20; i++ {
			rs = append(rs, &kgo.Record{Partition: p, Value: []byte(fmt.Sprintf("%d-%d", p, i))})
		}
	}
	produceSync(t, prod, rs...)

	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: topic, Partition: 0, At: 5, LeaderEpoch: -1, Metadata: "checkpoint-a"})
	os.Add(kadm.Offset{Topic: topic, Partition: 1, At: 12, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(ctx, group, os); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	fetched, err := adm.FetchOffsets(ctx, group)
	if err != nil || fetched.Error() != nil {
		t.Fatalf("FetchOffsets: %v %v", err, fetched.Error())
	}
	o0, _ := fetched.Lookup(topic, 0)
	o1, _ := fetched.Lookup(topic, 1)
	if o0.At != 5 || o0.Metadata != "checkpoint-a" || o1.At != 12 || o1.Metadata != "" {
		t.Fatalf("FetchOffsets: p0 %+v p1 %+v; want 5/checkpoint-a and 12/\"\"", o0.Offset, o1.Offset)
	}
	if o2, ok := fetched.Lookup(topic, 2); ok && o2.At != -1 {
		t.Fatalf("FetchOffsets: p2 %+v, want none", o2.Offset)
	}

	listed, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lg, ok := listed[group]; !ok || lg.State != "Empty" || lg.Coordinator != nodeID {
		t.Fatalf("ListGroups: %+v (present %v), want %s Empty on node %d", lg, ok, group, nodeID)
	}
	dg, err := adm.DescribeGroups(ctx, group)
	if err != nil || dg[group].Err != nil || dg[group].State != "Empty" || len(dg[group].Members) != 0 {
		t.Fatalf("DescribeGroups: %v %+v", err, dg[group])
	}
	fc := adm.FindGroupCoordinators(ctx, group)
	if c := fc[group]; c.Err != nil || c.NodeID != nodeID {
		t.Fatalf("FindCoordinator: %+v", c)
	}

	// Lag: the group is 15, 8 and (no commit) 20 behind.
	lags, err := adm.Lag(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	gl := lags[group]
	for p, want := range map[int32]int64{0: 15, 1: 8, 2: 20} {
		l, ok := gl.Lag.Lookup(topic, p)
		if !ok || l.Lag != want {
			t.Errorf("lag of %s[%d]: %+v, want %d", topic, p, l, want)
		}
	}

	// A consumer of the group starts at the committed offsets. A short fetch wait: when
	// partition 2's start offset (it has no commit) is resolved just after the first
	// fetch left, franz-go adds it only once that fetch returns, after FetchMaxWait (5 s
	// by default) on partitions 0 and 1, already read to their end.
	cons := newClient(t, b, "consumer", kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(250*time.Millisecond))
	got := pollN(t, cons, 15+8+20, opTimeout)
	first := map[int32]int64{}
	for _, r := range got {
		if _, ok := first[r.Partition]; !ok {
			first[r.Partition] = r.Offset
		}
	}
	if first[0] != 5 || first[1] != 12 || first[2] != 0 {
		t.Fatalf("the group's consumer started at %v, want 0:5 1:12 2:0", first)
	}
	// While it is a member: DeleteGroups is refused.
	del, err := adm.DeleteGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(del[group].Err, kerr.NonEmptyGroup) {
		t.Errorf("DeleteGroups of a live group: %v, want NON_EMPTY_GROUP", del[group].Err)
	}
	cons.Close()

	// OffsetDelete of partition 1, then the group.
	waitFor(t, opTimeout, "the group to be Empty", func() (bool, string) {
		dg, _ := adm.DescribeGroups(ctx, group)
		return dg[group].State == "Empty", dg[group].State
	})
	dres, err := adm.DeleteOffsets(ctx, group, kadm.TopicsSet{topic: {1: {}}})
	if err != nil || dres.Error() != nil {
		t.Fatalf("DeleteOffsets: %v %v", err, dres.Error())
	}
	fetched, err = adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := fetched.Lookup(topic, 1); ok && o.At != -1 {
		t.Fatalf("partition 1 still committed at %d after DeleteOffsets", o.At)
	}
	if o, _ := fetched.Lookup(topic, 0); o.At != 5 {
		t.Fatalf("partition 0 committed at %d after deleting partition 1's offset, want 5", o.At)
	}
	del, err = adm.DeleteGroups(ctx, group)
	if err != nil || del[group].Err != nil {
		t.Fatalf("DeleteGroups: %v %v", err, del[group].Err)
	}
	listed, err = adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := listed[group]; ok {
		t.Fatalf("group listed after DeleteGroups")
	}
	del, err = adm.DeleteGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(del[group].Err, kerr.GroupIDNotFound) {
		t.Errorf("deleting a deleted group: %v, want GROUP_ID_NOT_FOUND", del[group].Err)
	}
}

// TestListOffsetsByTimestampAfterDeleteRecords: once DeleteRecords moved the log start
// into the middle of a batch, ListOffsets for a timestamp older than the new start answers
// the first record at or after the timestamp *from the log start on* (Kafka searches
// records with offset >= logStartOffset), here offset 40.
func TestListOffsetsByTimestampAfterDeleteRecords(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)
	const topic = "offsets-after-delete"
	createTopic(t, adm, topic, 1, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic))
	base := int64(1_700_000_000_000)
	var rs []*kgo.Record
	for i := 0; i < 100; i++ {
		rs = append(rs, &kgo.Record{Value: []byte(fmt.Sprintf("v%d", i)), Timestamp: time.UnixMilli(base + int64(i)*1000)})
	}
	produceSync(t, prod, rs...) // one batch: offsets 0..99
	var del kadm.Offsets
	del.AddOffset(topic, 0, 40, -1)
	if dr, err := adm.DeleteRecords(ctx, del); err != nil || dr.Error() != nil {
		t.Fatalf("DeleteRecords: %v %v", err, dr.Error())
	}
	// The raw ListOffsets answer (kadm would turn -1 into the end offset).
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for _, ts := range []int64{base, base + 20_000, base + 40_000} {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = 0
		rp.Timestamp = ts
		rt.Partitions = []kmsg.ListOffsetsRequestTopicPartition{rp}
		req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
		resp, err := req.RequestWith(ctx, newClient(t, b, "raw"))
		if err != nil {
			t.Fatal(err)
		}
		p := resp.Topics[0].Partitions[0]
		if p.ErrorCode != 0 || p.Offset != 40 || p.Timestamp != base+40_000 {
			t.Errorf("ListOffsets(timestamp %d) after DeleteRecords(40): error %d offset %d timestamp %d; want offset 40 timestamp %d",
				ts, p.ErrorCode, p.Offset, p.Timestamp, base+40_000)
		}
	}
}

package franz_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/tests/go/restartable"
)

// wantRecord is what a test produced, to compare with what it reads back.
type wantRecord struct {
	key, value []byte
	headers    []kgo.RecordHeader
	timestamp  int64 // ms
	producerID int64
	epoch      int16
}

func sameBytes(a, b []byte) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return bytes.Equal(a, b)
}

func describeBytes(b []byte) string {
	if b == nil {
		return "<null>"
	}
	if len(b) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

func checkRecord(t *testing.T, got *kgo.Record, want wantRecord) {
	t.Helper()
	where := fmt.Sprintf("%s[%d]@%d", got.Topic, got.Partition, got.Offset)
	if !sameBytes(got.Key, want.key) {
		t.Errorf("%s: key %s, want %s", where, describeBytes(got.Key), describeBytes(want.key))
	}
	if !sameBytes(got.Value, want.value) {
		t.Errorf("%s: value %s, want %s", where, describeBytes(got.Value), describeBytes(want.value))
	}
	if got.Timestamp.UnixMilli() != want.timestamp {
		t.Errorf("%s: timestamp %d, want %d", where, got.Timestamp.UnixMilli(), want.timestamp)
	}
	if len(got.Headers) != len(want.headers) {
		t.Errorf("%s: %d headers, want %d", where, len(got.Headers), len(want.headers))
	} else {
		for i, h := range got.Headers {
			if h.Key != want.headers[i].Key || !bytes.Equal(h.Value, want.headers[i].Value) {
				t.Errorf("%s: header %d = %q:%s, want %q:%s", where, i, h.Key, describeBytes(h.Value),
					want.headers[i].Key, describeBytes(want.headers[i].Value))
			}
		}
	}
	if got.ProducerID != want.producerID || got.ProducerEpoch != want.epoch {
		t.Errorf("%s: producer %d/%d, want %d/%d", where, got.ProducerID, got.ProducerEpoch, want.producerID, want.epoch)
	}
	if got.Attrs.TimestampType() != 0 {
		t.Errorf("%s: timestamp type %d, want 0 (CreateTime)", where, got.Attrs.TimestampType())
	}
}

// TestProduceConsume: the client's default producer (idempotent, acks=all, snappy when
// it helps, sticky key partitioner) writes records with keys, null keys, headers, explicit
// and default timestamps, empty values and tombstones to three partitions; a direct
// consumer reads every one back exactly, at the offsets the produce answers gave.
func TestProduceConsume(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic = "franz-roundtrip"
	createTopic(t, adm, topic, 3, nil)

	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic))
	const n = 600
	base := time.UnixMilli(1_700_000_000_000)
	var records []*kgo.Record
	for i := 0; i < n; i++ {
		r := &kgo.Record{
			Key:   []byte(fmt.Sprintf("key-%03d", i%50)),
			Value: []byte(fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%17))),
		}
		switch {
		case i%10 == 3:
			r.Value = nil // tombstone
		case i%10 == 7:
			r.Value = []byte{} // empty, not null
		case i%10 == 9:
			r.Key = nil
		}
		if i%4 != 0 {
			r.Timestamp = base.Add(time.Duration(i) * time.Second)
		}
		if i%3 == 0 {
			r.Headers = []kgo.RecordHeader{
				{Key: "trace", Value: []byte(fmt.Sprintf("t-%d", i))},
				{Key: "bin", Value: []byte{0, 1, 2, 0xff}},
				{Key: "empty", Value: []byte{}},
			}
		}
		records = append(records, r)
	}
	before := time.Now().UnixMilli()
	// Half one by one, half in one call (many records per batch).
	for _, r := range records[:n/2] {
		produceSync(t, prod, r)
	}
	produceSync(t, prod, records[n/2:]...)
	after := time.Now().UnixMilli()

	want := map[tp]map[int64]wantRecord{}
	counts := map[int32]int64{}
	pid := records[0].ProducerID
	if pid < 0 {
		t.Fatalf("the default producer is idempotent: want a producer id >= 0, got %d", pid)
	}
	for i, r := range records {
		if r.ProducerID != pid {
			t.Fatalf("record %d: producer id %d, want %d (one idempotent producer)", i, r.ProducerID, pid)
		}
		ts := r.Timestamp.UnixMilli()
		if i%4 == 0 && (ts < before || ts > after) {
			t.Fatalf("record %d: default timestamp %d outside [%d, %d]", i, ts, before, after)
		}
		k := tp{topic, r.Partition}
		if want[k] == nil {
			want[k] = map[int64]wantRecord{}
		}
		if _, dup := want[k][r.Offset]; dup {
			t.Fatalf("two records acknowledged at %v@%d", k, r.Offset)
		}
		want[k][r.Offset] = wantRecord{key: r.Key, value: r.Value, headers: r.Headers,
			timestamp: ts, producerID: r.ProducerID, epoch: r.ProducerEpoch}
		counts[r.Partition]++
	}
	// Keys spread over the partitions; every partition's offsets are 0..count-1.
	if len(counts) != 3 {
		t.Fatalf("records went to partitions %v, want all of 0, 1, 2", counts)
	}
	for p, c := range counts {
		for o := int64(0); o < c; o++ {
			if _, ok := want[tp{topic, p}][o]; !ok {
				t.Fatalf("partition %d: offsets not contiguous, %d missing (count %d)", p, o, c)
			}
		}
	}

	// End offsets agree with the produce answers.
	ends, err := adm.ListEndOffsets(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatal(err)
	}
	for p, c := range counts {
		if lo, _ := ends.Lookup(topic, p); lo.Offset != c {
			t.Errorf("end offset of partition %d: %d, want %d", p, lo.Offset, c)
		}
	}

	cons := newClient(t, b, "consumer", kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := pollN(t, cons, n, opTimeout)
	next := map[int32]int64{}
	for _, r := range got {
		if r.Offset != next[r.Partition] {
			t.Fatalf("partition %d: got offset %d, want %d (in order, no gaps)", r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition]++
		checkRecord(t, r, want[tp{topic, r.Partition}][r.Offset])
	}
	expectNoMore(t, cons, 300*time.Millisecond)
}

// TestLogAppendTime: a topic with message.timestamp.type=LogAppendTime gets the broker's
// time on every record, flagged as such, whatever the producer sent.
func TestLogAppendTime(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic = "franz-logappend"
	createTopic(t, adm, topic, 1, map[string]*string{"message.timestamp.type": strp("LogAppendTime")})
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic))
	old := time.UnixMilli(1_000_000_000_000)
	before := time.Now().UnixMilli()
	var rs []*kgo.Record
	for i := 0; i < 20; i++ {
		rs = append(rs, &kgo.Record{Value: []byte(fmt.Sprintf("v%d", i)), Timestamp: old})
	}
	produceSync(t, prod, rs...)
	after := time.Now().UnixMilli()

	cons := newClient(t, b, "consumer", kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := pollN(t, cons, 20, opTimeout)
	for i, r := range got {
		if string(r.Value) != fmt.Sprintf("v%d", i) || r.Offset != int64(i) {
			t.Fatalf("record %d: %s@%d", i, r.Value, r.Offset)
		}
		if r.Attrs.TimestampType() != 1 {
			t.Errorf("record %d: timestamp type %d, want 1 (LogAppendTime)", i, r.Attrs.TimestampType())
		}
		ts := r.Timestamp.UnixMilli()
		if ts < before || ts > after {
			t.Errorf("record %d: timestamp %d, want the broker's append time in [%d, %d]", i, ts, before, after)
		}
	}
}

var codecs = []struct {
	name  string
	codec kgo.CompressionCodec
	attr  uint8 // the batch attribute the consumer sees
}{
	{"none", kgo.NoCompression(), 0},
	{"gzip", kgo.GzipCompression(), 1},
	{"snappy", kgo.SnappyCompression(), 2},
	{"lz4", kgo.Lz4Compression(), 3},
	{"zstd", kgo.ZstdCompression(), 4},
}

// TestCompression: each codec round trips (batches of many compressible records); the
// consumer sees the producer's codec on the batches (compression.type=producer).
func TestCompression(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			topic := "franz-codec-" + c.name
			createTopic(t, adm, topic, 2, nil)
			prod := newClient(t, b, "producer-"+c.name, kgo.DefaultProduceTopic(topic),
				kgo.ProducerBatchCompression(c.codec), kgo.ProducerLinger(20*time.Millisecond),
				kgo.RecordPartitioner(kgo.ManualPartitioner()))
			const n = 2000
			var rs []*kgo.Record
			for i := 0; i < n; i++ {
				rs = append(rs, &kgo.Record{
					Partition: int32(i % 2),
					Key:       []byte(fmt.Sprintf("k%d", i)),
					Value:     []byte(fmt.Sprintf("%05d:%s", i, strings.Repeat("compressible ", 20))),
					Headers:   []kgo.RecordHeader{{Key: "i", Value: []byte(fmt.Sprint(i))}},
				})
			}
			produceSync(t, prod, rs...)
			cons := newClient(t, b, "consumer-"+c.name, kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			got := pollN(t, cons, n, opTimeout)
			seen := map[int]bool{}
			for _, r := range got {
				var i int
				if _, err := fmt.Sscanf(string(r.Key), "k%d", &i); err != nil {
					t.Fatalf("bad key %q", r.Key)
				}
				if seen[i] {
					t.Fatalf("record %d twice", i)
				}
				seen[i] = true
				if int32(i%2) != r.Partition || int64(i/2) != r.Offset {
					t.Fatalf("record %d at %d@%d, want %d@%d", i, r.Partition, r.Offset, i%2, i/2)
				}
				if !bytes.Equal(r.Value, rs[i].Value) || len(r.Headers) != 1 || string(r.Headers[0].Value) != fmt.Sprint(i) {
					t.Fatalf("record %d: value/headers differ: %s %v", i, describeBytes(r.Value), r.Headers)
				}
				if r.Attrs.CompressionType() != c.attr {
					t.Fatalf("record %d: batch codec %d, want %d (%s)", i, r.Attrs.CompressionType(), c.attr, c.name)
				}
			}
		})
	}
}

// TestTopicCompressionType: a topic with compression.type=zstd (or lz4, gzip) stores what
// an uncompressed producer sends in that codec, as Kafka recompresses on append.
func TestTopicCompressionType(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	for _, c := range codecs[1:] {
		t.Run(c.name, func(t *testing.T) {
			topic := "franz-topic-codec-" + c.name
			createTopic(t, adm, topic, 1, map[string]*string{"compression.type": strp(c.name)})
			prod := newClient(t, b, "producer-"+c.name, kgo.DefaultProduceTopic(topic),
				kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.ProducerLinger(20*time.Millisecond))
			var rs []*kgo.Record
			for i := 0; i < 200; i++ {
				rs = append(rs, &kgo.Record{Value: []byte(fmt.Sprintf("%04d %s", i, strings.Repeat("abc", 30)))})
			}
			produceSync(t, prod, rs...)
			cons := newClient(t, b, "consumer-"+c.name, kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			got := pollN(t, cons, len(rs), opTimeout)
			for i, r := range got {
				if r.Offset != int64(i) || !bytes.Equal(r.Value, rs[i].Value) {
					t.Fatalf("record %d: %s@%d", i, describeBytes(r.Value), r.Offset)
				}
				if r.Attrs.CompressionType() != c.attr {
					t.Fatalf("record %d: stored codec %d, want %d (topic compression.type=%s)", i, r.Attrs.CompressionType(), c.attr, c.name)
				}
			}
		})
	}
}

// TestCrashRestart: records acknowledged with acks=all (the default) survive a SIGKILL;
// the same idempotent producer carries on after the restart without duplicates; and a
// clean restart keeps everything too.
func TestCrashRestart(t *testing.T) {
	b := restartable.Start(t)
	adm := newAdmin(t, b)
	const topic = "franz-crash"
	createTopic(t, adm, topic, 2, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	mk := func(from, to int) []*kgo.Record {
		var rs []*kgo.Record
		for i := from; i < to; i++ {
			rs = append(rs, &kgo.Record{Partition: int32(i % 2), Value: []byte(fmt.Sprintf("r%05d", i))})
		}
		return rs
	}
	produceSync(t, prod, mk(0, 1000)...)
	b.Kill()
	b.Start()
	produceSync(t, prod, mk(1000, 1200)...) // the client reconnects to the same port
	b.Restart()
	produceSync(t, prod, mk(1200, 1300)...)

	cons := newClient(t, b, "consumer", kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := pollN(t, cons, 1300, opTimeout)
	next := map[int32]int{0: 0, 1: 1}
	for _, r := range got {
		want := fmt.Sprintf("r%05d", next[r.Partition])
		if string(r.Value) != want || r.Offset != int64(next[r.Partition]/2) {
			t.Fatalf("partition %d: got %s@%d, want %s@%d", r.Partition, r.Value, r.Offset, want, next[r.Partition]/2)
		}
		next[r.Partition] += 2
	}
	expectNoMore(t, cons, 300*time.Millisecond)
}

// TestIdempotentInFlight: the idempotent producer (kgo keeps five requests in flight to a
// Kafka >= 1.0 broker) with small batches (many batches per partition outstanding at once) writes 60,000 records to six
// partitions; each partition holds exactly its records, in order, and DescribeProducers
// shows the one producer with the last sequence of each partition.
func TestIdempotentInFlight(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic, parts, n = "franz-inflight", int32(6), 60000
	createTopic(t, adm, topic, parts, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(4096),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx := ctxFor(t, 2*opTimeout)
	var mu sync.Mutex
	var firstErr error
	var pid int64 = -1
	for i := 0; i < n; i++ {
		r := &kgo.Record{Partition: int32(i) % parts, Value: []byte(fmt.Sprintf("%06d", i))}
		prod.Produce(ctx, r, func(r *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			pid = r.ProducerID
		})
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if firstErr != nil {
		t.Fatalf("produce: %v", firstErr)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < parts; p++ {
		if o, _ := ends.Lookup(topic, p); o.Offset != n/int64(parts) {
			t.Fatalf("partition %d: end offset %d, want %d", p, o.Offset, n/int64(parts))
		}
	}
	described, err := adm.DescribeProducers(ctx, kadm.TopicsSet{topic: {0: {}, 1: {}, 2: {}, 3: {}, 4: {}, 5: {}}})
	if err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < parts; p++ {
		dp := described[topic].Partitions[p]
		active := dp.ActiveProducers.Sorted()
		if dp.Err != nil || len(active) != 1 || active[0].ProducerID != pid || active[0].LastSequence != n/parts-1 {
			t.Fatalf("DescribeProducers %s[%d]: err %v producers %+v; want producer %d with last sequence %d",
				topic, p, dp.Err, active, pid, n/parts-1)
		}
	}

	cons := newClient(t, b, "consumer", kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := pollN(t, cons, n, 2*opTimeout)
	next := map[int32]int{}
	for p := int32(0); p < parts; p++ {
		next[p] = int(p)
	}
	for _, r := range got {
		want := fmt.Sprintf("%06d", next[r.Partition])
		if string(r.Value) != want || r.Offset != int64(next[r.Partition]/int(parts)) || r.ProducerID != pid {
			t.Fatalf("partition %d: got %s@%d (producer %d), want %s@%d (producer %d)", r.Partition, r.Value, r.Offset,
				r.ProducerID, want, next[r.Partition]/int(parts), pid)
		}
		next[r.Partition] += int(parts)
	}
}

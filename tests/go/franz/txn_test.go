package franz_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Transactions (KIP-98/KIP-447) through franz-go: a transactional producer's commits and
// aborts seen through both isolation levels, a GroupTransactSession consume-transform-
// produce loop, and kadm's DescribeTransactions / ListTransactions / DescribeProducers.

// beginTxn begins a transaction on a transactional client, failing the test on error.
func beginTxn(t *testing.T, cl *kgo.Client) {
	t.Helper()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
}

// endTxn ends the open transaction with a commit or an abort, failing the test on error.
func endTxn(t *testing.T, cl *kgo.Client, how kgo.TransactionEndTry) {
	t.Helper()
	if err := cl.EndTransaction(ctxFor(t, opTimeout), how); err != nil {
		t.Fatalf("EndTransaction(commit=%v): %v", how, err)
	}
}

// txnRecords are n records "<tag>-<partition>-<i>" for each of the partitions.
func txnRecords(topic string, partitions []int32, n int, tag string) []*kgo.Record {
	var rs []*kgo.Record
	for _, p := range partitions {
		for i := 0; i < n; i++ {
			rs = append(rs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(fmt.Sprintf("%s-%d-%d", tag, p, i))})
		}
	}
	return rs
}

// byPartition lists "offset:value" of the records per partition, in offset order.
func byPartition(rs []*kgo.Record) map[int32][]string {
	sorted := append([]*kgo.Record(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Partition != sorted[j].Partition {
			return sorted[i].Partition < sorted[j].Partition
		}
		return sorted[i].Offset < sorted[j].Offset
	})
	out := map[int32][]string{}
	for _, r := range sorted {
		out[r.Partition] = append(out[r.Partition], fmt.Sprintf("%d:%s", r.Offset, r.Value))
	}
	return out
}

// expectedLayout is "offset:value" for values "<tag>-<p>-<i>" of the given blocks, each
// block n records starting at its offset.
func expectedLayout(p int32, blocks ...block) []string {
	var out []string
	for _, b := range blocks {
		for i := 0; i < b.n; i++ {
			out = append(out, fmt.Sprintf("%d:%s-%d-%d", b.start+int64(i), b.tag, p, i))
		}
	}
	return out
}

type block struct {
	tag   string
	start int64
	n     int
}

func checkOffsets(t *testing.T, what string, got kadm.ListedOffsets, topic string, want map[int32]int64) {
	t.Helper()
	if err := got.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for p, w := range want {
		o, ok := got.Lookup(topic, p)
		if !ok || o.Offset != w {
			t.Errorf("%s of %s[%d]: %d (found %v), want %d", what, topic, p, o.Offset, ok, w)
		}
	}
}

// TestTxnCommitAbortIsolation: a kgo.TransactionalID producer commits a transaction over two
// partitions, aborts a second and leaves a third open. read_committed sees the first only
// (the last stable offset stops it before the open one; ListOffsets read_committed answers
// that LSO), read_uncommitted sees all three. Once the third commits, read_committed sees
// the two committed transactions, never the aborted records, at the offsets the markers
// leave (one control record per transaction and partition).
func TestTxnCommitAbortIsolation(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic = "franz-txn-isolation"
	createTopic(t, adm, topic, 2, nil)
	parts := []int32{0, 1}

	prod := newClient(t, b, "txn-producer",
		kgo.TransactionalID("franz-txn-isolation-producer"),
		kgo.TransactionTimeout(60*time.Second),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))

	// Per partition: commit1 at 0-4, marker 5; abort at 6-9, marker 10; commit2 at 11-13,
	// marker 14.
	beginTxn(t, prod)
	commit1 := txnRecords(topic, parts, 5, "commit1")
	produceSync(t, prod, commit1...)
	endTxn(t, prod, kgo.TryCommit)
	pid, epoch := commit1[0].ProducerID, commit1[0].ProducerEpoch
	if pid < 0 || epoch < 0 {
		t.Fatalf("transactional producer id/epoch %d/%d", pid, epoch)
	}

	beginTxn(t, prod)
	aborted := txnRecords(topic, parts, 4, "aborted")
	produceSync(t, prod, aborted...)
	endTxn(t, prod, kgo.TryAbort)

	beginTxn(t, prod)
	commit2 := txnRecords(topic, parts, 3, "commit2")
	produceSync(t, prod, commit2...)
	// The producer id stays; the epoch may grow from one transaction to the next (Kafka
	// bumps it at every EndTxn under transaction version 2, KIP-890).
	for _, r := range commit2 {
		if r.ProducerID != pid || r.ProducerEpoch < epoch {
			t.Fatalf("commit2 record with producer %d/%d, want %d with an epoch >= %d", r.ProducerID, r.ProducerEpoch, pid, epoch)
		}
	}

	// Open: the LSO is the open transaction's first offset (11); the end offset is past it.
	lso, err := adm.ListCommittedOffsets(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "ListOffsets(latest, read_committed) with a transaction open", lso, topic, map[int32]int64{0: 11, 1: 11})
	hw, err := adm.ListEndOffsets(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "ListOffsets(latest, read_uncommitted) with a transaction open", hw, topic, map[int32]int64{0: 14, 1: 14})

	committedCons := newClient(t, b, "read-committed-open", kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	got := pollN(t, committedCons, 10, opTimeout)
	expectNoMore(t, committedCons, 500*time.Millisecond)
	for _, p := range parts {
		want := expectedLayout(p, block{"commit1", 0, 5})
		if g := byPartition(got)[p]; fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("read_committed with a transaction open, partition %d: %v, want %v", p, g, want)
		}
	}
	uncommittedOpen := newClient(t, b, "read-uncommitted-open", kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	got = pollN(t, uncommittedOpen, 24, opTimeout)
	expectNoMore(t, uncommittedOpen, 300*time.Millisecond)
	for _, p := range parts {
		want := expectedLayout(p, block{"commit1", 0, 5}, block{"aborted", 6, 4}, block{"commit2", 11, 3})
		if g := byPartition(got)[p]; fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("read_uncommitted with a transaction open, partition %d: %v, want %v", p, g, want)
		}
	}

	endTxn(t, prod, kgo.TryCommit)

	// The consumer waiting at the LSO now gets commit2, nothing else.
	got = pollN(t, committedCons, 6, opTimeout)
	for _, p := range parts {
		want := expectedLayout(p, block{"commit2", 11, 3})
		if g := byPartition(got)[p]; fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("read_committed after the commit, partition %d: %v, want %v", p, g, want)
		}
	}
	expectNoMore(t, committedCons, 300*time.Millisecond)

	ends, err := adm.ListEndOffsets(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "end offset", ends, topic, map[int32]int64{0: 15, 1: 15})
	lso, err = adm.ListCommittedOffsets(ctxFor(t, opTimeout), topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "ListOffsets(latest, read_committed) with no transaction open", lso, topic, map[int32]int64{0: 15, 1: 15})

	// Fresh consumers from the start: read_committed skips the aborted records (and every
	// marker), read_uncommitted returns them; all are transactional records of the producer.
	fresh := newClient(t, b, "read-committed", kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	got = pollN(t, fresh, 16, opTimeout)
	expectNoMore(t, fresh, 300*time.Millisecond)
	for _, p := range parts {
		want := expectedLayout(p, block{"commit1", 0, 5}, block{"commit2", 11, 3})
		if g := byPartition(got)[p]; fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("read_committed, partition %d: %v, want %v", p, g, want)
		}
	}
	all := newClient(t, b, "read-uncommitted", kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	got = pollN(t, all, 24, opTimeout)
	expectNoMore(t, all, 300*time.Millisecond)
	for _, p := range parts {
		want := expectedLayout(p, block{"commit1", 0, 5}, block{"aborted", 6, 4}, block{"commit2", 11, 3})
		if g := byPartition(got)[p]; fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("read_uncommitted, partition %d: %v, want %v", p, g, want)
		}
	}
	// Every record is a transactional data record with the producer id and epoch its
	// produce answer gave.
	produced := map[string]*kgo.Record{}
	for _, rs := range [][]*kgo.Record{commit1, aborted, commit2} {
		for _, r := range rs {
			produced[string(r.Value)] = r
		}
	}
	for _, r := range got {
		w := produced[string(r.Value)]
		if !r.Attrs.IsTransactional() || r.Attrs.IsControl() || w == nil || r.ProducerID != w.ProducerID || r.ProducerEpoch != w.ProducerEpoch {
			t.Fatalf("%s[%d]@%d %q: transactional %v control %v producer %d/%d; want a transactional data record as produced (%+v)",
				r.Topic, r.Partition, r.Offset, r.Value, r.Attrs.IsTransactional(), r.Attrs.IsControl(), r.ProducerID, r.ProducerEpoch, w)
		}
	}
}

// newTransactSession is a kgo.GroupTransactSession for the broker (closed at the end of the
// test), with the test's logger.
func newTransactSession(t *testing.T, b broker, name string, opts ...kgo.Opt) *kgo.GroupTransactSession {
	t.Helper()
	logger := &testLogger{t: t, name: name, level: logLevel()}
	all := append([]kgo.Opt{
		kgo.SeedBrokers(b.BootstrapServers()),
		kgo.ClientID("samsa-go-" + name),
		kgo.WithLogger(logger),
	}, opts...)
	s, err := kgo.NewGroupTransactSession(all...)
	if err != nil {
		t.Fatalf("kgo.NewGroupTransactSession(%s): %v", name, err)
	}
	t.Cleanup(func() {
		s.Close()
		logger.stop()
	})
	return s
}

// TestTxnGroupTransactSession: consume-transform-produce with a kgo.GroupTransactSession
// (read_committed, KIP-447 stable offsets). The input holds a committed transaction, an
// aborted one (never to be processed) and plain records. The loop moves at most 25 records
// per transaction to the output (same partition, key = the input's position); its third
// transaction is ended with TryAbort after producing, so the session rewinds to the committed
// offsets and processes those records again. In the end the output holds every input record
// exactly once under read_committed (the aborted round's copies only under read_uncommitted),
// every output partition ends after one marker per transaction that touched it, and the
// group's committed offsets are the input's end offsets.
func TestTxnGroupTransactSession(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const in, out, group = "franz-eos-in", "franz-eos-out", "franz-eos-group"
	const partitions = 3
	createTopic(t, adm, in, partitions, nil)
	createTopic(t, adm, out, partitions, nil)
	parts := []int32{0, 1, 2}

	// Input per partition: committed txn 0-39 (marker 40), aborted txn 41-50 (marker 51),
	// plain records 52-81: 70 records to process, end offset 82.
	inProd := newClient(t, b, "input-txn-producer", kgo.TransactionalID("franz-eos-input"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	beginTxn(t, inProd)
	produceSync(t, inProd, txnRecords(in, parts, 40, "txn")...)
	endTxn(t, inProd, kgo.TryCommit)
	beginTxn(t, inProd)
	produceSync(t, inProd, txnRecords(in, parts, 10, "aborted-input")...)
	endTxn(t, inProd, kgo.TryAbort)
	plain := newClient(t, b, "input-plain-producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produceSync(t, plain, txnRecords(in, parts, 30, "plain")...)
	const inputEnd, perPartition = int64(82), 70
	const total = perPartition * partitions
	ends, err := adm.ListEndOffsets(ctxFor(t, opTimeout), in)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "input end offset", ends, in, map[int32]int64{0: inputEnd, 1: inputEnd, 2: inputEnd})

	s := newTransactSession(t, b, "eos",
		kgo.TransactionalID("franz-eos-transformer"),
		kgo.TransactionTimeout(60*time.Second),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(in),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)

	const abortRound = 3
	committedOnce := map[string]int{} // input "p@offset" -> committed transactions that carried it
	var abortedKeys []string
	producedPer := map[int32]int{} // output records produced (committed and aborted)
	markersPer := map[int32]int{}  // transactions that touched each output partition
	rounds, committedRecords := 0, 0
	deadline := time.Now().Add(90 * time.Second)
	for committedRecords < total {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %d of %d input records committed after %d transactions", committedRecords, total, rounds)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		fs := s.PollRecords(ctx, 25)
		cancel()
		for _, e := range fs.Errors() {
			if e.Err == context.DeadlineExceeded || e.Err == context.Canceled {
				continue
			}
			t.Fatalf("session fetch %s[%d]: %v", e.Topic, e.Partition, e.Err)
		}
		recs := fs.Records()
		if len(recs) == 0 {
			continue
		}
		rounds++
		if err := s.Begin(); err != nil {
			t.Fatalf("round %d: Begin: %v", rounds, err)
		}
		var outRecs []*kgo.Record
		var keys []string
		touched := map[int32]bool{}
		for _, r := range recs {
			if r.Topic != in {
				t.Fatalf("round %d: record of %s", rounds, r.Topic)
			}
			if strings.HasPrefix(string(r.Value), "aborted-input") {
				t.Fatalf("round %d: the read_committed session got aborted input %s[%d]@%d %q", rounds, r.Topic, r.Partition, r.Offset, r.Value)
			}
			key := fmt.Sprintf("%d@%d", r.Partition, r.Offset)
			keys = append(keys, key)
			touched[r.Partition] = true
			outRecs = append(outRecs, &kgo.Record{Topic: out, Partition: r.Partition, Key: []byte(key),
				Value: []byte(strings.ToUpper(string(r.Value)))})
		}
		results := s.ProduceSync(ctxFor(t, opTimeout), outRecs...)
		if err := results.FirstErr(); err != nil {
			t.Fatalf("round %d: produce: %v", rounds, err)
		}
		for p := range touched {
			markersPer[p]++
		}
		for _, r := range outRecs {
			producedPer[r.Partition]++
		}
		how := kgo.TryCommit
		if rounds == abortRound {
			how = kgo.TryAbort
		}
		committed, err := s.End(ctxFor(t, opTimeout), how)
		if err != nil {
			t.Fatalf("round %d: End(commit=%v): %v", rounds, how, err)
		}
		if committed != bool(how) {
			t.Fatalf("round %d: End(commit=%v) answered committed=%v (one stable member: no rebalance to abort it)", rounds, how, committed)
		}
		if !committed {
			abortedKeys = keys
			continue
		}
		for _, k := range keys {
			committedOnce[k]++
			if committedOnce[k] > 1 {
				t.Fatalf("round %d: input %s committed a second time", rounds, k)
			}
		}
		committedRecords += len(keys)
	}
	if len(abortedKeys) == 0 {
		t.Fatalf("the loop ended after %d transactions without the aborted round %d", rounds, abortRound)
	}
	for _, k := range abortedKeys {
		if committedOnce[k] != 1 {
			t.Errorf("input %s of the aborted round was committed %d times afterwards, want 1", k, committedOnce[k])
		}
	}
	t.Logf("%d transactions (%d aborted records re-processed)", rounds, len(abortedKeys))

	// The group's committed offsets are the input's end.
	waitCommitted(t, adm, group, in, partitions, inputEnd)

	// read_committed: every input record exactly once, transformed, on its partition.
	cons := newClient(t, b, "out-committed", kgo.ConsumeTopics(out),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	got := pollN(t, cons, total, opTimeout)
	expectNoMore(t, cons, 300*time.Millisecond)
	seen := map[string]bool{}
	for _, r := range got {
		k := string(r.Key)
		if seen[k] {
			t.Fatalf("output has input %s twice under read_committed", k)
		}
		seen[k] = true
		var p int32
		var o int64
		if _, err := fmt.Sscanf(k, "%d@%d", &p, &o); err != nil || p != r.Partition {
			t.Fatalf("output %s[%d]@%d has key %q", r.Topic, r.Partition, r.Offset, k)
		}
		var want string
		switch {
		case o < 40:
			want = fmt.Sprintf("TXN-%d-%d", p, o)
		case o >= 52 && o < inputEnd:
			want = fmt.Sprintf("PLAIN-%d-%d", p, o-52)
		default:
			t.Fatalf("output %s[%d]@%d came from input offset %d (a marker or an aborted record)", r.Topic, r.Partition, r.Offset, o)
		}
		if string(r.Value) != want {
			t.Errorf("output for input %s: %q, want %q", k, r.Value, want)
		}
	}
	// read_uncommitted also returns the aborted round's copies.
	raw := newClient(t, b, "out-uncommitted", kgo.ConsumeTopics(out),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	pollN(t, raw, total+len(abortedKeys), opTimeout)
	expectNoMore(t, raw, 300*time.Millisecond)

	// Output end offsets: records plus one marker per transaction per touched partition;
	// no transaction is left open (LSO = end).
	want := map[int32]int64{}
	for _, p := range parts {
		want[p] = int64(producedPer[p] + markersPer[p])
	}
	outEnds, err := adm.ListEndOffsets(ctxFor(t, opTimeout), out)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "output end offset", outEnds, out, want)
	outLSO, err := adm.ListCommittedOffsets(ctxFor(t, opTimeout), out)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "output LSO", outLSO, out, want)
}

// TestTxnAdmin: kadm's DescribeTransactions, ListTransactions (with state and producer id
// filters) and DescribeProducers on an open transaction over two partitions (one already
// holding a plain idempotent producer's records), then after its commit and after an abort.
func TestTxnAdmin(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic, txnID = "franz-txn-admin", "franz-txn-admin-id"
	createTopic(t, adm, topic, 2, nil)

	plain := newClient(t, b, "plain-producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	pre := txnRecords(topic, []int32{0}, 3, "plain")
	produceSync(t, plain, pre...)
	plainPID := pre[0].ProducerID

	prod := newClient(t, b, "txn-producer", kgo.TransactionalID(txnID),
		kgo.TransactionTimeout(45*time.Second), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	before := time.Now().UnixMilli()
	beginTxn(t, prod)
	rs := append(txnRecords(topic, []int32{0}, 2, "txn"), txnRecords(topic, []int32{1}, 1, "txn")...)
	produceSync(t, prod, rs...)
	after := time.Now().UnixMilli()
	pid, epoch := rs[0].ProducerID, rs[0].ProducerEpoch
	if rs[0].Offset != 3 || rs[2].Offset != 0 {
		t.Fatalf("transactional records at %d and %d, want 3 (after the plain records) and 0", rs[0].Offset, rs[2].Offset)
	}
	ctx := ctxFor(t, 90*time.Second)

	describe := func(what string) kadm.DescribedTransaction {
		t.Helper()
		dts, err := adm.DescribeTransactions(ctx, txnID)
		if err != nil {
			t.Fatalf("DescribeTransactions %s: %v", what, err)
		}
		d, ok := dts[txnID]
		if !ok || d.Err != nil {
			t.Fatalf("DescribeTransactions %s: %+v (present %v)", what, d, ok)
		}
		if d.Coordinator != nodeID || d.TxnID != txnID || d.ProducerID != pid || d.TimeoutMillis != 45000 {
			t.Errorf("DescribeTransactions %s: %+v; want coordinator %d, producer %d, timeout 45000", what, d, nodeID, pid)
		}
		return d
	}
	list := func(pids []int64, states []string) kadm.ListedTransactions {
		t.Helper()
		ls, err := adm.ListTransactions(ctx, pids, states)
		if err != nil {
			t.Fatalf("ListTransactions(%v, %v): %v", pids, states, err)
		}
		return ls
	}
	producers := func(what string) map[int32]map[int64]kadm.DescribedProducer {
		t.Helper()
		dps, err := adm.DescribeProducers(ctx, kadm.TopicsSet{topic: {0: {}, 1: {}}})
		if err != nil {
			t.Fatalf("DescribeProducers %s: %v", what, err)
		}
		out := map[int32]map[int64]kadm.DescribedProducer{}
		for p, dp := range dps[topic].Partitions {
			if dp.Err != nil || dp.Leader != nodeID {
				t.Fatalf("DescribeProducers %s, partition %d: %v %s leader %d", what, p, dp.Err, dp.ErrMessage, dp.Leader)
			}
			out[p] = dp.ActiveProducers
		}
		if len(out) != 2 {
			t.Fatalf("DescribeProducers %s: partitions %v, want 0 and 1", what, out)
		}
		return out
	}

	// Open.
	d := describe("while open")
	if d.State != "Ongoing" || d.ProducerEpoch != epoch || d.StartTimestamp < before || d.StartTimestamp > after {
		t.Errorf("DescribeTransactions while open: state %s epoch %d start %d; want Ongoing, %d, in [%d, %d]",
			d.State, d.ProducerEpoch, d.StartTimestamp, epoch, before, after)
	}
	if got := fmt.Sprint(sortedTPs(tpsOf(d.Topics))); got != fmt.Sprint([]tp{{topic, 0}, {topic, 1}}) {
		t.Errorf("DescribeTransactions while open: partitions %s, want %s[0] and %s[1]", got, topic, topic)
	}
	lt := list(nil, nil)
	if l, ok := lt[txnID]; !ok || l.State != "Ongoing" || l.ProducerID != pid || l.Coordinator != nodeID {
		t.Errorf("ListTransactions: %+v (present %v), want Ongoing, producer %d, coordinator %d", l, ok, pid, nodeID)
	}
	if l, ok := list(nil, []string{"Ongoing"})[txnID]; !ok || l.State != "Ongoing" {
		t.Errorf("ListTransactions(state Ongoing): %+v (present %v)", l, ok)
	}
	if _, ok := list(nil, []string{"CompleteCommit"})[txnID]; ok {
		t.Errorf("ListTransactions(state CompleteCommit) lists the open transaction")
	}
	if _, ok := list([]int64{pid}, nil)[txnID]; !ok {
		t.Errorf("ListTransactions(producer %d) does not list it", pid)
	}
	if ls := list([]int64{pid + 1000}, nil); len(ls) != 0 {
		t.Errorf("ListTransactions(producer %d): %v, want none", pid+1000, ls)
	}
	ps := producers("while open")
	if tx, ok := ps[0][pid]; !ok || tx.ProducerEpoch != epoch || tx.CurrentTxnStartOffset != 3 || tx.LastSequence != 1 || tx.CoordinatorEpoch != -1 {
		t.Errorf("DescribeProducers while open, partition 0, producer %d: %+v (present %v); want epoch %d, txn start 3, last sequence 1, coordinator epoch -1 (no marker yet)",
			pid, tx, ok, epoch)
	}
	if pl, ok := ps[0][plainPID]; !ok || pl.CurrentTxnStartOffset != -1 || pl.LastSequence != 2 {
		t.Errorf("DescribeProducers while open, partition 0, plain producer %d: %+v (present %v); want no transaction, last sequence 2", plainPID, pl, ok)
	}
	if tx, ok := ps[1][pid]; !ok || tx.CurrentTxnStartOffset != 0 || tx.LastSequence != 0 || len(ps[1]) != 1 {
		t.Errorf("DescribeProducers while open, partition 1: %+v, want only producer %d with txn start 0, last sequence 0", ps[1], pid)
	}
	lso, err := adm.ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "LSO while open", lso, topic, map[int32]int64{0: 3, 1: 0})

	// Committed.
	endTxn(t, prod, kgo.TryCommit)
	waitFor(t, opTimeout, "CompleteCommit", func() (bool, string) {
		d := describe("after the commit")
		return d.State == "CompleteCommit", d.State
	})
	if d := describe("after the commit"); len(d.Topics) != 0 {
		t.Errorf("DescribeTransactions after the commit: partitions %v, want none", d.Topics)
	}
	if l, ok := list(nil, []string{"CompleteCommit"})[txnID]; !ok || l.ProducerID != pid {
		t.Errorf("ListTransactions(state CompleteCommit) after the commit: %+v (present %v)", l, ok)
	}
	if _, ok := list(nil, []string{"Ongoing"})[txnID]; ok {
		t.Errorf("ListTransactions(state Ongoing) lists the committed transaction")
	}
	ps = producers("after the commit")
	for _, p := range []int32{0, 1} {
		if tx, ok := ps[p][pid]; !ok || tx.CurrentTxnStartOffset != -1 || tx.CoordinatorEpoch < 0 {
			t.Errorf("DescribeProducers after the commit, partition %d: %+v (present %v); want no open transaction, a coordinator epoch >= 0", p, tx, ok)
		}
	}
	lso, err = adm.ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, "LSO after the commit", lso, topic, map[int32]int64{0: 6, 1: 2})

	// Aborted.
	beginTxn(t, prod)
	produceSync(t, prod, txnRecords(topic, []int32{1}, 2, "txn-aborted")...)
	if d := describe("second transaction"); d.State != "Ongoing" || fmt.Sprint(sortedTPs(tpsOf(d.Topics))) != fmt.Sprint([]tp{{topic, 1}}) {
		t.Errorf("DescribeTransactions of the second transaction: %s %v, want Ongoing on %s[1] only", d.State, d.Topics, topic)
	}
	if tx := producers("second transaction")[1][pid]; tx.CurrentTxnStartOffset != 2 {
		t.Errorf("DescribeProducers of the second transaction, partition 1: %+v, want txn start 2", tx)
	}
	endTxn(t, prod, kgo.TryAbort)
	waitFor(t, opTimeout, "CompleteAbort", func() (bool, string) {
		d := describe("after the abort")
		return d.State == "CompleteAbort", d.State
	})
	if l, ok := list(nil, []string{"CompleteAbort"})[txnID]; !ok || l.ProducerID != pid {
		t.Errorf("ListTransactions(state CompleteAbort): %+v (present %v)", l, ok)
	}

	// An unknown transactional id.
	dts, err := adm.DescribeTransactions(ctx, "franz-no-such-txn")
	if err != nil && dts["franz-no-such-txn"].Err == nil {
		t.Fatalf("DescribeTransactions(unknown): %v", err)
	}
	if e := dts["franz-no-such-txn"].Err; !errors.Is(e, kerr.TransactionalIDNotFound) {
		t.Errorf("DescribeTransactions(unknown): %v, want TRANSACTIONAL_ID_NOT_FOUND", e)
	}
}

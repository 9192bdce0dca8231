package franz_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/tests/go/restartable"
)

// member is one group consumer polling in its own goroutine. It commits what it has
// received after every poll and, as the client's docs prescribe with autocommit off, in
// OnPartitionsRevoked, so a hand-over re-delivers nothing.
type member struct {
	name string
	cl   *kgo.Client

	mu       sync.Mutex
	owned    map[tp]bool
	received []*kgo.Record
	errs     []string

	stop chan struct{}
	done chan struct{}
}

func startMember(t *testing.T, b broker, name, group string, extra ...kgo.Opt) *member {
	t.Helper()
	m := &member{name: name, owned: map[tp]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	opts := []kgo.Opt{
		kgo.ConsumerGroup(group),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for topic, ps := range assigned {
				for _, p := range ps {
					m.owned[tp{topic, p}] = true
				}
			}
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				m.addErr("commit on revoke: %v", err)
			}
			m.drop(revoked)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
			m.drop(lost)
		}),
	}
	m.cl = newClient(t, b, name, append(opts, extra...)...)
	go m.loop()
	t.Cleanup(m.close)
	return m
}

func (m *member) addErr(format string, args ...any) {
	m.mu.Lock()
	m.errs = append(m.errs, fmt.Sprintf(format, args...))
	m.mu.Unlock()
}

func (m *member) drop(parts map[string][]int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for topic, ps := range parts {
		for _, p := range ps {
			delete(m.owned, tp{topic, p})
		}
	}
}

func (m *member) loop() {
	defer close(m.done)
	for {
		select {
		case <-m.stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := m.cl.PollFetches(ctx)
		cancel()
		if fs.IsClientClosed() {
			return
		}
		for _, e := range fs.Errors() {
			if e.Err == context.DeadlineExceeded || e.Err == context.Canceled {
				continue
			}
			m.addErr("fetch %s[%d]: %v", e.Topic, e.Partition, e.Err)
		}
		if rs := fs.Records(); len(rs) > 0 {
			m.mu.Lock()
			for _, r := range rs {
				if !m.owned[tp{r.Topic, r.Partition}] {
					m.errs = append(m.errs, fmt.Sprintf("received %s[%d]@%d without owning the partition", r.Topic, r.Partition, r.Offset))
				}
			}
			m.received = append(m.received, rs...)
			m.mu.Unlock()
		}
		if len(m.cl.UncommittedOffsets()) > 0 {
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := m.cl.CommitUncommittedOffsets(cctx); err != nil {
				m.addErr("commit: %v", err)
			}
			ccancel()
		}
	}
}

// close leaves the group (a clean LeaveGroup / leave heartbeat) and stops the loop.
func (m *member) close() {
	select {
	case <-m.stop:
		return
	default:
	}
	close(m.stop)
	<-m.done
	m.cl.Close()
}

func (m *member) snapshot() (owned map[tp]bool, received []*kgo.Record, errs []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	owned = map[tp]bool{}
	for k := range m.owned {
		owned[k] = true
	}
	return owned, append([]*kgo.Record(nil), m.received...), append([]string(nil), m.errs...)
}

func checkNoErrors(t *testing.T, members ...*member) {
	t.Helper()
	for _, m := range members {
		if _, _, errs := m.snapshot(); len(errs) > 0 {
			t.Fatalf("%s: %s", m.name, strings.Join(errs, "; "))
		}
	}
}

// exactCover checks the members' own views: together they own every partition of the
// topic exactly once, each owning sizes[i] partitions (in any order of members).
func exactCover(topic string, partitions int32, sizes []int, members ...*member) (bool, string) {
	seen := map[tp]string{}
	var got []int
	var desc []string
	for _, m := range members {
		owned, _, _ := m.snapshot()
		got = append(got, len(owned))
		desc = append(desc, fmt.Sprintf("%s=%v", m.name, sortedTPs(owned)))
		for k := range owned {
			if other, dup := seen[k]; dup {
				return false, fmt.Sprintf("%v owned by %s and %s", k, other, m.name)
			}
			seen[k] = m.name
		}
	}
	state := strings.Join(desc, " ")
	if len(seen) != int(partitions) {
		return false, state
	}
	sort.Ints(got)
	want := append([]int(nil), sizes...)
	sort.Ints(want)
	return fmt.Sprint(got) == fmt.Sprint(want), state
}

// receivedAll waits until the members together received want distinct records of topic;
// then it checks that no record came twice.
func receivedAll(t *testing.T, want int, timeout time.Duration, members ...*member) map[tp][]int64 {
	t.Helper()
	var byTP map[tp][]int64
	waitFor(t, timeout, fmt.Sprintf("%d records received by the group", want), func() (bool, string) {
		total := 0
		byTP = map[tp][]int64{}
		for _, m := range members {
			_, rs, _ := m.snapshot()
			total += len(rs)
			for _, r := range rs {
				k := tp{r.Topic, r.Partition}
				byTP[k] = append(byTP[k], r.Offset)
			}
		}
		return total >= want, fmt.Sprintf("%d received", total)
	})
	total := 0
	for k, offs := range byTP {
		sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
		for i := 1; i < len(offs); i++ {
			if offs[i] == offs[i-1] {
				t.Fatalf("%v@%d delivered twice", k, offs[i])
			}
		}
		total += len(offs)
	}
	if total != want {
		t.Fatalf("received %d records, want exactly %d", total, want)
	}
	return byTP
}

func produceSpread(t *testing.T, prod *kgo.Client, topic string, partitions int32, perPartition int, tag string) {
	t.Helper()
	var rs []*kgo.Record
	for p := int32(0); p < partitions; p++ {
		for i := 0; i < perPartition; i++ {
			rs = append(rs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(fmt.Sprintf("%s-%d-%d", tag, p, i))})
		}
	}
	produceSync(t, prod, rs...)
}

// waitCommitted waits until the group's committed offset of every partition is want.
func waitCommitted(t *testing.T, adm *kadm.Client, group, topic string, partitions int32, want int64) {
	t.Helper()
	waitFor(t, opTimeout, fmt.Sprintf("committed offsets %d on %s", want, topic), func() (bool, string) {
		resp, err := adm.FetchOffsets(ctxFor(t, opTimeout), group)
		if err != nil {
			return false, err.Error()
		}
		var state []string
		ok := true
		for p := int32(0); p < partitions; p++ {
			o, found := resp.Lookup(topic, p)
			if !found || o.Err != nil || o.At != want {
				ok = false
			}
			state = append(state, fmt.Sprintf("%d:%d", p, o.At))
		}
		return ok, strings.Join(state, " ")
	})
}

// TestGroupClassic: three franz-go members (classic protocol, the default
// cooperative-sticky balancer) share six partitions 2/2/2 and each gets exactly the
// records of its partitions; one leaves and the other two take over its partitions (3/3)
// without re-delivery; a later member resumes from the committed offsets; the group is
// listed, described and deleted with kadm.
func TestGroupClassic(t *testing.T) {
	b := startBroker(t)
	adm := newAdmin(t, b)
	const topic, group, parts = "franz-classic", "franz-classic-group", int32(6)
	createTopic(t, adm, topic, parts, nil)
	prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))

	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.HeartbeatInterval(300 * time.Millisecond)}
	a := startMember(t, b, "a", group, opts...)
	m2 := startMember(t, b, "b", group, opts...)
	c := startMember(t, b, "c", group, opts...)
	waitFor(t, opTimeout, "a 2/2/2 assignment", func() (bool, string) {
		return exactCover(topic, parts, []int{2, 2, 2}, a, m2, c)
	})

	// The coordinator's view matches the members'.
	described, err := adm.DescribeGroups(ctxFor(t, opTimeout), group)
	if err != nil {
		t.Fatal(err)
	}
	dg := described[group]
	if dg.Err != nil || dg.State != "Stable" || dg.ProtocolType != "consumer" || dg.Protocol != "cooperative-sticky" || len(dg.Members) != 3 {
		t.Fatalf("DescribeGroups: err %v state %q protocol type %q protocol %q members %d; want Stable consumer cooperative-sticky 3",
			dg.Err, dg.State, dg.ProtocolType, dg.Protocol, len(dg.Members))
	}
	for _, m := range []*member{a, m2, c} {
		id, _ := m.cl.GroupMetadata()
		owned, _, _ := m.snapshot()
		found := false
		for _, dm := range dg.Members {
			if dm.MemberID != id {
				continue
			}
			found = true
			as, ok := dm.Assigned.AsConsumer()
			if !ok {
				t.Fatalf("member %s: assignment is not a consumer assignment", m.name)
			}
			got := map[tp]bool{}
			for _, at := range as.Topics {
				for _, p := range at.Partitions {
					got[tp{at.Topic, p}] = true
				}
			}
			if fmt.Sprint(sortedTPs(got)) != fmt.Sprint(sortedTPs(owned)) {
				t.Fatalf("member %s: coordinator says %v, client owns %v", m.name, sortedTPs(got), sortedTPs(owned))
			}
			if dm.ClientID != "samsa-go-"+m.name {
				t.Errorf("member %s: client id %q", m.name, dm.ClientID)
			}
		}
		if !found {
			t.Fatalf("member %s (%s) not in DescribeGroups", m.name, id)
		}
	}

	produceSpread(t, prod, topic, parts, 100, "first")
	receivedAll(t, 600, opTimeout, a, m2, c)
	waitCommitted(t, adm, group, topic, parts, 100)
	checkNoErrors(t, a, m2, c)

	// c leaves: a and b take over its partitions, 3/3.
	c.close()
	waitFor(t, opTimeout, "a 3/3 assignment after c left", func() (bool, string) {
		return exactCover(topic, parts, []int{3, 3}, a, m2)
	})
	produceSpread(t, prod, topic, parts, 50, "second")
	receivedAll(t, 900, opTimeout, a, m2, c)
	waitCommitted(t, adm, group, topic, parts, 150)
	checkNoErrors(t, a, m2, c)

	listed, err := adm.ListGroups(ctxFor(t, opTimeout))
	if err != nil {
		t.Fatal(err)
	}
	if lg, ok := listed[group]; !ok || lg.ProtocolType != "consumer" || lg.State != "Stable" {
		t.Fatalf("ListGroups: %+v (present %v), want protocol type consumer, state Stable", lg, ok)
	}

	a.close()
	m2.close()
	waitFor(t, opTimeout, "the group to be Empty", func() (bool, string) {
		d, err := adm.DescribeGroups(ctxFor(t, opTimeout), group)
		if err != nil {
			return false, err.Error()
		}
		return d[group].State == "Empty" && len(d[group].Members) == 0, d[group].State
	})

	// A new member resumes where the group left off.
	produceSpread(t, prod, topic, parts, 10, "third")
	d := startMember(t, b, "d", group, opts...)
	byTP := receivedAll(t, 60, opTimeout, d)
	for k, offs := range byTP {
		if len(offs) != 10 || offs[0] != 150 || offs[9] != 159 {
			t.Fatalf("%v: new member got offsets %v, want 150..159", k, offs)
		}
	}
	waitCommitted(t, adm, group, topic, parts, 160)
	checkNoErrors(t, d)
	d.close()

	// Delete the group (Empty); its offsets go with it.
	waitFor(t, opTimeout, "the group to be Empty again", func() (bool, string) {
		d, _ := adm.DescribeGroups(ctxFor(t, opTimeout), group)
		return d[group].State == "Empty", d[group].State
	})
	del, err := adm.DeleteGroups(ctxFor(t, opTimeout), group)
	if err != nil || del[group].Err != nil {
		t.Fatalf("DeleteGroups: %v %v", err, del[group].Err)
	}
	listed, err = adm.ListGroups(ctxFor(t, opTimeout))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := listed[group]; ok {
		t.Fatalf("group still listed after DeleteGroups: %v", listed.Groups())
	}
	offs, err := adm.FetchOffsets(ctxFor(t, opTimeout), group)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(offs.Offsets().Sorted()); n != 0 {
		t.Fatalf("%d committed offsets left after DeleteGroups: %v", n, offs.Offsets().Sorted())
	}
}

// TestGroupResumeAcrossRestart: a member commits part of a partition and leaves; after a
// clean broker restart (and again after a SIGKILL) a new member resumes exactly at the
// committed offset.
func TestGroupResumeAcrossRestart(t *testing.T) {
	b := restartable.Start(t)
	adm := newAdmin(t, b)
	const topic, group = "franz-resume", "franz-resume-group"
	createTopic(t, adm, topic, 1, nil)
	prod := newClient(t, b, "producer", kgo.DefaultProduceTopic(topic))
	var rs []*kgo.Record
	for i := 0; i < 100; i++ {
		rs = append(rs, &kgo.Record{Value: []byte(fmt.Sprintf("m%03d", i))})
	}
	produceSync(t, prod, rs...)

	consumeAndCommit := func(name string, wantFirst int64, n int) {
		t.Helper()
		cl := newClient(t, b, name, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
			kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.HeartbeatInterval(300*time.Millisecond))
		var got []*kgo.Record
		deadline := time.Now().Add(opTimeout)
		for len(got) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d records", name, len(got), n)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			fs := cl.PollRecords(ctx, n-len(got))
			cancel()
			got = append(got, fs.Records()...)
		}
		if got[0].Offset != wantFirst {
			t.Fatalf("%s: first offset %d, want %d (resume at the committed offset)", name, got[0].Offset, wantFirst)
		}
		for i, r := range got {
			if r.Offset != wantFirst+int64(i) || string(r.Value) != fmt.Sprintf("m%03d", r.Offset) {
				t.Fatalf("%s: record %d is %s@%d", name, i, r.Value, r.Offset)
			}
		}
		if err := cl.CommitRecords(ctxFor(t, opTimeout), got[len(got)-1]); err != nil {
			t.Fatalf("%s: commit: %v", name, err)
		}
		cl.Close()
	}

	consumeAndCommit("first", 0, 30)
	waitCommitted(t, adm, group, topic, 1, 30)
	b.Restart()
	consumeAndCommit("second", 30, 40)
	waitCommitted(t, adm, group, topic, 1, 70)
	b.Kill()
	b.Start()
	consumeAndCommit("third", 70, 30)
	waitCommitted(t, adm, group, topic, 1, 100)
}

package franz_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa.dev/samsatest"

	"samsa/tests/go/restartable"
)

// The broker's KIP-848 heartbeat interval for these tests (the default 5 s would make
// every reconciliation step slow); hb848 is the same as a restartable override.
const (
	hb848Key   = "group.consumer.heartbeat.interval.ms"
	hb848Value = "500"
	hb848      = hb848Key + "=" + hb848Value
)

// describe848 waits until ConsumerGroupDescribe shows a Stable group whose members'
// current assignments match what the members themselves own, and returns it.
func describe848(t *testing.T, adm *kadm.Client, group string, members ...*member) kadm.DescribedConsumerGroup {
	t.Helper()
	var dg kadm.DescribedConsumerGroup
	waitFor(t, opTimeout, "ConsumerGroupDescribe to agree with the members", func() (bool, string) {
		described, err := adm.DescribeConsumerGroups(ctxFor(t, opTimeout), group)
		if err != nil {
			return false, err.Error()
		}
		dg = described[group]
		if dg.Err != nil {
			return false, dg.Err.Error()
		}
		state := fmt.Sprintf("state %s epoch %d/%d, %d members", dg.State, dg.Epoch, dg.AssignmentEpoch, len(dg.Members))
		if dg.State != "Stable" || len(dg.Members) != len(members) {
			return false, state
		}
		for _, m := range members {
			id, _ := m.cl.GroupMetadata()
			owned, _, _ := m.snapshot()
			var dm *kadm.ConsumerGroupMember
			for i := range dg.Members {
				if dg.Members[i].MemberID == id {
					dm = &dg.Members[i]
				}
			}
			if dm == nil {
				return false, state + ": no member " + id
			}
			cur, target := tpsOf(dm.Assignment), tpsOf(dm.TargetAssignment)
			if fmt.Sprint(sortedTPs(cur)) != fmt.Sprint(sortedTPs(owned)) || fmt.Sprint(sortedTPs(cur)) != fmt.Sprint(sortedTPs(target)) {
				return false, fmt.Sprintf("%s: %s current %v target %v owned %v", state, m.name, sortedTPs(cur), sortedTPs(target), sortedTPs(owned))
			}
			if dm.MemberEpoch != dg.Epoch {
				return false, fmt.Sprintf("%s: %s member epoch %d", state, m.name, dm.MemberEpoch)
			}
		}
		return true, state
	})
	return dg
}

// TestGroupConsumerProtocol: franz-go's KIP-848 consumer (ServerSideBalancer, which sends
// ConsumerGroupHeartbeat v1 with a client-generated member id) with three members on six
// partitions, for each server-side assignor: 2/2/2 shares (range: contiguous ranges by
// member id), every record delivered once to its owner, hand-over on leave without
// re-delivery, resume by a later member, ListGroups type "consumer", DeleteGroups.
func TestGroupConsumerProtocol(t *testing.T) {
	for _, tc := range []struct {
		assignor string
		balancer kgo.GroupBalancer
	}{
		{"uniform", kgo.StickyBalancer()},
		{"range", kgo.RangeBalancer()},
	} {
		t.Run(tc.assignor, func(t *testing.T) {
			b := startBroker(t, samsatest.WithConfig(hb848Key, hb848Value))
			adm := newAdmin(t, b)
			topic, group := "franz-848-"+tc.assignor, "franz-848-group-"+tc.assignor
			const parts = int32(6)
			createTopic(t, adm, topic, parts, nil)
			prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
			opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ServerSideBalancer(), kgo.Balancers(tc.balancer)}

			a := startMember(t, b, "a", group, opts...)
			m2 := startMember(t, b, "b", group, opts...)
			c := startMember(t, b, "c", group, opts...)
			waitFor(t, opTimeout, "a 2/2/2 assignment", func() (bool, string) {
				return exactCover(topic, parts, []int{2, 2, 2}, a, m2, c)
			})
			dg := describe848(t, adm, group, a, m2, c)
			if dg.AssignorName != tc.assignor {
				t.Fatalf("assignor %q, want %q", dg.AssignorName, tc.assignor)
			}
			if dg.Epoch != dg.AssignmentEpoch {
				t.Fatalf("group epoch %d, assignment epoch %d: want equal when Stable", dg.Epoch, dg.AssignmentEpoch)
			}
			for _, dm := range dg.Members {
				if len(dm.SubscribedTopics) != 1 || dm.SubscribedTopics[0] != topic {
					t.Fatalf("member %s subscribed to %v, want [%s]", dm.MemberID, dm.SubscribedTopics, topic)
				}
			}
			if tc.assignor == "range" {
				// Members sorted by id get [0,1], [2,3], [4,5].
				ms := append([]kadm.ConsumerGroupMember(nil), dg.Members...)
				sort.Slice(ms, func(i, j int) bool { return ms[i].MemberID < ms[j].MemberID })
				for i, dm := range ms {
					want := fmt.Sprint([]tp{{topic, int32(2 * i)}, {topic, int32(2*i + 1)}})
					if got := fmt.Sprint(sortedTPs(tpsOf(dm.Assignment))); got != want {
						t.Fatalf("range: member %d (%s) has %s, want %s", i, dm.MemberID, got, want)
					}
				}
			}
			listed, err := adm.ListGroups(ctxFor(t, opTimeout))
			if err != nil {
				t.Fatal(err)
			}
			if lg := listed[group]; lg.GroupType != "consumer" || lg.ProtocolType != "consumer" || lg.State != "Stable" {
				t.Fatalf("ListGroups: %+v, want type consumer, protocol type consumer, state Stable", lg)
			}

			produceSpread(t, prod, topic, parts, 100, "first")
			receivedAll(t, 600, opTimeout, a, m2, c)
			waitCommitted(t, adm, group, topic, parts, 100)
			checkNoErrors(t, a, m2, c)

			c.close()
			waitFor(t, opTimeout, "a 3/3 assignment after c left", func() (bool, string) {
				return exactCover(topic, parts, []int{3, 3}, a, m2)
			})
			describe848(t, adm, group, a, m2)
			produceSpread(t, prod, topic, parts, 50, "second")
			receivedAll(t, 900, opTimeout, a, m2, c)
			waitCommitted(t, adm, group, topic, parts, 150)
			checkNoErrors(t, a, m2, c)

			a.close()
			m2.close()
			waitFor(t, opTimeout, "the group to be Empty", func() (bool, string) {
				d, err := adm.DescribeConsumerGroups(ctxFor(t, opTimeout), group)
				if err != nil {
					return false, err.Error()
				}
				return d[group].State == "Empty" && len(d[group].Members) == 0, d[group].State
			})

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

			waitFor(t, opTimeout, "the group to be Empty again", func() (bool, string) {
				d, _ := adm.DescribeConsumerGroups(ctxFor(t, opTimeout), group)
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
				t.Fatalf("group still listed after DeleteGroups")
			}
		})
	}
}

// TestGroupConsumerProtocolRegex: a KIP-848 member subscribed by regex (franz-go sends it
// to the broker as SubscribedTopicRegex) gets the matching topic, not the others, and a
// matching topic created later is assigned to it and consumed.
func TestGroupConsumerProtocolRegex(t *testing.T) {
	b := startBroker(t, samsatest.WithConfig(hb848Key, hb848Value))
	adm := newAdmin(t, b)
	const group = "franz-848-regex"
	createTopic(t, adm, "rx-alpha", 2, nil)
	createTopic(t, adm, "other-topic", 1, nil)
	prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produceSync(t, prod,
		&kgo.Record{Topic: "rx-alpha", Partition: 0, Value: []byte("a0")},
		&kgo.Record{Topic: "rx-alpha", Partition: 1, Value: []byte("a1")},
		&kgo.Record{Topic: "other-topic", Partition: 0, Value: []byte("o0")})

	m := startMember(t, b, "rx", group, kgo.ConsumeRegex(), kgo.ConsumeTopics("^rx-.*"),
		kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()),
		// Load a newly assigned topic at once, and do not sit in a 5 s long poll on the
		// old partitions before fetching the new ones.
		kgo.MetadataMinAge(250*time.Millisecond), kgo.FetchMaxWait(500*time.Millisecond))
	receivedAll(t, 2, opTimeout, m)
	dg := describe848(t, adm, group, m)
	// franz-go sends Go's partial-match regex in Java's full-match form, ".*(?:(?:^rx-.*)).*".
	if r := dg.Members[0].SubscribedTopicRegex; r == nil || !strings.Contains(*r, "^rx-.*") {
		t.Fatalf("member's regex %q, containing ^rx-.*", derefOr(r, "<nil>"))
	}

	createTopic(t, adm, "rx-beta", 3, nil)
	produceSync(t, prod,
		&kgo.Record{Topic: "rx-beta", Partition: 0, Value: []byte("b0")},
		&kgo.Record{Topic: "rx-beta", Partition: 1, Value: []byte("b1")},
		&kgo.Record{Topic: "rx-beta", Partition: 2, Value: []byte("b2")})
	receivedAll(t, 5, opTimeout, m)
	waitFor(t, opTimeout, "rx-alpha and rx-beta owned", func() (bool, string) {
		owned, _, _ := m.snapshot()
		return len(owned) == 5, fmt.Sprint(sortedTPs(owned))
	})
	_, rs, _ := m.snapshot()
	for _, r := range rs {
		if r.Topic == "other-topic" {
			t.Fatalf("received a record of other-topic")
		}
	}
	checkNoErrors(t, m)
}

// TestGroupSurvivesBrokerRestart: a live group of two members (classic, and KIP-848)
// across a clean broker restart and a SIGKILL: samsa restores the members from
// __consumer_offsets, so they stay in the group, keep sharing the partitions and
// consume what is produced afterwards exactly once, resuming at the committed offsets.
func TestGroupSurvivesBrokerRestart(t *testing.T) {
	for _, protocol := range []string{"classic", "consumer"} {
		t.Run(protocol, func(t *testing.T) {
			b := restartable.Start(t, hb848)
			adm := newAdmin(t, b)
			topic, group := "franz-restart-"+protocol, "franz-restart-group-"+protocol
			const parts = int32(4)
			createTopic(t, adm, topic, parts, nil)
			prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
			opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.FetchMaxWait(500 * time.Millisecond)}
			if protocol == "consumer" {
				opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()))
			} else {
				opts = append(opts, kgo.HeartbeatInterval(300*time.Millisecond))
			}
			a := startMember(t, b, "a", group, opts...)
			m2 := startMember(t, b, "b", group, opts...)
			waitFor(t, opTimeout, "a 2/2 assignment", func() (bool, string) {
				return exactCover(topic, parts, []int{2, 2}, a, m2)
			})
			produceSpread(t, prod, topic, parts, 50, "before")
			receivedAll(t, 200, opTimeout, a, m2)
			waitCommitted(t, adm, group, topic, parts, 50)

			b.Restart()
			produceSpread(t, prod, topic, parts, 25, "after-restart")
			receivedAll(t, 300, opTimeout, a, m2)
			waitCommitted(t, adm, group, topic, parts, 75)

			b.Kill()
			b.Start()
			produceSpread(t, prod, topic, parts, 25, "after-crash")
			receivedAll(t, 400, opTimeout, a, m2)
			waitCommitted(t, adm, group, topic, parts, 100)
			waitFor(t, opTimeout, "a 2/2 assignment after the restarts", func() (bool, string) {
				return exactCover(topic, parts, []int{2, 2}, a, m2)
			})
			if protocol == "consumer" {
				describe848(t, adm, group, a, m2)
			}
		})
	}
}

// TestGroupConsumerProtocolStaticMember: KIP-848 static membership. A member with an
// instance id that leaves with epoch -2 (see below for why the leave is sent by hand): it stays in the group with its partitions
// (nobody else gets them, the group epoch does not move); a new client with the same
// instance id takes its place with exactly those partitions and resumes at its commits.
func TestGroupConsumerProtocolStaticMember(t *testing.T) {
	b := startBroker(t, samsatest.WithConfig(hb848Key, hb848Value))
	adm := newAdmin(t, b)
	const topic, group, parts = "franz-848-static", "franz-848-static-group", int32(4)
	createTopic(t, adm, topic, parts, nil)
	prod := newClient(t, b, "producer", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	opts := func(instance string) []kgo.Opt {
		return []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()),
			kgo.InstanceID(instance), kgo.FetchMaxWait(500 * time.Millisecond)}
	}
	a := startMember(t, b, "a", group, opts("instance-a")...)
	m2 := startMember(t, b, "b", group, opts("instance-b")...)
	waitFor(t, opTimeout, "a 2/2 assignment", func() (bool, string) {
		return exactCover(topic, parts, []int{2, 2}, a, m2)
	})
	before := describe848(t, adm, group, a, m2)
	ownedA, _, _ := a.snapshot()
	ownedB, _, _ := m2.snapshot()
	produceSpread(t, prod, topic, parts, 10, "first")
	receivedAll(t, 40, opTimeout, a, m2)
	waitCommitted(t, adm, group, topic, parts, 10)

	// franz-go v1.22.3 sends its static leave (epoch -2) without the instance id, which
	// Kafka (and samsa) refuse with INVALID_REQUEST "InstanceId can't be null.", so the
	// member would stay until its session times out. After closing the client, this test
	// sends the leave the Java consumer sends: epoch -2 with member and instance id.
	idA, _ := a.cl.GroupMetadata()
	a.close()
	leave := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	leave.Group = group
	leave.MemberID = idA
	leave.MemberEpoch = -2
	leave.InstanceID = kmsg.StringPtr("instance-a")
	lresp, err := leave.RequestWith(ctxFor(t, opTimeout), newClient(t, b, "raw"))
	if err != nil || lresp.ErrorCode != 0 || lresp.MemberEpoch != -2 {
		t.Fatalf("static leave: %v, error %d %v epoch %d; want epoch -2", err, lresp.ErrorCode, derefOr(lresp.ErrorMessage, ""), lresp.MemberEpoch)
	}
	waitFor(t, opTimeout, "the static member to be described as gone-but-kept", func() (bool, string) {
		d, err := adm.DescribeConsumerGroups(ctxFor(t, opTimeout), group)
		if err != nil {
			return false, err.Error()
		}
		g := d[group]
		for _, m := range g.Members {
			if m.InstanceID != nil && *m.InstanceID == "instance-a" {
				return fmt.Sprint(sortedTPs(tpsOf(m.TargetAssignment))) == fmt.Sprint(sortedTPs(ownedA)) && g.Epoch == before.Epoch,
					fmt.Sprintf("epoch %d target %v", g.Epoch, sortedTPs(tpsOf(m.TargetAssignment)))
			}
		}
		return false, fmt.Sprintf("instance-a not in the group (epoch %d, %d members)", g.Epoch, len(g.Members))
	})
	produceSpread(t, prod, topic, parts, 5, "while-away")
	// b keeps exactly its own partitions meanwhile.
	waitFor(t, opTimeout, "b to consume its own 10 new records", func() (bool, string) {
		_, rs, _ := m2.snapshot()
		n := 0
		for _, r := range rs {
			if r.Offset >= 10 {
				n++
			}
		}
		return n == 10, fmt.Sprintf("%d", n)
	})
	if owned, _, _ := m2.snapshot(); fmt.Sprint(sortedTPs(owned)) != fmt.Sprint(sortedTPs(ownedB)) {
		t.Fatalf("b owns %v after a's static leave, want still %v", sortedTPs(owned), sortedTPs(ownedB))
	}

	a2 := startMember(t, b, "a2", group, opts("instance-a")...)
	waitFor(t, opTimeout, "the returning instance to own a's partitions", func() (bool, string) {
		owned, _, _ := a2.snapshot()
		return fmt.Sprint(sortedTPs(owned)) == fmt.Sprint(sortedTPs(ownedA)), fmt.Sprint(sortedTPs(owned))
	})
	byTP := receivedAll(t, 10, opTimeout, a2)
	for k, offs := range byTP {
		if !ownedA[k] || len(offs) != 5 || offs[0] != 10 {
			t.Fatalf("returning member got %v@%v, want a's partitions from offset 10", k, offs)
		}
	}
	after := describe848(t, adm, group, a2, m2)
	if after.Epoch != before.Epoch {
		t.Errorf("group epoch %d after the static member came back, want unchanged %d", after.Epoch, before.Epoch)
	}
	checkNoErrors(t, a, m2, a2)
}

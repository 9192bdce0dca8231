package samsatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"samsa.dev/samsatest"
)

// These tests run the real broker: $SAMSA_BINARY, else samsa on PATH (ctest sets
// SAMSA_BINARY to the build's binary).

func TestStartAnswersWithItsReadyFields(t *testing.T) {
	b := samsatest.Start(t)

	host, port, err := net.SplitHostPort(b.BootstrapServers())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("BootstrapServers() = %q (%v), want 127.0.0.1 and a bound port", b.BootstrapServers(), err)
	}
	if b.Addr != b.BootstrapServers() {
		t.Errorf("Addr %q differs from BootstrapServers() %q", b.Addr, b.BootstrapServers())
	}
	if got := b.Listeners(); len(got) != 1 || got["PLAINTEXT"] != b.BootstrapServers() {
		t.Errorf("Listeners() = %v, want PLAINTEXT: %s", got, b.BootstrapServers())
	}
	if h, _, err := net.SplitHostPort(b.HTTPAddr()); err != nil || h != "127.0.0.1" || b.HTTPAddr() == b.BootstrapServers() {
		t.Errorf("HTTPAddr() = %q (%v), want its own loopback port", b.HTTPAddr(), err)
	}
	if b.Version() == "" {
		t.Error("Version() is empty")
	}
	if !alive(b.PID()) {
		t.Errorf("PID() = %d is not a running process", b.PID())
	}
	if st, err := os.Stat(b.DataDir()); err != nil || !st.IsDir() ||
		!strings.HasPrefix(filepath.Base(b.DataDir()), "samsa-ephemeral-") {
		t.Errorf("DataDir() = %q (%v), want an existing samsa-ephemeral-* directory", b.DataDir(), err)
	}
	if !strings.Contains(b.Log(), "samsa") {
		t.Errorf("Log() does not look like the broker's log: %q", b.Log())
	}

	m, err := fetchMetadata(b.BootstrapServers())
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if len(m.brokers) != 1 || m.brokers[0].host != "127.0.0.1" || strconv.Itoa(int(m.brokers[0].port)) != port ||
		m.controller != m.brokers[0].node {
		t.Errorf("Metadata brokers %+v controller %d, want one broker on 127.0.0.1:%s, the controller", m.brokers, m.controller, port)
	}
}

func TestTopicsAndConfig(t *testing.T) {
	b := samsatest.Start(t,
		samsatest.WithTopic("orders", 3),
		samsatest.WithTopic("audit", 1),
		samsatest.WithConfig("num.partitions", "2"),
		samsatest.WithConfig("auto.create.topics.enable", "false"))
	b.CreateTopic(t, "events", 5)
	b.CreateTopic(t, "defaults", 0) // the broker's num.partitions, set above

	m, err := fetchMetadata(b.BootstrapServers())
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	want := map[string]int{"orders": 3, "audit": 1, "events": 5, "defaults": 2}
	for name, partitions := range want {
		if m.topics[name] != partitions {
			t.Errorf("topic %s: %d partitions, want %d (all: %v)", name, m.topics[name], partitions, m.topics)
		}
	}
	if len(m.topics) != len(want) {
		t.Errorf("topics %v, want exactly %v", m.topics, want)
	}
}

// samsa reads KAFKA_* variables as settings; a test's broker must not see them. With
// KAFKA_LISTENERS passed on, this broker would try to listen on port 1 and fail.
func TestKafkaVariablesDoNotReachTheBroker(t *testing.T) {
	t.Setenv("KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:1")
	t.Setenv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://127.0.0.1:1")
	b := samsatest.Start(t)
	if _, port, _ := net.SplitHostPort(b.BootstrapServers()); port == "1" {
		t.Fatalf("BootstrapServers() = %q: the broker took KAFKA_LISTENERS", b.BootstrapServers())
	}
}

func TestCreateTopicFailsTheTest(t *testing.T) {
	b := samsatest.Start(t, samsatest.WithTopic("twice", 1))
	msg := fatalOf(t, func(tb testing.TB) { b.CreateTopic(tb, "twice", 1) })
	if !strings.Contains(msg, "samsa topic create -p 1 twice") || !strings.Contains(msg, "exists") {
		t.Errorf("CreateTopic of an existing topic failed the test with %q, want the tool's answer", msg)
	}
}

func TestTwoBrokersInParallel(t *testing.T) {
	type started struct {
		b   *samsatest.Broker
		err error
	}
	results := make(chan started, 2)
	for i := 0; i < 2; i++ {
		go func() {
			b, err := samsatest.StartBroker(context.Background())
			results <- started{b, err}
		}()
	}
	var brokers []*samsatest.Broker
	for i := 0; i < 2; i++ {
		r := <-results
		if r.err != nil {
			t.Error(r.err)
			continue
		}
		brokers = append(brokers, r.b)
		t.Cleanup(func() { r.b.Close() })
	}
	if len(brokers) != 2 {
		t.FailNow()
	}
	a, c := brokers[0], brokers[1]
	if a.BootstrapServers() == c.BootstrapServers() || a.HTTPAddr() == c.HTTPAddr() ||
		a.DataDir() == c.DataDir() || a.PID() == c.PID() {
		t.Fatalf("two brokers share something: %s %s %s %d / %s %s %s %d",
			a.BootstrapServers(), a.HTTPAddr(), a.DataDir(), a.PID(),
			c.BootstrapServers(), c.HTTPAddr(), c.DataDir(), c.PID())
	}
	a.CreateTopic(t, "only-in-a", 1)
	for _, b := range brokers {
		m, err := fetchMetadata(b.BootstrapServers())
		if err != nil {
			t.Fatalf("Metadata from %s: %v", b.BootstrapServers(), err)
		}
		_, has := m.topics["only-in-a"]
		if has != (b == a) {
			t.Errorf("%s: topics %v", b.BootstrapServers(), m.topics)
		}
	}
}

func TestCloseStopsAndRemovesTheDataDir(t *testing.T) {
	b, err := samsatest.StartBroker(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir, pid := b.DataDir(), b.PID()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data dir before Close: %v", err)
	}
	t0 := time.Now()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %v", time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir %s after Close: %v, want it gone", dir, err)
	}
	if alive(pid) {
		t.Errorf("broker pid %d still runs after Close", pid)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v, want nil again", err)
	}
	if b.Log() != "" {
		t.Errorf("Log() after Close: %q, want empty", b.Log())
	}
	if _, err := fetchMetadata(b.BootstrapServers()); err == nil {
		t.Errorf("%s still answers after Close", b.BootstrapServers())
	}
}

// The child half of TestBrokerStopsWhenItsParentDies: start a broker, tell the parent
// what it is, and die by SIGKILL, with no chance to clean up.
const childEnv = "SAMSATEST_TEST_CHILD"

func TestBrokerStopsWhenItsParentDies(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		b, err := samsatest.StartBroker(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		json.NewEncoder(os.Stdout).Encode(map[string]any{"pid": b.PID(), "data_dir": b.DataDir()})
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBrokerStopsWhenItsParentDies$", "-test.count=1")
	// The child's temporary files (its broker's log and data directory) go to a directory
	// of their own, which must be empty in the end: nothing stays behind.
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child test process: %v, want killed by SIGKILL; stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	died := time.Now()
	var child struct {
		PID     int    `json:"pid"`
		DataDir string `json:"data_dir"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &child); err != nil || child.PID == 0 ||
		filepath.Dir(child.DataDir) != tmp {
		t.Fatalf("child's report %q: %v", stdout.String(), err)
	}

	deadline := died.Add(10 * time.Second)
	for {
		_, statErr := os.Stat(child.DataDir)
		gone := !alive(child.PID) && errors.Is(statErr, os.ErrNotExist)
		if gone {
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left behind in the child's TMPDIR: %v", left)
			}
			t.Logf("broker %d stopped and removed %s %v after its parent died",
				child.PID, child.DataDir, time.Since(died).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			if alive(child.PID) {
				syscall.Kill(child.PID, syscall.SIGKILL)
			}
			t.Fatalf("10 s after its parent died: broker %d alive %v, data dir %s: %v",
				child.PID, alive(child.PID), child.DataDir, statErr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := samsatest.StartBroker(context.Background(), samsatest.WithBinary("/nonexistent/samsa"))
	if err == nil || !strings.Contains(err.Error(), `"/nonexistent/samsa" is not an executable file`) {
		t.Errorf("WithBinary(/nonexistent/samsa): %v", err)
	}

	notExec := filepath.Join(t.TempDir(), "samsa")
	os.WriteFile(notExec, []byte("not a program"), 0o644)
	t.Setenv("SAMSA_BINARY", notExec)
	if _, err := samsatest.StartBroker(context.Background()); err == nil ||
		!strings.Contains(err.Error(), strconv.Quote(notExec)+" is not an executable file") {
		t.Errorf("SAMSA_BINARY=%s (not executable): %v", notExec, err)
	}

	t.Setenv("SAMSA_BINARY", "")
	t.Setenv("PATH", t.TempDir())
	_, err = samsatest.StartBroker(context.Background())
	if !errors.Is(err, samsatest.ErrNoBinary) ||
		err.Error() != "samsatest: no samsa binary: set SAMSA_BINARY or put samsa on PATH" {
		t.Errorf("no SAMSA_BINARY, no samsa on PATH: %v", err)
	}
	msg := fatalOf(t, func(tb testing.TB) { samsatest.Start(tb) })
	if !strings.Contains(msg, "set SAMSA_BINARY or put samsa on PATH") {
		t.Errorf("Start without a binary failed the test with %q", msg)
	}
}

func TestBinaryLookupOrder(t *testing.T) {
	real, err := samsatest.FindBinary("")
	if err != nil {
		t.Fatal(err)
	}
	onPath := t.TempDir()
	if err := os.Symlink(real, filepath.Join(onPath, "samsa")); err != nil {
		t.Fatal(err)
	}
	other := fakeBinary(t, "#!/bin/sh\nexit 0\n")
	t.Setenv("PATH", onPath)

	t.Setenv("SAMSA_BINARY", other)
	if got, _ := samsatest.FindBinary(""); got != other {
		t.Errorf("with SAMSA_BINARY set: %q, want %q", got, other)
	}
	if got, _ := samsatest.FindBinary(real); got != real {
		t.Errorf("with a path given: %q, want %q", got, real)
	}
	t.Setenv("SAMSA_BINARY", "")
	if got, _ := samsatest.FindBinary(""); got != filepath.Join(onPath, "samsa") {
		t.Errorf("from PATH: %q, want %q", got, filepath.Join(onPath, "samsa"))
	}
	b := samsatest.Start(t) // the one on PATH
	if _, err := fetchMetadata(b.BootstrapServers()); err != nil {
		t.Errorf("broker found on PATH: %v", err)
	}
}

func TestStartFailureCarriesTheLog(t *testing.T) {
	_, err := samsatest.StartBroker(context.Background(), samsatest.WithConfig("num.partitions", "banana"))
	if err == nil || !strings.Contains(err.Error(), "samsa exited before it was ready (exit status") ||
		!strings.Contains(err.Error(), "num.partitions") {
		t.Errorf("a bad setting: %v, want the exit and the broker's complaint", err)
	}

	msg := fatalOf(t, func(tb testing.TB) { samsatest.Start(tb, samsatest.WithConfig("num.partitions", "banana")) })
	if !strings.Contains(msg, "the end of its log") || !strings.Contains(msg, "banana") {
		t.Errorf("Start with a bad setting failed the test with %q", msg)
	}
}

func TestStartTimeout(t *testing.T) {
	stuck := fakeBinary(t, "#!/bin/sh\necho 'stuck before binding' >&2\nexec sleep 60\n")
	t0 := time.Now()
	_, err := samsatest.StartBroker(context.Background(), samsatest.WithBinary(stuck),
		samsatest.WithStartTimeout(300*time.Millisecond))
	took := time.Since(t0)
	if err == nil || !strings.Contains(err.Error(), "did not get ready within 300ms") ||
		!strings.Contains(err.Error(), "stuck before binding") {
		t.Errorf("a binary that never gets ready: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("giving up took %v", took)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := samsatest.StartBroker(ctx, samsatest.WithBinary(stuck)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a context that ends first: %v", err)
	}

	chatty := fakeBinary(t, "#!/bin/sh\necho 'hello, I am not samsa'\nexec sleep 60\n")
	if _, err := samsatest.StartBroker(context.Background(), samsatest.WithBinary(chatty)); err == nil ||
		!strings.Contains(err.Error(), `printed "hello, I am not samsa", not its ready line`) {
		t.Errorf("a binary printing something else: %v", err)
	}
}

// fatalOf runs f with a testing.TB whose Fatalf ends f (as the real one ends a test)
// and answers the message.
func fatalOf(t *testing.T, f func(testing.TB)) string {
	t.Helper()
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	if rec.msg == "" {
		t.Fatal("the call did not fail the test")
	}
	return rec.msg
}

type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func fakeBinary(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-samsa")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// alive: the process exists and is not a zombie waiting for its reaper.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

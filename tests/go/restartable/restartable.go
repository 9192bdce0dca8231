// Package restartable starts a samsa broker that a test can stop, crash and start again
// on the same port and data directory, with Kafka's own defaults (not the ephemeral
// profile): for tests of what survives a clean stop (SIGTERM) or a crash (SIGKILL), and of
// the broker's default configs. A test that just needs a broker takes samsa.dev/samsatest
// (testkit/go) instead.
//
// The real binary comes from $SAMSA_BINARY; the broker listens on an ephemeral loopback
// port, with its own temporary data directory. Every broker is stopped and its directory
// removed when its test ends (t.Cleanup), also when the test fails; on failure the
// broker's log is printed first. A broker process also dies with the test binary
// (PR_SET_PDEATHSIG), and Main turns SIGTERM/SIGINT (ctest timeouts, ^C) into the same
// cleanup.
package restartable

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
	logTailLines = 200
)

// The line samsa logs once it answers requests, e.g.
// "samsa 0.1.0 started in 4.2 ms: node 1 cluster X listening on PLAINTEXT://127.0.0.1:40123
// (advertised 127.0.0.1:40123); data in /tmp/...".
var readyLine = regexp.MustCompile(`started in [0-9.]+ ms: node (\d+) cluster (\S+) listening on PLAINTEXT://127\.0\.0\.1:(\d+)`)

// Broker is one samsa process (or none, between Stop and Start) with its own directory.
type Broker struct {
	t         testing.TB
	binary    string
	overrides []string

	Dir     string // the broker's temp directory (removed at cleanup)
	DataDir string // log.dirs
	LogPath string // the broker's stdout+stderr, appended across starts
	Port    int    // 0 until the first start; then fixed
	NodeID  int32
	Cluster string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	exitErr error
	starts  int
}

var (
	liveMu sync.Mutex
	live   = map[*Broker]struct{}{}
)

// Binary returns $SAMSA_BINARY, failing the test when it is unset or not executable.
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SAMSA_BINARY")
	if bin == "" {
		t.Fatal("SAMSA_BINARY is not set: point it at the samsa binary (ctest sets it to $<TARGET_FILE:samsa>)")
	}
	st, err := os.Stat(bin)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("SAMSA_BINARY=%q is not an executable file (%v)", bin, err)
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// Start starts a broker with group.initial.rebalance.delay.ms=0 and the given extra
// "key=value" overrides, and waits until it has logged that it is listening.
func Start(t testing.TB, overrides ...string) *Broker {
	t.Helper()
	b := New(t, overrides...)
	b.Start()
	return b
}

// New prepares a broker (directory, cleanup) without starting it.
func New(t testing.TB, overrides ...string) *Broker {
	t.Helper()
	bin := Binary(t)
	dir, err := os.MkdirTemp("", "samsa-go-")
	if err != nil {
		t.Fatal(err)
	}
	b := &Broker{
		t:         t,
		binary:    bin,
		overrides: append([]string{"group.initial.rebalance.delay.ms=0"}, overrides...),
		Dir:       dir,
		DataDir:   filepath.Join(dir, "data"),
		LogPath:   filepath.Join(dir, "broker.log"),
	}
	liveMu.Lock()
	live[b] = struct{}{}
	liveMu.Unlock()
	t.Cleanup(b.cleanup)
	return b
}

// Addr is the bootstrap address "127.0.0.1:PORT".
func (b *Broker) Addr() string { return fmt.Sprintf("127.0.0.1:%d", b.Port) }

// BootstrapServers is Addr, under the name samsa.dev/samsatest's Broker uses.
func (b *Broker) BootstrapServers() string { return b.Addr() }

func (b *Broker) args() []string {
	listener := "PLAINTEXT://127.0.0.1:" + strconv.Itoa(b.Port)
	args := []string{"serve",
		"--override", "listeners=" + listener,
		"--override", "advertised.listeners=" + listener,
		"--override", "log.dirs=" + b.DataDir,
	}
	for _, o := range b.overrides {
		args = append(args, "--override", o)
	}
	return args
}

// Start runs the broker (again, on the same port and data directory after Stop/Kill).
func (b *Broker) Start() {
	b.t.Helper()
	b.mu.Lock()
	if b.cmd != nil {
		b.mu.Unlock()
		b.t.Fatal("restartable: Start while the broker is running")
	}
	b.starts++
	start := b.starts
	logf, err := os.OpenFile(b.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		b.mu.Unlock()
		b.t.Fatal(err)
	}
	offset, _ := logf.Seek(0, 2)
	args := b.args()
	fmt.Fprintf(logf, "===== restartable: start #%d: %s %s\n", start, b.binary, strings.Join(args, " "))

	cmd := exec.Command(b.binary, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = brokerEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Pdeathsig fires when the forking OS thread exits: keep this goroutine on its
	// thread while forking (Go's runtime does not end threads otherwise).
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	logf.Close()
	if err != nil {
		b.mu.Unlock()
		b.t.Fatalf("restartable: cannot start %s: %v", b.binary, err)
	}
	exited := make(chan struct{})
	b.cmd, b.exited = cmd, exited
	b.mu.Unlock()
	go func() {
		err := cmd.Wait()
		b.mu.Lock()
		b.exitErr = err
		b.mu.Unlock()
		close(exited)
	}()

	t0 := time.Now()
	deadline := t0.Add(readyTimeout)
	for {
		if m := b.findReady(offset); m != nil {
			port, _ := strconv.Atoi(m[3])
			node, _ := strconv.Atoi(m[1])
			if b.Port != 0 && port != b.Port {
				b.t.Fatalf("restartable: broker listens on %d, expected %d", port, b.Port)
			}
			b.Port, b.NodeID, b.Cluster = port, int32(node), m[2]
			b.t.Logf("restartable: broker #%d up on %s in %v (pid %d)", start, b.Addr(),
				time.Since(t0).Round(100*time.Microsecond), cmd.Process.Pid)
			return
		}
		select {
		case <-exited:
			b.mu.Lock()
			b.cmd = nil
			err := b.exitErr
			b.mu.Unlock()
			b.t.Fatalf("restartable: broker exited before it was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("restartable: broker not ready after %v", readyTimeout)
		}
	}
}

func (b *Broker) findReady(offset int64) []string {
	data, err := os.ReadFile(b.LogPath)
	if err != nil || int64(len(data)) < offset {
		return nil
	}
	return readyLine.FindStringSubmatch(string(data[offset:]))
}

func brokerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		// samsa reads KAFKA_* like the apache/kafka image; keep the caller's out.
		if !strings.HasPrefix(kv, "KAFKA_") {
			env = append(env, kv)
		}
	}
	return env
}

// Stop sends SIGTERM and waits; the test fails unless the broker exits 0 in time.
func (b *Broker) Stop() {
	b.t.Helper()
	if err := b.signalAndWait(syscall.SIGTERM, stopTimeout); err != nil {
		b.t.Fatalf("restartable: clean stop failed: %v", err)
	}
}

// Kill crashes the broker with SIGKILL.
func (b *Broker) Kill() {
	b.t.Helper()
	_ = b.signalAndWait(syscall.SIGKILL, stopTimeout)
	b.t.Logf("restartable: broker killed with SIGKILL")
}

// Restart is Stop then Start (same port, same data).
func (b *Broker) Restart() {
	b.t.Helper()
	b.Stop()
	b.Start()
}

// Running reports whether the broker process is alive.
func (b *Broker) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return false
	}
	select {
	case <-b.exited:
		return false
	default:
		return true
	}
}

// signalAndWait returns an error when the process did not exit cleanly (SIGTERM) in time.
func (b *Broker) signalAndWait(sig syscall.Signal, timeout time.Duration) error {
	b.mu.Lock()
	cmd, exited := b.cmd, b.exited
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("broker ignored %v for %v; killed it", sig, timeout)
	}
	b.mu.Lock()
	err := b.exitErr
	b.mu.Unlock()
	if sig == syscall.SIGTERM && err != nil {
		return fmt.Errorf("broker exited with %v on SIGTERM, expected 0", err)
	}
	return nil
}

// LogText is the broker's log so far.
func (b *Broker) LogText() string {
	data, _ := os.ReadFile(b.LogPath)
	return string(data)
}

// PrintLog writes the last lines of the broker's log to the test output.
func (b *Broker) PrintLog() {
	data, err := os.ReadFile(b.LogPath)
	if err != nil {
		b.t.Logf("restartable: no broker log: %v", err)
		return
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	from := 0
	if len(lines) > logTailLines {
		from = len(lines) - logTailLines
	}
	b.t.Logf("----- broker log %s (last %d of %d lines) -----\n%s\n----- end of broker log -----",
		b.LogPath, len(lines)-from, len(lines), strings.Join(lines[from:], "\n"))
}

func (b *Broker) cleanup() {
	if b.Running() {
		if err := b.signalAndWait(syscall.SIGTERM, stopTimeout); err != nil {
			b.t.Errorf("restartable: %v", err)
		}
	} else {
		_ = b.signalAndWait(syscall.SIGKILL, stopTimeout) // reap a process that died
	}
	if b.t.Failed() {
		b.PrintLog()
	}
	b.removeDir()
	liveMu.Lock()
	delete(live, b)
	liveMu.Unlock()
}

func (b *Broker) removeDir() {
	if os.Getenv("SAMSA_KEEP_TMP") == "1" {
		b.t.Logf("restartable: keeping %s (SAMSA_KEEP_TMP=1)", b.Dir)
		return
	}
	_ = os.RemoveAll(b.Dir)
}

// Main runs the tests of a package: it fails at once when SAMSA_BINARY is unset, and on
// SIGTERM/SIGINT kills every live broker and removes its directory before exiting.
//
//	func TestMain(m *testing.M) { restartable.Main(m) }
func Main(m *testing.M) {
	if os.Getenv("SAMSA_BINARY") == "" {
		fmt.Fprintln(os.Stderr, "FAIL: SAMSA_BINARY is not set: point it at the samsa binary")
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-sigs
		liveMu.Lock()
		var brokers []*Broker
		for b := range live {
			brokers = append(brokers, b)
		}
		liveMu.Unlock()
		for _, b := range brokers {
			_ = b.signalAndWait(syscall.SIGKILL, stopTimeout)
			if os.Getenv("SAMSA_KEEP_TMP") != "1" {
				_ = os.RemoveAll(b.Dir)
			}
		}
		fmt.Fprintf(os.Stderr, "restartable: %v received: killed %d broker(s)\n", sig, len(brokers))
		os.Exit(2)
	}()
	os.Exit(m.Run())
}

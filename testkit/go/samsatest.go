// Package samsatest gives a Go test a real Kafka-compatible broker in one line:
//
//	b := samsatest.Start(t)
//	cl, err := kgo.NewClient(kgo.SeedBrokers(b.BootstrapServers()))
//
// Each broker is the samsa binary in its ephemeral mode (`samsa serve --ephemeral`): free
// loopback ports, a fresh data directory that the broker removes when it stops, and two
// leashes to this process (--parent-pid and a stdin pipe), so the broker also stops, and
// cleans up, when the test binary dies without a word (SIGKILL, a panic, a timeout).
//
// Start ties the broker to a test (stopped by t.Cleanup); StartBroker returns one without
// a test, for a TestMain that shares a broker across a package's tests:
//
//	var broker *samsatest.Broker
//
//	func TestMain(m *testing.M) {
//		b, err := samsatest.StartBroker(context.Background(), samsatest.WithTopic("orders", 3))
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		broker = b
//		code := m.Run()
//		b.Close()
//		os.Exit(code)
//	}
//
// The binary: WithBinary, else $SAMSA_BINARY, else samsa on PATH.
package samsatest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultStartTimeout bounds the wait for the ready line (a fresh broker needs a few
// milliseconds; the margin is for loaded CI machines). WithStartTimeout changes it.
const DefaultStartTimeout = 30 * time.Second

const (
	stopTimeout  = 15 * time.Second // SIGTERM to exit, before SIGKILL
	topicTimeout = 30 * time.Second // one `samsa topic create`
	logTailBytes = 4000             // how much of the broker's log an error carries
)

// ErrNoBinary is returned (wrapped) when no samsa binary was named and none is on PATH.
var ErrNoBinary = errors.New("samsatest: no samsa binary: set SAMSA_BINARY or put samsa on PATH")

// An Option configures a broker before it starts.
type Option func(*options)

type options struct {
	binary       string
	overrides    []string // key=value, in the order given
	topics       []topicSpec
	startTimeout time.Duration
}

type topicSpec struct {
	name       string
	partitions int
}

// WithTopic creates a topic once the broker answers, before Start returns. partitions < 1
// means the broker's num.partitions.
func WithTopic(name string, partitions int) Option {
	return func(o *options) { o.topics = append(o.topics, topicSpec{name, partitions}) }
}

// WithConfig sets a broker setting (Kafka's keys, e.g. "num.partitions", "3"); it wins
// over the ephemeral defaults, like `samsa serve --override key=value`.
func WithConfig(key, value string) Option {
	return func(o *options) { o.overrides = append(o.overrides, key+"="+value) }
}

// WithBinary names the samsa binary to run, instead of $SAMSA_BINARY or PATH.
func WithBinary(path string) Option {
	return func(o *options) { o.binary = path }
}

// WithStartTimeout bounds the wait until the broker answers (DefaultStartTimeout if not given).
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) { o.startTimeout = d }
}

// FindBinary answers the samsa binary to run, as an absolute path: path if not empty,
// else $SAMSA_BINARY, else samsa on PATH.
func FindBinary(path string) (string, error) {
	if path == "" {
		path = os.Getenv("SAMSA_BINARY")
	}
	if path == "" {
		found, err := exec.LookPath("samsa")
		if err != nil {
			return "", ErrNoBinary
		}
		path = found
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("samsatest: %q is not an executable file", path)
	}
	return filepath.Abs(path)
}

// readyLine is what `samsa serve --print-ready` prints once it answers.
type readyLine struct {
	Samsa            string            `json:"samsa"`
	Version          string            `json:"version"`
	PID              int               `json:"pid"`
	BootstrapServers string            `json:"bootstrap_servers"`
	Listeners        map[string]string `json:"listeners"`
	HTTP             *string           `json:"http"`
	DataDir          string            `json:"data_dir"`
	Ephemeral        bool              `json:"ephemeral"`
}

// Broker is one running samsa process. Its methods are safe for concurrent use.
type Broker struct {
	// Addr is the bootstrap address, host:port, what a client's seed brokers (or
	// bootstrap.servers) take; the same as BootstrapServers().
	Addr string

	binary string
	ready  readyLine
	cmd    *exec.Cmd
	stdin  *os.File // our end of the broker's stdin: closing it (or dying) stops it
	log    *os.File // the broker's stderr: a temporary file, unlinked at once (read here)

	exited  chan struct{} // closed once cmd.Wait returned; waitErr is set then
	waitErr error

	closeOnce sync.Once
	closeErr  error
}

// Start starts a broker for the test and returns once it answers (and the WithTopic
// topics exist). The test fails at once, with the end of the broker's log, when the
// broker cannot start. The broker is stopped when the test ends; if the test failed, the
// end of its log is printed first.
func Start(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	b, err := StartBroker(context.Background(), opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		err := b.stop()
		if err != nil || t.Failed() {
			t.Logf("samsatest: the end of samsa's log (pid %d):\n%s", b.PID(), b.logTail())
		}
		b.closeLog()
		if err != nil {
			t.Errorf("%v", err)
		}
	})
	return b
}

// StartBroker starts a broker that belongs to no test, for a TestMain sharing one
// across a package; the caller stops it with Close. It returns once the broker answers
// and the WithTopic topics exist, or with an error that carries the end of the broker's
// log. ctx bounds the start only, not the broker's life.
func StartBroker(ctx context.Context, opts ...Option) (*Broker, error) {
	o := options{startTimeout: DefaultStartTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	binary, err := FindBinary(o.binary)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--ephemeral", "--print-ready",
		"--parent-pid", strconv.Itoa(os.Getpid()), "--watch-stdin"}
	for _, kv := range o.overrides {
		args = append(args, "--override", kv)
	}

	b, stdout, err := spawn(binary, args)
	if err != nil {
		return nil, err
	}
	if err := b.awaitReady(ctx, stdout, o.startTimeout); err != nil {
		b.kill()
		err = fmt.Errorf("%w; the end of its log:\n%s", err, b.logTail())
		b.closeLog()
		return nil, err
	}
	for _, topic := range o.topics {
		if err := b.createTopic(ctx, topic.name, topic.partitions); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// spawn starts the process with a pipe on stdin and on stdout and its stderr in a file.
func spawn(binary string, args []string) (*Broker, *os.File, error) {
	// The log file has no name once created: nothing stays behind, however this process
	// ends; the broker writes to its descriptor, Log and error messages read ours.
	logFile, err := os.CreateTemp("", "samsa-*.log")
	if err != nil {
		return nil, nil, fmt.Errorf("samsatest: a file for samsa's log: %w", err)
	}
	os.Remove(logFile.Name())
	var stdinR, stdinW, stdoutR, stdoutW *os.File
	closeAll := func() {
		for _, f := range []*os.File{stdinR, stdinW, stdoutR, stdoutW} {
			if f != nil {
				f.Close()
			}
		}
		logFile.Close()
	}
	if stdinR, stdinW, err = os.Pipe(); err == nil {
		stdoutR, stdoutW, err = os.Pipe()
	}
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("samsatest: pipes for samsa: %w", err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, stdoutW, logFile
	// KAFKA_* variables, which samsa reads as settings, are not passed on: a test's broker
	// depends only on its options (as with the Java and Python testkits).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAFKA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("samsatest: cannot run %s: %w", binary, err)
	}
	// The child holds its own copies now; ours of its ends would keep the pipes open.
	stdinR.Close()
	stdoutW.Close()
	b := &Broker{binary: binary, cmd: cmd, stdin: stdinW, log: logFile,
		exited: make(chan struct{})}
	go func() {
		b.waitErr = cmd.Wait()
		close(b.exited)
	}()
	return b, stdoutR, nil
}

// awaitReady reads the ready line from stdout, then keeps draining stdout until the end.
func (b *Broker) awaitReady(ctx context.Context, stdout *os.File, timeout time.Duration) error {
	type result struct {
		line string
		err  error
	}
	lines := make(chan result, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		lines <- result{line, err}
		io.Copy(io.Discard, r)
		stdout.Close()
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-lines:
	case <-timer.C:
		return fmt.Errorf("samsatest: samsa (pid %d) did not get ready within %v", b.cmd.Process.Pid, timeout)
	case <-ctx.Done():
		return fmt.Errorf("samsatest: starting samsa (pid %d): %w", b.cmd.Process.Pid, ctx.Err())
	}
	if res.err != nil {
		select { // stdout ended: the broker is exiting; its status follows shortly
		case <-b.exited:
			return fmt.Errorf("samsatest: samsa exited before it was ready (%v)", b.waitErr)
		case <-time.After(stopTimeout):
			return fmt.Errorf("samsatest: samsa closed its stdout before it was ready")
		}
	}
	if err := json.Unmarshal([]byte(res.line), &b.ready); err != nil || b.ready.Samsa != "ready" ||
		b.ready.BootstrapServers == "" {
		return fmt.Errorf("samsatest: samsa printed %q, not its ready line", strings.TrimSpace(res.line))
	}
	b.Addr = b.ready.BootstrapServers
	return nil
}

// BootstrapServers is the first listener's advertised address (host:port), what a
// client's seed brokers or bootstrap.servers take.
func (b *Broker) BootstrapServers() string { return b.ready.BootstrapServers }

// HTTPAddr is the console's and /metrics' address (host:port), "" when it is off.
func (b *Broker) HTTPAddr() string {
	if b.ready.HTTP == nil {
		return ""
	}
	return *b.ready.HTTP
}

// PID is the broker's process id.
func (b *Broker) PID() int { return b.ready.PID }

// DataDir is the broker's temporary data directory; it is gone once the broker stopped.
func (b *Broker) DataDir() string { return b.ready.DataDir }

// Version is the broker's version, e.g. "0.1.0".
func (b *Broker) Version() string { return b.ready.Version }

// Listeners maps each listener name (e.g. "PLAINTEXT") to its advertised host:port.
func (b *Broker) Listeners() map[string]string {
	out := make(map[string]string, len(b.ready.Listeners))
	for name, addr := range b.ready.Listeners {
		out[name] = addr
	}
	return out
}

// Log is what the broker has logged so far (empty once it was closed).
func (b *Broker) Log() string {
	data, _ := io.ReadAll(io.NewSectionReader(b.log, 0, math.MaxInt64))
	return string(data)
}

// CreateTopic creates a topic (partitions < 1: the broker's num.partitions) with
// `samsa topic create`, failing the test with the tool's answer when it cannot.
func (b *Broker) CreateTopic(t testing.TB, name string, partitions int) {
	t.Helper()
	if err := b.createTopic(context.Background(), name, partitions); err != nil {
		t.Fatalf("%v", err)
	}
}

func (b *Broker) createTopic(ctx context.Context, name string, partitions int) error {
	if partitions < 1 {
		partitions = -1
	}
	ctx, cancel := context.WithTimeout(ctx, topicTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.binary, "topic", "create", "-b", b.BootstrapServers(),
		"-p", strconv.Itoa(partitions), "--", name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("samsatest: samsa topic create -p %d %s: %v: %s", partitions, name, err,
			strings.TrimSpace(string(out)))
	}
	return nil
}

// Close stops the broker (SIGTERM; SIGKILL if it has not exited after 15 s) and answers
// an error unless it exited 0. Its data directory is gone afterwards. Calling Close again
// answers the same.
func (b *Broker) Close() error {
	err := b.stop()
	b.closeLog()
	return err
}

func (b *Broker) stop() error {
	b.closeOnce.Do(func() {
		pid := b.cmd.Process.Pid
		select {
		case <-b.exited:
		default:
			_ = b.cmd.Process.Signal(syscall.SIGTERM)
			timer := time.NewTimer(stopTimeout)
			select {
			case <-b.exited:
			case <-timer.C:
				_ = b.cmd.Process.Kill()
				<-b.exited
				b.closeErr = fmt.Errorf("samsatest: samsa (pid %d) ignored SIGTERM for %v; killed it", pid, stopTimeout)
			}
			timer.Stop()
		}
		b.stdin.Close()
		if b.closeErr == nil && b.waitErr != nil {
			b.closeErr = fmt.Errorf("samsatest: samsa (pid %d) stopped with %v, not exit status 0", pid, b.waitErr)
		}
	})
	return b.closeErr
}

// kill ends a broker that failed to start.
func (b *Broker) kill() {
	b.closeOnce.Do(func() {
		_ = b.cmd.Process.Kill()
		<-b.exited
		b.stdin.Close()
		b.closeErr = errors.New("samsatest: samsa did not start")
	})
}

func (b *Broker) closeLog() { b.log.Close() }

// logTail is the end of the broker's log, from a line start.
func (b *Broker) logTail() string {
	st, err := b.log.Stat()
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	from := max(st.Size()-logTailBytes, 0)
	data, err := io.ReadAll(io.NewSectionReader(b.log, from, st.Size()-from))
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if from > 0 {
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	if len(data) == 0 {
		return "(empty)"
	}
	return strings.TrimRight(string(data), "\n")
}

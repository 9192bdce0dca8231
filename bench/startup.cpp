// samsa-startup: time from starting `samsa serve` to its first Metadata answer, and
// the memory it holds once idle.
//
// For each run: a fresh data dir and port; posix_spawn the broker, then connect
// (retrying every 100 µs while refused), send a Metadata v1 request for all topics and
// wait for an answer naming at least one broker. The clock runs from just before the
// spawn to the answer, so it counts exec, dynamic linking, configuration, storage
// start-up and the first request, but nothing of an interpreter around the probe.
// Then VmRSS, RssAnon and PSS, at once and after --idle seconds.
//
// With two or more CPUs the broker runs on one and the probe on another. The probe
// wakes every 100 µs to retry; on the broker's CPU each wake-up preempts the start-up
// it is timing (on the 2-vCPU test VM that added about 2 ms to a 4.5 ms start).
// --same-cpu leaves both wherever the scheduler puts them.
//
//   samsa-startup --samsa PATH [--runs 20] [--idle 0.5] [--reuse-dir] [--same-cpu]
//
// With --reuse-dir every run after the first restarts on the same data dir (a restart,
// so the first start's one-time fsyncs are not counted). Prints every run, the median
// and p90, and one `RESULT ...` line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

void put16(std::vector<uint8_t>& out, int16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
int32_t get32(const uint8_t* p) {
  return static_cast<int32_t>(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
                              uint32_t(p[3]));
}

// Metadata v1 (api key 3), header v1, topics = null (all topics).
std::vector<uint8_t> metadata_request(int32_t correlation_id) {
  const std::string client = "samsa-startup";
  std::vector<uint8_t> body;
  put16(body, 3);
  put16(body, 1);
  put32(body, correlation_id);
  put16(body, static_cast<int16_t>(client.size()));
  body.insert(body.end(), client.begin(), client.end());
  put32(body, -1);
  std::vector<uint8_t> frame;
  frame.reserve(4 + body.size());
  put32(frame, static_cast<int32_t>(body.size()));
  std::copy(body.begin(), body.end(), std::back_inserter(frame));
  return frame;
}

bool read_exact(int fd, uint8_t* into, size_t n) {
  while (n > 0) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return false;
    const ssize_t got = ::recv(fd, into, n, 0);
    if (got <= 0) return false;
    into += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// One attempt: true when the broker answered Metadata naming at least one broker.
bool metadata_ok(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    constexpr int32_t kCorrelationId = 7;
    const auto request = metadata_request(kCorrelationId);
    uint8_t head[12];
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()) &&
        read_exact(fd, head, sizeof head)) {
      // size, correlation id, then the brokers array length (Metadata v1 body).
      ok = get32(head) >= 8 && get32(head + 4) == kCorrelationId && get32(head + 8) >= 1;
    }
  }
  ::close(fd);
  return ok;
}

long status_kb(pid_t pid, const char* file, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return -1;
}

// Minor page faults so far (field 10 of /proc/PID/stat): on a VM whose memory is
// backed lazily, each one costs several microseconds.
long minor_faults(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 10 && fields >> field; ++i) {
    if (i == 10) return std::strtol(field.c_str(), nullptr, 10);
  }
  return -1;
}

struct Memory {
  long rss_kb = -1, anon_kb = -1, pss_kb = -1;
};
Memory memory(pid_t pid) {
  return {status_kb(pid, "status", "VmRSS"), status_kb(pid, "status", "RssAnon"),
          status_kb(pid, "smaps_rollup", "Pss")};
}

struct Run {
  double ms = 0;
  long rss_first_kb = -1;
  long faults_first = -1;
  Memory idle;
};

// Two CPUs this process may use, one for the broker and one for the probe; none when
// it may use only one.
struct CpuSplit {
  cpu_set_t all;
  int broker_cpu = -1;
  int probe_cpu = -1;
};

std::optional<CpuSplit> split_cpus() {
  CpuSplit split;
  if (::sched_getaffinity(0, sizeof split.all, &split.all) != 0) return std::nullopt;
  for (int cpu = 0; cpu < CPU_SETSIZE && split.probe_cpu < 0; ++cpu) {
    if (!CPU_ISSET(cpu, &split.all)) continue;
    (split.broker_cpu < 0 ? split.broker_cpu : split.probe_cpu) = cpu;
  }
  if (split.probe_cpu < 0) return std::nullopt;
  return split;
}

void run_on(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ::sched_setaffinity(0, sizeof one, &one);
}

Run one_run(const std::string& binary, const fs::path& data_dir, double idle_s,
            const std::optional<CpuSplit>& cpus) {
  const uint16_t port = free_port();
  const std::string listener = "PLAINTEXT://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {binary,       "serve",
                                   "--override", "log.dirs=" + (data_dir / "data").string(),
                                   "--override", "listeners=" + listener,
                                   "--override", "advertised.listeners=" + listener};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  // The child inherits the affinity it is spawned with; then the probe moves away.
  if (cpus) run_on(cpus->broker_cpu);
  const auto started = Clock::now();
  const int err = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  if (cpus) run_on(cpus->probe_cpu);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(err));

  Run run;
  std::optional<std::string> failure;
  const auto deadline = started + std::chrono::seconds(10);
  while (!metadata_ok(port)) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      failure = "broker exited during start-up";
      break;
    }
    if (Clock::now() > deadline) {
      failure = "no Metadata answer within 10 s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  if (!failure) {
    run.ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    run.faults_first = minor_faults(pid);
    run.rss_first_kb = memory(pid).rss_kb;
    std::this_thread::sleep_for(std::chrono::duration<double>(idle_s));
    run.idle = memory(pid);
  }
  if (pid > 0) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  if (cpus) ::sched_setaffinity(0, sizeof cpus->all, &cpus->all);
  if (failure) throw std::runtime_error(*failure);
  return run;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}
double p90(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: samsa-startup --samsa PATH [--runs N] [--idle S] [--reuse-dir] "
               "[--same-cpu]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary;
  int runs = 20;
  double idle_s = 0.5;
  bool reuse_dir = false;
  bool same_cpu = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (arg == "--samsa")
      binary = value();
    else if (arg == "--runs")
      runs = std::atoi(value().c_str());
    else if (arg == "--idle")
      idle_s = std::atof(value().c_str());
    else if (arg == "--reuse-dir")
      reuse_dir = true;
    else if (arg == "--same-cpu")
      same_cpu = true;
    else
      usage();
  }
  if (binary.empty() || runs < 1) usage();
  binary = fs::absolute(binary).string();

  auto make_dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "samsa-startup.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return fs::path(tmpl);
  };
  const std::optional<CpuSplit> cpus = same_cpu ? std::nullopt : split_cpus();
  if (cpus)
    std::printf("broker on CPU %d, probe on CPU %d\n", cpus->broker_cpu, cpus->probe_cpu);
  else
    std::printf("broker and probe share the CPUs (%s)\n",
                same_cpu ? "--same-cpu" : "only one CPU available");
  std::vector<double> times;
  std::vector<long> rss_first, rss_idle, anon_idle, pss_idle, faults;
  const std::optional<fs::path> shared = reuse_dir ? std::optional(make_dir()) : std::nullopt;
  int status = 0;
  try {
    for (int i = 0; i < runs + (reuse_dir ? 1 : 0); ++i) {
      const fs::path dir = shared ? *shared : make_dir();
      Run run;
      try {
        run = one_run(binary, dir, idle_s, cpus);
      } catch (...) {
        if (!shared) fs::remove_all(dir);
        throw;
      }
      if (!shared) fs::remove_all(dir);
      const bool counted = !(shared && i == 0);
      std::printf(
          "run %2d: %7.2f ms to first Metadata (%ld page faults), VmRSS %ld kB; after %g s "
          "idle VmRSS %ld kB (RssAnon %ld kB, PSS %ld kB)%s\n",
          i + 1, run.ms, run.faults_first, run.rss_first_kb, idle_s, run.idle.rss_kb,
          run.idle.anon_kb, run.idle.pss_kb, counted ? "" : " [first start, not counted]");
      if (!counted) continue;
      times.push_back(run.ms);
      rss_first.push_back(run.rss_first_kb);
      faults.push_back(run.faults_first);
      rss_idle.push_back(run.idle.rss_kb);
      anon_idle.push_back(run.idle.anon_kb);
      pss_idle.push_back(run.idle.pss_kb);
    }
    const char* kind = reuse_dir ? "restart" : "first_start";
    std::printf(
        "startup (%s) to first Metadata: median %.2f ms, p90 %.2f ms over %d runs; %ld page "
        "faults\n",
        reuse_dir ? "restart" : "first start", median(times), p90(times), runs, median(faults));
    std::printf(
        "VmRSS after first Metadata: median %ld kB; idle: median %ld kB (RssAnon %ld kB, PSS "
        "%ld kB)\n",
        median(rss_first), median(rss_idle), median(anon_idle), median(pss_idle));
    std::printf(
        "RESULT mode=startup kind=%s cpus=%s runs=%d median_ms=%.2f p90_ms=%.2f "
        "rss_first_kb=%ld rss_idle_kb=%ld rss_anon_kb=%ld pss_kb=%ld faults=%ld\n",
        kind, cpus ? "split" : "shared", runs, median(times), p90(times), median(rss_first),
        median(rss_idle), median(anon_idle), median(pss_idle), median(faults));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samsa-startup: %s\n", e.what());
    status = 1;
  }
  if (shared) fs::remove_all(*shared);
  return status;
}

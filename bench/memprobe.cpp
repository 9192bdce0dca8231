// samsa-memprobe: how much the machine charges for memory touched for the first time.
//
// An append to a log copies into page-cache pages the kernel has just allocated. On
// bare metal that costs about a memcpy. In a VM whose host backs guest memory lazily,
// and takes freed memory back (free page reporting, ballooning), the first touch of
// each page is a host-side fault, and appends run at a fraction of memory speed. This
// probe measures both sides, so that benchmark figures can be read against them:
//
//   anon first touch / again   memset of a fresh anonymous mapping, then once more
//   append fresh               pwrite of 1 MiB chunks at the end of a new file
//   overwrite                  the same pwrites again, into pages that now exist
//
//   samsa-memprobe [--dir /tmp] [--file-mib 4096] [--anon-mib 256]
//
// The file must be larger than the memory freed recently (by deleted files, exited
// processes), which the kernel hands out first and which is still warm: with 512 MiB
// the append ran at 7 GB/s on the VM where 4 GiB ran at 0.7-0.9 GB/s. Prints one line
// per measurement and a `RESULT ...` line (MB = 10^6 bytes).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// MB/s of memset over `bytes` at `p`.
double memset_rate(void* p, size_t bytes, int value) {
  const auto start = std::chrono::steady_clock::now();
  std::memset(p, value, bytes);
  return static_cast<double>(bytes) / seconds_since(start) / 1e6;
}

// MB/s of writing `bytes` to `fd` from offset 0 in chunks of `chunk.size()`.
double pwrite_rate(int fd, const std::vector<char>& chunk, size_t bytes) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t at = 0; at < bytes; at += chunk.size()) {
    if (::pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(at)) !=
        static_cast<ssize_t>(chunk.size())) {
      std::perror("pwrite");
      std::exit(1);
    }
  }
  return static_cast<double>(bytes) / seconds_since(start) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp";
  size_t file_mib = 4096;
  size_t anon_mib = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") {
      dir = argv[i + 1];
    } else if (flag == "--file-mib") {
      file_mib = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (flag == "--anon-mib") {
      anon_mib = std::strtoul(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: samsa-memprobe [--dir DIR] [--file-mib N] [--anon-mib N]\n");
      return 2;
    }
  }

  // The file first: the anonymous test frees its memory, and appends right after
  // would reuse those (then warm) pages.
  std::string path = dir + "/samsa-memprobe.XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    std::perror("mkstemp");
    return 1;
  }
  ::unlink(path.c_str());  // gone when closed, whatever happens
  const std::vector<char> chunk(1 << 20, 7);
  const double append_fresh = pwrite_rate(fd, chunk, file_mib << 20);
  const double overwrite = pwrite_rate(fd, chunk, file_mib << 20);
  ::close(fd);

  const size_t bytes = anon_mib << 20;
  void* anon = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (anon == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  const double anon_first = memset_rate(anon, bytes, 1);
  const double anon_again = memset_rate(anon, bytes, 2);
  ::munmap(anon, bytes);

  std::printf("anon memory, first touch: %8.0f MB/s\n", anon_first);
  std::printf("anon memory, again:       %8.0f MB/s\n", anon_again);
  std::printf("file append, fresh pages: %8.0f MB/s\n", append_fresh);
  std::printf("file overwrite in cache:  %8.0f MB/s\n", overwrite);
  std::printf(
      "RESULT mode=memprobe file_mib=%zu anon_mib=%zu anon_first_mb_s=%.0f anon_again_mb_s=%.0f "
      "append_fresh_mb_s=%.0f overwrite_mb_s=%.0f\n",
      file_mib, anon_mib, anon_first, anon_again, append_fresh, overwrite);
  return 0;
}

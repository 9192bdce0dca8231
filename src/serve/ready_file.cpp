#include "samsa/serve/ready_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <nlohmann/json.hpp>

namespace samsa::serve {

std::string ready_json(const ReadyInfo& info) {
  nlohmann::ordered_json j;
  j["samsa"] = "ready";
  j["version"] = info.version;
  j["pid"] = info.pid;
  j["bootstrap_servers"] = info.listeners.empty() ? "" : info.listeners.front().second;
  j["listeners"] = nlohmann::ordered_json::object();
  for (const auto& [name, address] : info.listeners) j["listeners"][name] = address;
  if (info.http.empty()) {
    j["http"] = nullptr;
  } else {
    j["http"] = info.http;
  }
  j["data_dir"] = info.data_dir;
  j["ephemeral"] = info.ephemeral;
  return j.dump();
}

void write_ready_file(const std::string& path, const std::string& json) {
  // Beside the target, so the rename stays within one file system.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + tmp);
  const std::string text = json + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::system_error(err, std::generic_category(), "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "rename " + tmp + " to " + path);
  }
}

}  // namespace samsa::serve

// The one exception type the config module throws: the message names the offending key.
#pragma once

#include <stdexcept>
#include <string>

namespace samsa::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace samsa::config

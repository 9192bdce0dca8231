// The cli module: samsa's command-line tools, in the broker's own binary so a container
// or a CI job needs no JVM and no Kafka scripts. `samsa health` checks a listener;
// `cluster`, `topic`, `produce`, `consume` and `group` do what kafka-topics,
// kafka-console-producer/consumer and kafka-consumer-groups (or rpk) do, against any
// Kafka broker, through the client module.
//
// Exit codes scripts can trust: 0 done; 1 the broker refused (a Kafka error); 2 bad
// usage or arguments; 3 the broker could not be reached or did not answer.
#pragma once

#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace samsa::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitKafkaError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Adds the tool subcommands to `app`. After app.parse(), run() returns the exit code of
// the tool chosen, or nullopt when the subcommand chosen is not a tool (serve).
class Tools {
 public:
  explicit Tools(CLI::App& app);
  std::optional<int> run() const;

 private:
  std::function<int()> chosen_;
};

}  // namespace samsa::cli

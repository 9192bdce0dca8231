# Apache Kafka's command-line tools (kafka-tools 4.4.0) run as separate JVMs against samsa.
# Each class starts 15-40 tool JVMs; the timeouts leave room for a loaded 2-core machine.
samsa_java_test(tools TopicsToolTest 360 tools)
samsa_java_test(tools ConsoleToolsTest 360 tools)
samsa_java_test(tools ConsumerGroupsToolTest 480 tools)
samsa_java_test(tools ConfigsToolTest 360 tools)
samsa_java_test(tools OffsetsToolsTest 360 tools)
samsa_java_test(tools PerfToolsTest 300 tools)

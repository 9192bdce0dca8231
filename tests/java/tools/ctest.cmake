# Apache Kafka's command-line tools (kafka-tools 4.4.0) run as separate JVMs against samsa.
samsa_java_test(tools TopicsToolTest 300 tools)
samsa_java_test(tools ConsoleToolsTest 300 tools)
samsa_java_test(tools ConsumerGroupsToolTest 360 tools)
samsa_java_test(tools ConfigsToolTest 300 tools)
samsa_java_test(tools OffsetsToolsTest 300 tools)
samsa_java_test(tools PerfToolsTest 300 tools)

# Apache Kafka's command-line tools (kafka-tools 4.4.0) run as separate JVMs against samsa.
# One ctest entry runs every class (each starts its own broker); run one by hand with
#   tests/java/run-test.sh tools ConfigsToolTest build/samsa
samsa_java_test(tools *Test 1200 tools)

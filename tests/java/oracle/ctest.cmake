# The differential oracle (one real Kafka 4.4 broker and one samsa per JVM; each entry is
# one class, so one Kafka start each, about 15-25 s). RUN_SERIAL: a Kafka JVM is heavy on
# the 2-core machines.
samsa_java_test(oracle MetadataTopicsOracleTest 600 oracle RUN_SERIAL TRUE)
samsa_java_test(oracle ProduceFetchOracleTest 600 oracle RUN_SERIAL TRUE)
samsa_java_test(oracle ClassicGroupsOracleTest 600 oracle RUN_SERIAL TRUE)
samsa_java_test(oracle ConfigsOracleTest 600 oracle RUN_SERIAL TRUE)
samsa_java_test(oracle MiscOracleTest 600 oracle RUN_SERIAL TRUE)

# The differential oracle: one ctest entry runs every *OracleTest class in one JVM, so that
# they share one Kafka 4.4 broker (a start costs ~20 s with its storage format) and one
# samsa; about 65-100 s in all (CompactionOracleTest ~6-10 s of it). Run one class by hand with
#   tests/java/run-test.sh oracle ClassicGroupsOracleTest build/samsa
# RUN_SERIAL: a Kafka JVM is heavy on the 2-core machines.
samsa_java_test(oracle *OracleTest 900 oracle RUN_SERIAL TRUE)

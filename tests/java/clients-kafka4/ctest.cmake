# The newest Java client 4.x against samsa; the sources are in ../clients-common.
samsa_java_test(clients-kafka4 ProducerTest 180 java-clients)
samsa_java_test(clients-kafka4 ClassicGroupTest 180 java-clients)
samsa_java_test(clients-kafka4 ClassicGroupCrashTest 180 java-clients)
samsa_java_test(clients-kafka4 ConsumerProtocolGroupTest 240 java-clients)
samsa_java_test(clients-kafka4 AdminTopicsTest 180 java-clients)
samsa_java_test(clients-kafka4 AdminOffsetsTest 180 java-clients)
samsa_java_test(clients-kafka4 AdminGroupsTest 180 java-clients)

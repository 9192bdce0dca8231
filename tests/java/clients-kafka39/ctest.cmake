# Java client 3.9.x (Spring Boot 3.5's) against samsa; the sources are in ../clients-common.
# ConsumerProtocolGroupTest (group.protocol=consumer) is only for the 4.x client.
samsa_java_test(clients-kafka39 ProducerTest 180 java-clients)
samsa_java_test(clients-kafka39 ClassicGroupTest 180 java-clients)
samsa_java_test(clients-kafka39 ClassicGroupCrashTest 180 java-clients)
samsa_java_test(clients-kafka39 AdminTopicsTest 180 java-clients)
samsa_java_test(clients-kafka39 AdminOffsetsTest 180 java-clients)
samsa_java_test(clients-kafka39 AdminGroupsTest 180 java-clients)

# The newest Java client 4.x against samsa; the sources are in ../clients-common.
# One ctest entry runs every class in one JVM (each class starts its own broker); run one
# class by hand with  tests/java/run-test.sh clients-kafka4 ProducerTest build/samsa
samsa_java_test(clients-kafka4 *Test 900 java-clients)

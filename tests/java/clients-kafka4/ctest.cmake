# The newest Java client 4.x against samsa; the sources are in ../clients-common.
# One ctest entry runs every class in one JVM (each class starts its own broker); run one
# class by hand with  tests/java/run-test.sh clients-kafka4 ProducerTest build/samsa
# CompactionTest (in *Test) starts its broker with log.cleaner.backoff.ms=100 and waits for
# the log cleaner on segment.ms=100 topics: about 12 s, each wait bounded (30 s).
samsa_java_test(clients-kafka4 *Test 900 java-clients)

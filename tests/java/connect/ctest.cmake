# Kafka Connect 4.3 (connect-runtime, connect-file) in distributed mode: a worker JVM keeps
# its configs, offsets and statuses in compacted internal topics on samsa and moves a file
# through a topic with FileStreamSource and FileStreamSink, through a worker restart and a
# broker restart. About 35-45 s (the test itself is bounded at 150 s). Run by hand with
#   tests/java/run-test.sh connect ConnectDistributedTest build/samsa
# RUN_SERIAL: the test JVM and the worker JVM on the 2-core machines.
samsa_java_test(connect ConnectDistributedTest 180 connect RUN_SERIAL TRUE)

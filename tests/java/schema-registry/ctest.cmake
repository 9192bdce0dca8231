# Apicurio Registry 3.3 (its distribution from Maven Central) with KafkaSQL storage on samsa:
# it refuses a compacted journal topic (read through DescribeConfigs); schemas registered
# through the Confluent-compatible and v3 REST APIs come back from its journal topic after a
# registry restart and after a broker restart; a Java producer and consumer with Apicurio's
# Avro serde round-trip records. The registry needs a JDK 21+ (the Temurin 25 beside Java
# 17). About 50-60 s (the test itself is bounded at 300 s). Run by hand with
#   tests/java/run-test.sh schema-registry SchemaRegistryTest build/samsa
# RUN_SERIAL: the test JVM and the registry JVM (started four times) on the 2-core machines.
samsa_java_test(schema-registry SchemaRegistryTest 360 schema-registry RUN_SERIAL TRUE)

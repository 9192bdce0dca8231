# Moving to a Kafka cluster: MirrorMaker 2 replicates a topic and a group's offsets from
# samsa to a real Kafka 4.4 broker; the group resumes there. Three JVMs (test, Kafka, MM2):
# RUN_SERIAL on the 2-core machines.
samsa_java_test(migration MirrorMakerTest 600 migration RUN_SERIAL TRUE)

# Spring Boot 3.5 / spring-kafka 3.3 apps against samsa (sources shared with the other generation in
# ../spring-common).
samsa_java_test(spring-boot3 OrdersFlowTest 240 spring)
samsa_java_test(spring-boot3 AppRestartTest 240 spring)
samsa_java_test(spring-boot3 BrokerRestartTest 240 spring)
samsa_java_test(spring-boot3 DeadLetterTest 240 spring)
samsa_java_test(spring-boot3 RetryableTopicTest 240 spring)
samsa_java_test(spring-boot3 RequestReplyTest 240 spring)
samsa_java_test(spring-boot3 TopicAdminTest 240 spring)
# Kafka transactions (TransfersApp, profile "transactions"): about 25 s on 2 busy cores.
samsa_java_test(spring-boot3 TransactionsTest 180 spring)

# Spring Boot 4.1 / spring-kafka 4.1 apps against samsa (sources shared with the other generation in
# ../spring-common).
samsa_java_test(spring-boot4 OrdersFlowTest 240 spring)
samsa_java_test(spring-boot4 AppRestartTest 240 spring)
samsa_java_test(spring-boot4 BrokerRestartTest 240 spring)
samsa_java_test(spring-boot4 DeadLetterTest 240 spring)
samsa_java_test(spring-boot4 RetryableTopicTest 240 spring)
samsa_java_test(spring-boot4 RequestReplyTest 240 spring)
samsa_java_test(spring-boot4 TopicAdminTest 240 spring)
# Kafka transactions (TransfersApp, profile "transactions"): about 25 s on 2 busy cores.
samsa_java_test(spring-boot4 TransactionsTest 180 spring)

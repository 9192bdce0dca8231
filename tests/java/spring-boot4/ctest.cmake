# Spring Boot 4.1 / spring-kafka 4.1 apps against samsa (sources shared with the other generation in
# ../spring-common). TransactionsTest is a disabled placeholder and is not listed.
samsa_java_test(spring-boot4 OrdersFlowTest 240 spring)
samsa_java_test(spring-boot4 AppRestartTest 240 spring)
samsa_java_test(spring-boot4 BrokerRestartTest 240 spring)
samsa_java_test(spring-boot4 DeadLetterTest 240 spring)
samsa_java_test(spring-boot4 RetryableTopicTest 240 spring)
samsa_java_test(spring-boot4 RequestReplyTest 240 spring)
samsa_java_test(spring-boot4 TopicAdminTest 240 spring)

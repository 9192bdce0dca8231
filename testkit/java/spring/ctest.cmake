# samsa-spring-test (@EmbeddedSamsa): a context's broker, its properties, the context cache.
samsa_testkit_test(spring "*Test" 180)

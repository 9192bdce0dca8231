# samsa-junit5 (@Samsa): both scopes, injection, topics, through the Jupiter engine.
samsa_testkit_test(junit5 "*Test" 180)

# samsa-testkit (SamsaServer): JSON, binary lookup and extraction, real brokers.
samsa_testkit_test(core "*Test" 180)

# samsa-binary: the jar that carries the samsa binary, made from this build's samsa at test
# time (setup.sh runs before samsa is built), then CarriedBinaryTest against it with no
# samsa.binary / SAMSA_BINARY: the broker comes from the classpath, copied once into a cache
# (two JVMs). Included by tests/java/CMakeLists.txt.
add_test(NAME java.testkit.binary
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-tests.sh $<TARGET_FILE:samsa>)
set_tests_properties(java.testkit.binary PROPERTIES
  LABELS "ecosystem;java;testkit" TIMEOUT 180 SKIP_RETURN_CODE 77)

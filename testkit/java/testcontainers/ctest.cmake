# samsa-testcontainers' own tests: SamsaContainer started through podman's Docker API from
# the image samsa:local, built from this build's samsa (run-tests.sh does all of it, with
# Testcontainers 1.21 and then 2.0, then @ServiceConnection in Spring Boot 3.5 and 4.0
# applications; about 1.5 min). Included by tests/java/CMakeLists.txt.
# Skipped (77) without podman or before setup.sh compiled the module. Serial: the other
# container tests rebuild and use the same image.
add_test(NAME java.testkit.testcontainers
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-tests.sh $<TARGET_FILE:samsa>)
set_tests_properties(java.testkit.testcontainers PROPERTIES
  LABELS "testkit;container;ecosystem;java" TIMEOUT 480 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

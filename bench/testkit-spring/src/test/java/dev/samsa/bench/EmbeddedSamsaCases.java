package dev.samsa.bench;

import dev.samsa.bench.greetings.GreetingsApp;
import dev.samsa.spring.test.EmbeddedSamsa;
import org.springframework.test.context.TestPropertySource;

/**
 * samsa's @EmbeddedSamsa: an ephemeral samsa process per context.
 * Twenty classes, each its own context (the distinct property keeps Spring's context cache
 * from sharing one between them), hence each its own broker.
 */
final class EmbeddedSamsaCases {
  private EmbeddedSamsaCases() {}

  @EmbeddedSamsa(topics = GreetingsApp.TOPIC)
  abstract static class Base extends FirstRecordCase {}

  @TestPropertySource(properties = "bench.case=1")
  static class C01 extends Base {}

  @TestPropertySource(properties = "bench.case=2")
  static class C02 extends Base {}

  @TestPropertySource(properties = "bench.case=3")
  static class C03 extends Base {}

  @TestPropertySource(properties = "bench.case=4")
  static class C04 extends Base {}

  @TestPropertySource(properties = "bench.case=5")
  static class C05 extends Base {}

  @TestPropertySource(properties = "bench.case=6")
  static class C06 extends Base {}

  @TestPropertySource(properties = "bench.case=7")
  static class C07 extends Base {}

  @TestPropertySource(properties = "bench.case=8")
  static class C08 extends Base {}

  @TestPropertySource(properties = "bench.case=9")
  static class C09 extends Base {}

  @TestPropertySource(properties = "bench.case=10")
  static class C10 extends Base {}

  @TestPropertySource(properties = "bench.case=11")
  static class C11 extends Base {}

  @TestPropertySource(properties = "bench.case=12")
  static class C12 extends Base {}

  @TestPropertySource(properties = "bench.case=13")
  static class C13 extends Base {}

  @TestPropertySource(properties = "bench.case=14")
  static class C14 extends Base {}

  @TestPropertySource(properties = "bench.case=15")
  static class C15 extends Base {}

  @TestPropertySource(properties = "bench.case=16")
  static class C16 extends Base {}

  @TestPropertySource(properties = "bench.case=17")
  static class C17 extends Base {}

  @TestPropertySource(properties = "bench.case=18")
  static class C18 extends Base {}

  @TestPropertySource(properties = "bench.case=19")
  static class C19 extends Base {}

  @TestPropertySource(properties = "bench.case=20")
  static class C20 extends Base {}
}

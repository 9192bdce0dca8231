package dev.samsa.bench;

import org.junit.jupiter.api.extension.ExtendWith;

/** Registers ClassClock before anything a subclass declares (the SpringExtension). */
@ExtendWith(ClassClock.class)
abstract class ClockedCase {}

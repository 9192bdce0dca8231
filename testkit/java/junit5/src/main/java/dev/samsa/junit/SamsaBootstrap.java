package dev.samsa.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@code String} field (static: set before {@code @BeforeAll}; instance: before each
 * test) or parameter of a class under {@link Samsa}: the broker's bootstrap address,
 * "127.0.0.1:PORT".
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SamsaBootstrap {}

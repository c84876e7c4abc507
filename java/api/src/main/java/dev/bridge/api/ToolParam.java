package dev.bridge.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Describes one parameter of a {@link Tool} method. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ToolParam {
    /** Returns the argument name; the compiled parameter name (needs {@code -parameters}) when empty. */
    String name() default "";

    /** Returns what the argument means, as a model should read it. */
    String description() default "";

    /** Returns whether a call must give this argument. */
    boolean required() default true;
}

package dev.bridge.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Declares a method as a tool a model may call; its parameters are described by {@link ToolParam}. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Tool {
    /** Returns the tool name; the method name when empty. */
    String name() default "";

    /** Returns what the tool does, as a model should read it. */
    String description() default "";
}

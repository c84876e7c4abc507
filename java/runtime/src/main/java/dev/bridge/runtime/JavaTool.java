package dev.bridge.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * A {@link Tool}-annotated Java method as a resource: its name, description, JSON Schema of arguments,
 * and a JSON-in, JSON-out call. Built by {@link JavaResources#tools(Object)}.
 */
public final class JavaTool implements Resource {
    private final Object target;
    private final Method method;
    private final String name;
    private final String description;
    private final List<Param> params = new ArrayList<>();
    private final String schemaJson;

    JavaTool(Object target, Method method) {
        Tool tool = method.getAnnotation(Tool.class);
        this.target = Modifier.isStatic(method.getModifiers()) ? null : target;
        this.method = method;
        this.name = tool.name().isEmpty() ? method.getName() : tool.name();
        this.description = tool.description();
        method.trySetAccessible();
        ObjectNode schema = Json.mapper().createObjectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (Parameter parameter : method.getParameters()) {
            Param param = Param.of(name, parameter);
            params.add(param);
            ObjectNode property = schemaFor(parameter.getType(), parameter.getParameterizedType());
            property.put("description", param.description);
            properties.set(param.name, property);
            if (param.required) {
                required.add(param.name);
            }
        }
        this.schemaJson = schema.toString();
    }

    @Override
    public ResourceType getResourceType() {
        return ResourceType.TOOL;
    }

    /** Returns the tool name: {@link Tool#name()}, or the method name when that is empty. */
    public String getName() {
        return name;
    }

    /** Returns {@link Tool#description()}. */
    public String getDescription() {
        return description;
    }

    /** Returns the arguments' JSON Schema: {@code {"type": "object", "properties": {..}, "required": [..]}}. */
    public String getSchemaJson() {
        return schemaJson;
    }

    /** Returns the instance the method is called on, or null for a static method. */
    public Object getTarget() {
        return target;
    }

    /** Returns the Java method name. */
    public String getMethodName() {
        return method.getName();
    }

    /** Returns the argument names in call order. */
    public String[] getParameterNames() {
        return params.stream().map(p -> p.name).toArray(String[]::new);
    }

    /**
     * Calls the tool.
     *
     * @param argsJson a JSON object of named arguments; null or blank for none
     * @return the result as JSON ({@code null} for void)
     * @throws BridgeException naming the tool and parameter when an argument is missing, unknown or of the
     *     wrong type; exceptions of the method itself propagate unchanged when unchecked
     */
    public String callJson(String argsJson) {
        JsonNode args = parseArguments(argsJson);
        for (Iterator<String> names = args.fieldNames(); names.hasNext(); ) {
            String given = names.next();
            if (params.stream().noneMatch(p -> p.name.equals(given))) {
                throw new BridgeException("tool '" + name + "': unknown argument '" + given + "' (parameters: "
                        + String.join(", ", getParameterNames()) + ")");
            }
        }
        Object[] values = new Object[params.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = params.get(i).read(name, args.get(params.get(i).name));
        }
        Object result;
        try {
            result = method.invoke(target, values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new BridgeException("tool '" + name + "' failed: " + cause, cause);
        } catch (IllegalAccessException e) {
            throw new BridgeException("tool '" + name + "': method " + method + " is not accessible", e);
        }
        try {
            return Json.mapper().writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new BridgeException("tool '" + name + "': cannot write its " + result.getClass().getName()
                    + " result as JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "JavaTool{" + name + " -> " + method + "}";
    }

    private JsonNode parseArguments(String argsJson) {
        if (argsJson == null || argsJson.isBlank()) {
            return Json.mapper().createObjectNode();
        }
        JsonNode args;
        try {
            args = Json.mapper().readTree(argsJson);
        } catch (JsonProcessingException e) {
            throw new BridgeException("tool '" + name + "': arguments are not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (args == null || args.isNull()) {
            return Json.mapper().createObjectNode();
        }
        if (!args.isObject()) {
            throw new BridgeException("tool '" + name + "': arguments must be a JSON object, got "
                    + PortableValues.abbreviate(argsJson));
        }
        return args;
    }

    static ObjectNode schemaFor(Class<?> type, Type generic) {
        ObjectNode schema = Json.mapper().createObjectNode();
        String jsonType = jsonType(type);
        schema.put("type", jsonType);
        if (type.isEnum()) {
            ArrayNode constants = schema.putArray("enum");
            for (Object constant : type.getEnumConstants()) {
                constants.add(((Enum<?>) constant).name());
            }
        } else if (type.isArray()) {
            schema.set("items", schemaFor(type.getComponentType(), type.getComponentType()));
        } else if ("array".equals(jsonType) && generic instanceof ParameterizedType) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            if (element instanceof Class) {
                schema.set("items", schemaFor((Class<?>) element, element));
            }
        }
        return schema;
    }

    static String jsonType(Class<?> type) {
        if (type == int.class || type == long.class || type == short.class || type == byte.class
                || type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
                || type == BigInteger.class) {
            return "integer";
        }
        if (type == double.class || type == float.class || type == Double.class || type == Float.class
                || type == BigDecimal.class) {
            return "number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean";
        }
        if (type == String.class || type == char.class || type == Character.class || type.isEnum()) {
            return "string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "array";
        }
        return "object";
    }

    /** One parameter: its argument name, schema type and how to read its JSON. */
    private static final class Param {
        final String name;
        final String description;
        final boolean required;
        final Parameter parameter;
        final String jsonType;

        private Param(String name, String description, boolean required, Parameter parameter) {
            this.name = name;
            this.description = description;
            this.required = required;
            this.parameter = parameter;
            this.jsonType = jsonType(parameter.getType());
        }

        static Param of(String tool, Parameter parameter) {
            ToolParam annotation = parameter.getAnnotation(ToolParam.class);
            String name = annotation != null && !annotation.name().isEmpty() ? annotation.name() : parameter.getName();
            if (annotation == null || annotation.name().isEmpty()) {
                if (!parameter.isNamePresent()) {
                    throw new BridgeException("tool '" + tool + "': parameter " + parameter
                            + " has no name; give it @ToolParam(name = ..) or compile with -parameters");
                }
            }
            return new Param(name, annotation != null ? annotation.description() : "",
                    annotation == null || annotation.required(), parameter);
        }

        Object read(String tool, JsonNode value) {
            Class<?> type = parameter.getType();
            if (value == null || value.isNull()) {
                if (required) {
                    throw new BridgeException("tool '" + tool + "': missing required argument '" + name + "' ("
                            + jsonType + ")");
                }
                return type.isPrimitive() ? Array.get(Array.newInstance(type, 1), 0) : null;
            }
            if (!matches(value)) {
                throw new BridgeException("tool '" + tool + "': argument '" + name + "' must be " + jsonType
                        + (type.isEnum() ? " (one of " + schemaFor(type, type).get("enum") + ")" : "") + ", got "
                        + PortableValues.abbreviate(value.toString()));
            }
            try {
                return Json.mapper().treeToValue(value,
                        Json.mapper().getTypeFactory().constructType(parameter.getParameterizedType()));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new BridgeException("tool '" + tool + "': argument '" + name + "' cannot be read as "
                        + parameter.getParameterizedType().getTypeName() + ": " + e.getMessage(), e);
            }
        }

        private boolean matches(JsonNode value) {
            switch (jsonType) {
                case "integer":
                    return value.isNumber() && value.canConvertToExactIntegral();
                case "number":
                    return value.isNumber();
                case "boolean":
                    return value.isBoolean();
                case "string":
                    return value.isTextual();
                case "array":
                    return value.isArray();
                default:
                    return value.isObject();
            }
        }
    }
}

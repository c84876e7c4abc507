package dev.bridge.runtime;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** Builds the Java resources and tools a plan names; the Python host calls it through JPype. */
public final class JavaResources {
    private JavaResources() {
    }

    /**
     * Creates a resource that cannot look other resources up; see {@link #create(String, String, HostAccess)}.
     *
     * @param className fully qualified class name
     * @param argumentsJson the arguments as a JSON object; null or blank for none
     * @return the new instance
     * @throws BridgeException naming the class (and the classpath when it is not found)
     */
    public static Object create(String className, String argumentsJson) {
        return create(className, argumentsJson, null);
    }

    /**
     * Creates a resource by reflection. Tries, in order: a public constructor taking
     * {@code (Map<String, Object>, BiFunction<String, ResourceType, Resource>)}, the second argument looking
     * the plan's other resources up by name and type (as upstream Flink Agents gives its resources
     * {@code getResource}: a chat model setup finds its connection); a public constructor taking
     * {@code (Map<String, Object>)}; a public no-arg constructor, then the arguments mapped onto the
     * instance's properties with the shared mapper; the only public constructor, its parameters matched
     * to the arguments by name (compiled with {@code -parameters}).
     *
     * @param className fully qualified class name
     * @param argumentsJson the arguments as a JSON object; null or blank for none
     * @param host where the lookup finds other resources, called on the creating thread while the
     *     constructor runs; null when the caller has none (a lookup then fails naming the resource asked for)
     * @return the new instance
     * @throws BridgeException naming the class (and the classpath when it is not found)
     */
    public static Object create(String className, String argumentsJson, HostAccess host) {
        Class<?> type;
        try {
            type = Classes.load(className);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new BridgeException("resource class " + className + " not found (" + e + "); "
                    + Classes.classpath(), e);
        }
        Map<String, Object> arguments = arguments(className, argumentsJson);
        Constructor<?>[] constructors = type.getConstructors();
        try {
            for (Constructor<?> constructor : constructors) {
                if (Arrays.equals(constructor.getParameterTypes(), new Class<?>[] {Map.class, BiFunction.class})) {
                    return constructor.newInstance(arguments, lookup(className, host));
                }
            }
            for (Constructor<?> constructor : constructors) {
                if (Arrays.equals(constructor.getParameterTypes(), new Class<?>[] {Map.class})) {
                    return constructor.newInstance(arguments);
                }
            }
            for (Constructor<?> constructor : constructors) {
                if (constructor.getParameterCount() == 0) {
                    Object instance = constructor.newInstance();
                    return arguments.isEmpty() ? instance : Json.mapper().updateValue(instance, arguments);
                }
            }
            if (constructors.length == 1) {
                return constructor(className, constructors[0], arguments);
            }
        } catch (InvocationTargetException e) {
            throw new BridgeException("resource class " + className + ": constructor failed: " + e.getCause(),
                    e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException | JsonMappingException e) {
            throw new BridgeException("resource class " + className + ": cannot apply arguments " + arguments + ": "
                    + e.getMessage(), e);
        }
        throw new BridgeException("resource class " + className + " has no usable public constructor: it needs one "
                + "taking (java.util.Map), a no-arg one, or exactly one constructor (it has " + constructors.length
                + ")");
    }

    /**
     * Collects the {@link Tool} methods of an object.
     *
     * @param target an instance (its instance and static tool methods) or a {@code Class} (its static
     *     tool methods)
     * @return the tools sorted by name
     * @throws BridgeException when two tools share a name
     */
    public static List<JavaTool> tools(Object target) {
        boolean staticOnly = target instanceof Class;
        Class<?> type = staticOnly ? (Class<?>) target : target.getClass();
        List<JavaTool> tools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Method method : type.getMethods()) {
            if (!method.isAnnotationPresent(Tool.class)
                    || (staticOnly && !Modifier.isStatic(method.getModifiers()))) {
                continue;
            }
            JavaTool tool = new JavaTool(staticOnly ? null : target, method);
            if (!names.add(tool.getName())) {
                throw new BridgeException(type.getName() + " declares two tools named '" + tool.getName() + "'");
            }
            tools.add(tool);
        }
        tools.sort(Comparator.comparing(JavaTool::getName));
        return tools;
    }

    /** The other resources as a resource being built sees them: by name and type, refused when absent. */
    private static BiFunction<String, ResourceType, Resource> lookup(String className, HostAccess host) {
        return (name, type) -> {
            String what = type.getValue() + " resource '" + name + "'";
            if (host == null) {
                throw new BridgeException("resource class " + className + " asked for the " + what
                        + ", but this host builds resources without access to the others");
            }
            Object found = host.getResource(name, type.getValue());
            if (found == null) {
                throw new BridgeException("resource class " + className + ": the plan has no " + what);
            }
            if (!(found instanceof Resource)) {
                throw new BridgeException("resource class " + className + ": the " + what + " is a "
                        + found.getClass().getName() + ", which does not implement " + Resource.class.getName());
            }
            return (Resource) found;
        };
    }

    private static Object constructor(String className, Constructor<?> constructor, Map<String, Object> arguments)
            throws ReflectiveOperationException {
        Parameter[] parameters = constructor.getParameters();
        Object[] values = new Object[parameters.length];
        Map<String, Object> unused = new LinkedHashMap<>(arguments);
        for (int i = 0; i < parameters.length; i++) {
            Parameter parameter = parameters[i];
            if (!parameter.isNamePresent()) {
                throw new BridgeException("resource class " + className + ": constructor " + constructor
                        + " has no parameter names; compile it with -parameters or add a (Map) constructor");
            }
            if (!unused.containsKey(parameter.getName())) {
                throw new BridgeException("resource class " + className + ": missing argument '" + parameter.getName()
                        + "' for constructor " + constructor + " (given: " + arguments.keySet() + ")");
            }
            values[i] = Json.mapper().convertValue(unused.remove(parameter.getName()),
                    Json.mapper().getTypeFactory().constructType(parameter.getParameterizedType()));
        }
        if (!unused.isEmpty()) {
            throw new BridgeException("resource class " + className + ": unknown argument(s) " + unused.keySet()
                    + " for constructor " + constructor);
        }
        return constructor.newInstance(values);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(String className, String json) {
        Object parsed = json == null || json.isBlank() ? null : PortableValues.fromJson(json);
        if (parsed == null) {
            return new LinkedHashMap<>();
        }
        if (!(parsed instanceof Map)) {
            throw new BridgeException("resource class " + className + ": arguments must be a JSON object, got "
                    + PortableValues.abbreviate(json));
        }
        return (Map<String, Object>) parsed;
    }
}

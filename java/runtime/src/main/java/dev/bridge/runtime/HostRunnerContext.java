package dev.bridge.runtime;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ContextException;
import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.RunnerContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link RunnerContext} of one attempt of a {@link JavaAction}: collects memory updates and sent
 * events, and delegates memory to {@link MemoryOverlay}, durable calls to {@link DurableCalls} and
 * resources to the host.
 */
final class HostRunnerContext implements RunnerContext {
    static final String SHORT_TERM = "short_term";
    static final String SENSORY = "sensory";

    private final String actionName;
    private final Map<String, Object> planConfig;
    private final Map<String, Object> actionConfig;
    private final HostAccess host;
    private final DurableCalls calls;
    private final List<List<Object>> updates = new ArrayList<>();
    /** Sent events as their wire form, taken when sent: a later change to the Event object is not sent. */
    private final List<Map<String, Object>> events = new ArrayList<>();
    private final Thread owner = Thread.currentThread();
    private volatile boolean ended;
    private final MemoryOverlay shortTermOverlay;
    private final MemoryOverlay sensoryOverlay;
    private final MemoryObject shortTerm;
    private final MemoryObject sensory;
    private final Map<String, Resource> resources = new HashMap<>();

    HostRunnerContext(String actionName, Map<String, Object> planConfig, Map<String, Object> actionConfig,
            HostAccess host, DurableCalls calls) {
        this(actionName, planConfig, actionConfig, host, calls, null);
    }

    /**
     * A context whose memory starts from {@code known} committed reads ({@code {"short_term": {path: read},
     * "sensory": {..}}}, may be null), so those paths need no call back to the host.
     */
    HostRunnerContext(String actionName, Map<String, Object> planConfig, Map<String, Object> actionConfig,
            HostAccess host, DurableCalls calls, Map<?, ?> known) {
        this.actionName = actionName;
        this.planConfig = planConfig;
        this.actionConfig = actionConfig;
        this.host = host;
        this.calls = calls;
        this.shortTermOverlay = new MemoryOverlay(SHORT_TERM, host, updates, this::checkOwner);
        this.sensoryOverlay = new MemoryOverlay(SENSORY, host, updates, this::checkOwner);
        if (known != null) {
            if (known.get(SHORT_TERM) instanceof Map) {
                shortTermOverlay.seed((Map<?, ?>) known.get(SHORT_TERM));
            }
            if (known.get(SENSORY) instanceof Map) {
                sensoryOverlay.seed((Map<?, ?>) known.get(SENSORY));
            }
        }
        this.shortTerm = new HostMemoryObject(shortTermOverlay, "");
        this.sensory = new HostMemoryObject(sensoryOverlay, "");
    }

    List<List<Object>> updates() {
        return updates;
    }

    /** The attempt is over: any later use of this context is refused. */
    void end() {
        ended = true;
    }

    /** Refuses a use from another thread than the attempt's, or after the attempt ended. */
    void checkOwner() {
        if (ended) {
            throw new ContextException("action '" + actionName + "': its RunnerContext was used after the action"
                    + " finished; do the work inside the action");
        }
        if (Thread.currentThread() != owner) {
            throw new ContextException("action '" + actionName + "': its RunnerContext was used from thread '"
                    + Thread.currentThread().getName() + "' (a durable call's callable?); memory, events and"
                    + " resources belong to the action: return the value from the call and use it in the action");
        }
    }

    /** Returns the paths read through calls back to the host, by memory; empty memories are left out. */
    Map<String, List<String>> asked() {
        Map<String, List<String>> asked = new LinkedHashMap<>();
        if (!shortTermOverlay.asked().isEmpty()) {
            asked.put(SHORT_TERM, shortTermOverlay.asked());
        }
        if (!sensoryOverlay.asked().isEmpty()) {
            asked.put(SENSORY, sensoryOverlay.asked());
        }
        return asked;
    }

    List<Map<String, Object>> events() {
        return events;
    }

    @Override
    public void sendEvent(Event event) {
        checkOwner();
        if (event == null) {
            throw new BridgeException("action '" + actionName + "': sendEvent(null); send an Event");
        }
        Map<String, Object> wire = new LinkedHashMap<>();
        wire.put("id", event.getId());
        wire.put("type", event.getType());
        wire.put("attributes", PortableValues.copy("event '" + event.getType() + "' attribute", "",
                event.getAttributes()));
        if (event.getUpstreamEventId() != null) {
            wire.put("upstream_event_id", event.getUpstreamEventId());
        }
        if (event.getUpstreamActionName() != null) {
            wire.put("upstream_action_name", event.getUpstreamActionName());
        }
        events.add(wire);
    }

    @Override
    public MemoryObject getSensoryMemory() {
        return sensory;
    }

    @Override
    public MemoryObject getShortTermMemory() {
        return shortTerm;
    }

    @Override
    public Resource getResource(String name, ResourceType type) {
        checkOwner();
        String key = type.getValue() + "/" + name;
        Resource cached = resources.get(key);
        if (cached != null) {
            return cached;
        }
        Object found = host.getResource(name, type.getValue());
        if (found == null) {
            throw new BridgeException("action '" + actionName + "': the plan has no " + type.getValue()
                    + " resource named '" + name + "'");
        }
        if (!(found instanceof Resource)) {
            throw new BridgeException("action '" + actionName + "': resource '" + name + "' is a "
                    + found.getClass().getName() + ", which does not implement " + Resource.class.getName());
        }
        resources.put(key, (Resource) found);
        return (Resource) found;
    }

    @Override
    public Map<String, Object> getConfig() {
        return planConfig;
    }

    @Override
    public Object getActionConfigValue(String key) {
        return actionConfig.get(key);
    }

    @Override
    public <T> T durableExecute(DurableCallable<T> callable) throws Exception {
        checkOwner();
        return calls.execute(callable, false);
    }

    @Override
    public <T> T durableExecuteAsync(DurableCallable<T> callable) throws Exception {
        checkOwner();
        return calls.execute(callable, true);
    }

    @Override
    public Object waitForInput(String name) throws Exception {
        checkOwner();
        return calls.waitForInput(name);
    }
}

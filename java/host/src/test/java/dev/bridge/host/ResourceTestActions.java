package dev.bridge.host;

import dev.bridge.api.Event;
import dev.bridge.api.PythonResource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.RunnerContext;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Java actions of the Java host's resource tests. */
public final class ResourceTestActions {
    private ResourceTestActions() {
    }

    /** Calls the Python tool {@code greeter} from a thread of its own and sends {@code refused} with the error. */
    public static void askFromAnotherThread(Event event, RunnerContext ctx) throws InterruptedException {
        PythonResource greeter = (PythonResource) ctx.getResource("greeter", ResourceType.TOOL);
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                outcome.set("answered " + greeter.invoke("call", "{\"name\": \"Bob\"}"));
            } catch (RuntimeException e) {
                outcome.set(e.getMessage());
            }
        }, "a-worker");
        worker.start();
        worker.join();
        ctx.sendEvent(new Event("refused", Map.of("error", outcome.get())));
    }
}

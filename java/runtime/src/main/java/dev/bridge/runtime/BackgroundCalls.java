package dev.bridge.runtime;

import dev.bridge.api.DurableCallable;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs durable async calls in the background and tells the host when they finish.
 *
 * <p>Calls run on virtual threads when the JDK has them, else on a cached pool of daemon threads. Wakes
 * go through one queue drained by the platform daemon thread {@code bridge-wake}, the only thread that
 * calls {@link HostAccess#wake}, so the host never sees a callback from a virtual or pool thread.
 */
final class BackgroundCalls {
    static final String WAKE_THREAD_NAME = "bridge-wake";

    private BackgroundCalls() {
    }

    static CompletableFuture<Object> submit(DurableCallable<?> callable) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        Workers.INSTANCE.execute(() -> {
            try {
                future.complete(callable.call());
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }

    /**
     * {@link #submit} bounded by a timeout: past it the returned future fails with a {@link TimeoutException}
     * naming the call (the call itself keeps running on its thread, abandoned).
     */
    static CompletableFuture<Object> submit(DurableCallable<?> callable, String id, double timeoutSeconds) {
        CompletableFuture<Object> call = submit(callable);
        if (Double.isInfinite(timeoutSeconds) || Double.isNaN(timeoutSeconds)) {
            return call;
        }
        CompletableFuture<Object> bounded = new CompletableFuture<>();
        call.whenComplete((result, error) -> {
            if (error != null) {
                bounded.completeExceptionally(error);
            } else {
                bounded.complete(result);
            }
        });
        long millis = Math.max(1, Math.round(timeoutSeconds * 1000));
        CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(() -> bounded.completeExceptionally(
                new TimeoutException("durable call '" + id + "' did not finish within " + timeoutSeconds
                        + " s (bridge.call_timeout); it was abandoned")));
        return bounded;
    }

    static void wakeWhenDone(CompletableFuture<?> future, HostAccess host, String ref) {
        future.whenComplete((result, error) -> Waker.QUEUE.add(new Wake(host, ref)));
    }

    private static final class Workers {
        static final ExecutorService INSTANCE = create();

        private static ExecutorService create() {
            try {
                Method virtual = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
                return (ExecutorService) virtual.invoke(null);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                AtomicInteger count = new AtomicInteger();
                return Executors.newCachedThreadPool(task -> {
                    Thread thread = new Thread(task, "bridge-durable-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
            }
        }
    }

    private record Wake(HostAccess host, String ref) {
    }

    private static final class Waker {
        static final LinkedBlockingQueue<Wake> QUEUE = new LinkedBlockingQueue<>();

        static {
            Thread thread = new Thread(Waker::drain, WAKE_THREAD_NAME);
            thread.setDaemon(true);
            thread.start();
        }

        private static void drain() {
            while (true) {
                Wake wake;
                try {
                    wake = QUEUE.take();
                } catch (InterruptedException e) {
                    continue;
                }
                try {
                    wake.host().wake(wake.ref());
                } catch (Throwable t) {
                    System.err.println("bridge-wake: host.wake('" + wake.ref() + "') failed");
                    t.printStackTrace();
                }
            }
        }
    }
}

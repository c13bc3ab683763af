package io.mtd.kube;

import java.util.concurrent.CompletableFuture;

/**
 * The changes of some objects in a shared watch (a Job and its Pods, a Lease, a Deployment and what it owns): what a
 * {@link WatchWait} listens to. What is current is read from the watch's store, never from the event.
 */
public interface Changes {

    /**
     * Calls {@code onChange} on the watch's own thread, which must stay quick, whenever one of the objects is added,
     * changed or deleted; until the subscription is closed.
     */
    Subscription subscribe(Runnable onChange);

    /** Completes once the watch has listed the objects (exceptionally when it could not): its store says nothing before. */
    CompletableFuture<Void> synced();

    /** One listener on a shared watch; closing it removes exactly that listener, and closing it again does nothing. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}

package io.mtd.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads the engine starts never keep a JVM (a CLI, a Jenkins agent) alive after the caller is done. */
public final class DaemonThreads {

    private DaemonThreads() {}

    /** A factory of daemon threads named {@code name}. */
    public static ThreadFactory factory(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * A factory of daemon threads named {@code name-1}, {@code name-2}... whose context class loader is {@code loader}:
     * inside Jenkins, fabric8 and Jackson find their implementations through it, and a plugin's threads must give its own.
     */
    public static ThreadFactory factory(String name, ClassLoader loader) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = factory(name + "-" + n.incrementAndGet()).newThread(task);
            t.setContextClassLoader(loader);
            return t;
        };
    }

    /** Starts {@code task} on a daemon thread of its own named {@code name}. */
    public static Thread start(String name, Runnable task) {
        Thread t = factory(name).newThread(task);
        t.start();
        return t;
    }
}

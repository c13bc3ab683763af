package io.mtd.concurrent;

import java.util.concurrent.ThreadFactory;

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

    /** Starts {@code task} on a daemon thread of its own named {@code name}. */
    public static Thread start(String name, Runnable task) {
        Thread t = factory(name).newThread(task);
        t.start();
        return t;
    }
}

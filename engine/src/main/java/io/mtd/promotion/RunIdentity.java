package io.mtd.promotion;

import java.util.Objects;

/**
 * Who is running the plan, recorded on the Jobs it creates, the locks it holds and the releases it records.
 *
 * @param id a stable identifier of the run, e.g. {@code shop-deploy#42} or {@code mtd@host:pid}
 * @param url where to look at the run (a Jenkins build URL), or null
 * @param key what tells this run from every other of its app when its place among them is given: the same for each
 *     step of one Jenkins build and for a build resumed after a restart (they are one run), different for every other
 *     run, also for a process whose id the system gave again
 */
public record RunIdentity(String id, String url, String key) {

    public RunIdentity {
        Objects.requireNonNull(id, "id");
        key = key == null ? id : key;
    }

    /** A run whose id tells it from every other (a Jenkins build's). */
    public RunIdentity(String id, String url) {
        this(id, url, id);
    }

    /** The identity of a CLI run on this machine: one process, one run. */
    public static RunIdentity local() {
        String user = System.getProperty("user.name", "unknown");
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        String id = "mtd:" + user + "@" + host + ":" + ProcessHandle.current().pid();
        // a process id is given again to later processes (in a container, often the same one every time)
        return new RunIdentity(id, null, id + "/" + java.util.UUID.randomUUID());
    }
}

package io.mtd.promotion;

/**
 * Who is running the plan, recorded on the Jobs it creates and the locks it holds.
 *
 * @param id a stable identifier of the run, e.g. {@code shop-deploy#42} or {@code mtd@host:pid}
 * @param url where to look at the run (a Jenkins build URL), or null
 */
public record RunIdentity(String id, String url) {

    /** The identity of a CLI run on this machine. */
    public static RunIdentity local() {
        String user = System.getProperty("user.name", "unknown");
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return new RunIdentity("mtd:" + user + "@" + host + ":" + ProcessHandle.current().pid(), null);
    }
}

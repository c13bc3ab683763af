package io.mtd.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The merged stdout and stderr of every container process the kubelet ran, kept after the process exits. */
final class PodLogs {

    /** Receives a Pod's log lines as they are written, then the end of the log. */
    interface Follower {
        void line(String line);

        void end();
    }

    private static final class Log {
        private final List<String> lines = new ArrayList<>();
        private final List<Follower> followers = new ArrayList<>();
        private boolean ended;
    }

    private final Map<String, Log> logs = new ConcurrentHashMap<>();

    static String key(String namespace, String pod) {
        return namespace + "/" + pod;
    }

    void open(String namespace, String pod) {
        logs.putIfAbsent(key(namespace, pod), new Log());
    }

    boolean exists(String namespace, String pod) {
        return logs.containsKey(key(namespace, pod));
    }

    void append(String namespace, String pod, String line) {
        Log log = logs.computeIfAbsent(key(namespace, pod), k -> new Log());
        List<Follower> toNotify;
        synchronized (log) {
            log.lines.add(line);
            toNotify = List.copyOf(log.followers);
        }
        toNotify.forEach(f -> f.line(line));
    }

    void end(String namespace, String pod) {
        Log log = logs.get(key(namespace, pod));
        if (log == null) {
            return;
        }
        List<Follower> toNotify;
        synchronized (log) {
            if (log.ended) {
                return;
            }
            log.ended = true;
            toNotify = List.copyOf(log.followers);
            log.followers.clear();
        }
        toNotify.forEach(Follower::end);
    }

    /** All lines written so far, or null when the Pod never started a container. */
    List<String> lines(String namespace, String pod) {
        Log log = logs.get(key(namespace, pod));
        if (log == null) {
            return null;
        }
        synchronized (log) {
            return List.copyOf(log.lines);
        }
    }

    /**
     * Replays the lines written so far (the last {@code tail} of them when tail is not negative) to the follower, then streams new ones until the log ends; returns false when
     * the Pod never started a container.
     */
    boolean follow(String namespace, String pod, int tail, Follower follower) {
        Log log = logs.get(key(namespace, pod));
        if (log == null) {
            return false;
        }
        // Replay under the lock so that no line written concurrently is lost or duplicated.
        synchronized (log) {
            int from = tail >= 0 ? Math.max(0, log.lines.size() - tail) : 0;
            log.lines.subList(from, log.lines.size()).forEach(follower::line);
            if (log.ended) {
                follower.end();
            } else {
                log.followers.add(follower);
            }
        }
        return true;
    }

    void unfollow(String namespace, String pod, Follower follower) {
        Log log = logs.get(key(namespace, pod));
        if (log != null) {
            synchronized (log) {
                log.followers.remove(follower);
            }
        }
    }
}

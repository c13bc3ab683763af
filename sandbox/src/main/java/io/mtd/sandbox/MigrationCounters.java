package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the tests count on a node: the migration containers (Pods the engine labels as its migrations) running at once
 * per app and environment, their peak and history, and how often a migration container was started per image.
 */
final class MigrationCounters {

    private final Map<String, Occupancy> migrations = new ConcurrentHashMap<>();
    private final Map<String, Occupancy> namespaces = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    private final List<SandboxKubelet.ContainerStart> log = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Counts the start of {@code pod}'s container from {@code image}; returns what to run when it ended (nothing for a
     * Pod that is no migration).
     */
    Runnable started(Pod pod, String image) {
        String key = migrationKey(pod);
        if (key == null) {
            return () -> { };
        }
        String name = pod.getMetadata().getName();
        Occupancy occupancy = migrations.computeIfAbsent(key, k -> new Occupancy());
        String namespace = pod.getMetadata().getNamespace() == null ? "" : pod.getMetadata().getNamespace();
        Occupancy inNamespace = namespaces.computeIfAbsent(namespace, k -> new Occupancy());
        log.add(new SandboxKubelet.ContainerStart(namespace, name, jobOf(pod), image, System.nanoTime()));
        occupancy.started(name);
        inNamespace.started(name);
        starts.computeIfAbsent(image, k -> new AtomicInteger()).incrementAndGet();
        return () -> {
            occupancy.ended(name);
            inNamespace.ended(name);
        };
    }

    int maxIn(String namespace) {
        Occupancy o = namespaces.get(namespace);
        return o == null ? 0 : o.max();
    }

    int runningIn(String namespace) {
        Occupancy o = namespaces.get(namespace);
        return o == null ? 0 : o.running();
    }

    List<String> historyIn(String namespace) {
        Occupancy o = namespaces.get(namespace);
        return o == null ? List.of() : o.history();
    }

    List<SandboxKubelet.ContainerStart> log() {
        return List.copyOf(log);
    }

    private static String jobOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? "" : labels.getOrDefault("batch.kubernetes.io/job-name", labels.getOrDefault("job-name", ""));
    }

    int max(String app, String environment) {
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? 0 : o.max();
    }

    int running(String app, String environment) {
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? 0 : o.running();
    }

    int starts(String image) {
        AtomicInteger n = starts.get(image);
        return n == null ? 0 : n.get();
    }

    List<String> history(String app, String environment) {
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? List.of() : o.history();
    }

    /** The app/environment key of a migration Pod (labelled by the engine), or null for any other Pod. */
    private static String migrationKey(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || !"migration".equals(labels.get("app.kubernetes.io/component"))
                || !"migrate-then-deploy".equals(labels.get("app.kubernetes.io/managed-by"))) {
            return null;
        }
        return labels.get("app.kubernetes.io/name") + "/" + labels.get("migrate-then-deploy.io/environment");
    }

    /** Running and peak migration containers of one app and environment. */
    private static final class Occupancy {
        private final long since = System.nanoTime();
        private final List<String> history = new ArrayList<>();
        private int running;
        private int max;

        synchronized void started(String pod) {
            running++;
            max = Math.max(max, running);
            history.add((System.nanoTime() - since) / 1_000_000 + "ms +" + pod + " (" + running + " running)");
        }

        synchronized void ended(String pod) {
            running--;
            history.add((System.nanoTime() - since) / 1_000_000 + "ms -" + pod);
        }

        synchronized int running() {
            return running;
        }

        synchronized int max() {
            return max;
        }

        synchronized List<String> history() {
            return List.copyOf(history);
        }
    }
}

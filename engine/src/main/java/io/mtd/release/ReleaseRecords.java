package io.mtd.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import io.mtd.plan.KubeNames;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Each environment's release record: one engine-owned, labelled ConfigMap per app and environment,
 * {@code <app>-<environment>-release}, written only with optimistic concurrency (its resourceVersion), so that two runs
 * can never both believe they moved it. The ConfigMap of an app's first environment also holds the counter that gives
 * each run its place among the app's runs when it starts ({@link RunOrder}), and remembers the last
 * {@value #REMEMBERED_RUNS} runs' places, so that a run asking again (a Jenkins build's later step, a resumed build) gets
 * the same one. Every call is blocking and runs on the API pool it is given.
 */
public final class ReleaseRecords {

    /** {@code app.kubernetes.io/component} of the records. */
    public static final String COMPONENT = "release";
    /** How many runs' places the counter remembers. */
    static final int REMEMBERED_RUNS = 64;
    /** How often a write that lost a race (409) is tried again, each time on what the winner wrote. */
    private static final int ATTEMPTS = 50;

    static final String IMAGE = "image";
    static final String RUN = "run";
    static final String RUN_URL = "run-url";
    static final String ORDER = "order";
    static final String ORDERED_IN = "ordered-in";
    static final String RUN_STARTED = "run-started";
    static final String STATE = "state";
    static final String ROLLBACK = "rollback";
    static final String RECORDED = "recorded";
    static final String NEXT_RUN = "runs.next";
    static final String RECENT_RUNS = "runs.recent";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Executor api;
    private final java.time.Clock clock;

    /**
     * @param api the pool that makes the blocking API calls
     * @param clock writes when a record was written, for people
     */
    public ReleaseRecords(Executor api, java.time.Clock clock) {
        this.api = api;
        this.clock = clock;
    }

    /** The ConfigMap that records {@code app}'s release in {@code environment}. */
    public static String name(String app, String environment) {
        String plain = app + "-" + environment + "-release";
        return KubeNames.isLabel(plain) ? plain : KubeNames.hashedName(app + "/" + environment, 8, app, environment, "release");
    }

    /** Where the counter of {@code origin} lives, as {@link RunOrder#origin()} names it. */
    public static String origin(Environment origin) {
        return origin.name() + "/" + origin.namespaceOrDefault();
    }

    /**
     * The place of the run {@code runKey} among {@code app}'s runs, from the counter in the ConfigMap of {@code origin}
     * (the plan's first environment): the same place it got before if the counter remembers it, else the next one.
     */
    public CompletableFuture<RunOrder> order(KubernetesClient client, String app, Environment origin, String runKey) {
        String where = origin(origin);
        return write(client, app, origin, data -> {
            Map<String, Long> recent = recent(data);
            Long known = recent.get(runKey);
            if (known != null) {
                return new Write<>(null, new RunOrder(known, where));
            }
            long number = data.containsKey(NEXT_RUN) ? Long.parseLong(data.get(NEXT_RUN)) : 1;
            recent.remove(runKey);
            recent.put(runKey, number);
            while (recent.size() > REMEMBERED_RUNS) {
                recent.remove(recent.keySet().iterator().next());
            }
            Map<String, String> next = new TreeMap<>(data);
            next.put(NEXT_RUN, String.valueOf(number + 1));
            next.put(RECENT_RUNS, json(recent));
            return new Write<>(next, new RunOrder(number, where));
        });
    }

    /** The release {@code environment} records for {@code app}, or null when none is recorded. */
    public CompletableFuture<Release> read(KubernetesClient client, String app, Environment environment) {
        return CompletableFuture.supplyAsync(() -> release(get(client, app, environment)), api);
    }

    /**
     * Judges {@code mine} against the environment's record and, when it passes (over an older release), records it there in one
     * compare-and-swap, so that a newer run that recorded itself in between is seen: the check right before an
     * environment's migration and rollout.
     */
    public CompletableFuture<Passage> enter(KubernetesClient client, String app, Environment environment, Release mine,
            boolean rollback) {
        return write(client, app, environment, data -> {
            Passage passage = Passage.judge(release(data), mine, rollback);
            return new Write<>(passage.records() ? withRelease(data, mine) : null, passage);
        });
    }

    /**
     * Records that {@code mine} reached its state, if the environment's record is still this run's: a newer run that
     * took it over meanwhile is left alone. Completes with the record as it is afterwards.
     */
    public CompletableFuture<Release> settle(KubernetesClient client, String app, Environment environment, Release mine) {
        return write(client, app, environment, data -> {
            Release current = release(data);
            return current != null && current.sameRun(mine) ? new Write<>(withRelease(data, mine), mine) : new Write<>(null, current);
        });
    }

    /** A change to a record's data (null: none) and what the caller learns from it. */
    private record Write<T>(Map<String, String> data, T result) {}

    /**
     * Reads the ConfigMap, lets {@code change} decide on its data, and writes what it decided with the resourceVersion
     * it read (creating the ConfigMap if there is none); a write that lost a race decides again on the winner's data.
     */
    private <T> CompletableFuture<T> write(KubernetesClient client, String app, Environment environment,
            Function<Map<String, String>, Write<T>> change) {
        return CompletableFuture.supplyAsync(() -> {
            String namespace = environment.namespaceOrDefault();
            for (int attempt = 1; ; attempt++) {
                ConfigMap current = get(client, app, environment);
                Map<String, String> data = current == null || current.getData() == null ? Map.of() : current.getData();
                Write<T> w = change.apply(data);
                if (w.data() == null) {
                    return w.result();
                }
                try {
                    if (current == null) {
                        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                                .withNewMetadata().withName(name(app, environment.name())).withNamespace(namespace)
                                .withLabels(labels(app, environment.name())).endMetadata()
                                .withData(stamped(w.data())).build()).create();
                    } else {
                        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder(current)
                                .withData(stamped(w.data())).build()).update();
                    }
                    return w.result();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                        throw e;
                    }
                    // another run wrote it first: decide again on what it wrote
                }
            }
        }, api);
    }

    private Map<String, String> stamped(Map<String, String> data) {
        Map<String, String> out = new TreeMap<>(data);
        out.put(RECORDED, clock.instant().toString());
        return out;
    }

    private static ConfigMap get(KubernetesClient client, String app, Environment environment) {
        return client.configMaps().inNamespace(environment.namespaceOrDefault()).withName(name(app, environment.name())).get();
    }

    /** The labels of the record of {@code app} in {@code environment}: how a person or a tool finds them. */
    public static Map<String, String> labels(String app, String environment) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGER);
        labels.put(Labels.NAME, app);
        labels.put(Labels.INSTANCE, KubeNames.hashedName(app + "/" + environment, 6, app, environment));
        labels.put(Labels.COMPONENT, COMPONENT);
        labels.put(Labels.ENVIRONMENT, environment);
        return labels;
    }

    /** The release a ConfigMap records, or null when it records none (or is not there). */
    static Release release(ConfigMap cm) {
        return cm == null || cm.getData() == null ? null : release(cm.getData());
    }

    static Release release(Map<String, String> data) {
        if (!data.containsKey(IMAGE) || !data.containsKey(RUN) || !data.containsKey(ORDER) || !data.containsKey(ORDERED_IN)) {
            return null;
        }
        try {
            return new Release(data.get(IMAGE), data.get(RUN), data.get(RUN_URL),
                    new RunOrder(Long.parseLong(data.get(ORDER)), data.get(ORDERED_IN)),
                    data.containsKey(RUN_STARTED) ? Instant.parse(data.get(RUN_STARTED)) : null,
                    Release.State.of(data.get(STATE)), Boolean.parseBoolean(data.get(ROLLBACK)));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the release record " + data + " cannot be read (" + e.getMessage()
                    + "); delete the ConfigMap to start the record anew", e);
        }
    }

    private static Map<String, String> withRelease(Map<String, String> data, Release r) {
        Map<String, String> out = new TreeMap<>(data);
        out.put(IMAGE, r.image());
        out.put(RUN, r.run());
        put(out, RUN_URL, r.runUrl());
        out.put(ORDER, String.valueOf(r.order().number()));
        out.put(ORDERED_IN, r.order().origin());
        put(out, RUN_STARTED, r.runStarted() == null ? null : r.runStarted().toString());
        put(out, STATE, r.state() == null ? null : r.state().words());
        put(out, ROLLBACK, r.rollback() ? "true" : null);
        return out;
    }

    private static void put(Map<String, String> data, String key, String value) {
        if (value == null) {
            data.remove(key);
        } else {
            data.put(key, value);
        }
    }

    private static Map<String, Long> recent(Map<String, String> data) {
        String text = data.get(RECENT_RUNS);
        if (text == null || text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return JSON.readValue(text, new TypeReference<LinkedHashMap<String, Long>>() {});
        } catch (JsonProcessingException e) {
            return new LinkedHashMap<>(); // unreadable: a run asking again gets a new, later place (never an earlier one)
        }
    }

    private static String json(Map<String, Long> recent) {
        try {
            return JSON.writeValueAsString(recent);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

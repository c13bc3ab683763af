package io.mtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mtd.cli.DjangoReleases;
import io.mtd.cli.OrdersLoad;
import io.mtd.plan.Migration;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * Releases under traffic (bench/traffic): the Django example served by gunicorn behind a sandbox Service takes a fixed
 * rate of reads and writes on production's 127.0.0.1 port while the engine releases, and every request is counted. Per
 * release: requests, failures (non-2xx, connection errors, timeouts), p50/p99, and the stage each failure fell in (from
 * the engine's progress events). Scenarios: the release sequence with the checks (expand, read, contract, the unsafe
 * rename), then the rename again with the lint off (the compatibility check stops it); the unsafe rename with both
 * switched off; the rollout alone (the same code under a new
 * tag) with maxUnavailable 0 and a readiness probe, then without the probe and with maxUnavailable 1.
 *
 * <p>Options: {@code --rate N} requests a second (default 40, a margin for a busy machine: 2 shared CPUs sustained 160 through the safe releases, see bench/README.md), {@code --seed N} (26), {@code --out FILE}
 * (bench/results/traffic.json).
 */
public final class Traffic {

    /** One release under load. */
    record Row(String scenario, String release, int ratePerSecond, String outcome, int requests, int failed,
            double p50Millis, double p99Millis, Map<String, Integer> failedByKind, Map<String, Integer> failedByStage,
            String firstFailure) {}

    /** Everything one run measured, as written to the JSON file. */
    record Result(String date, String machine, int ratePerSecond, long seed, List<Row> rows) {}

    private final DjangoReleases releases;
    private final int rate;
    private final long seed;
    private final List<String> only;
    private final int[] steadyRates;
    private final List<Row> rows = new ArrayList<>();

    private Traffic(DjangoReleases releases, int rate, long seed, List<String> only, int[] steadyRates) {
        this.releases = releases;
        this.rate = rate;
        this.seed = seed;
        this.only = only;
        this.steadyRates = steadyRates;
    }

    /** The scenarios' names for {@code --only}, in the order they run. */
    static final List<String> SCENARIOS = List.of("steady", "sequence", "unchecked", "rollout");

    public static void main(String[] args) throws Exception {
        int rate = 40;
        long seed = 26;
        Path out = Path.of("bench", "results", "traffic.json");
        List<String> only = SCENARIOS;
        int[] steady = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                case "--steady" -> steady = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--rate N, --seed N, --only " + String.join(",", SCENARIOS) + ", --steady N,N, --out FILE)");
            }
        }
        Path versions = Files.createTempDirectory("mtd-traffic-");
        Traffic traffic;
        try (DjangoReleases releases = DjangoReleases.startWithDjangoPython(versions)) {
            traffic = new Traffic(releases, rate, seed, only, steady == null ? new int[] {rate} : steady);
            traffic.run();
        }
        Result result = new Result(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                Runtime.getRuntime().availableProcessors() + " CPUs", rate, seed, traffic.rows);
        System.out.println(table(result));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
        System.err.println("traffic: wrote " + out);
    }

    private void run() throws InterruptedException {
        List<String> images = DjangoReleases.SEQUENCE.stream().map(releases::sequenceVersion).toList();
        String sameCode = releases.version("1.0.1", List.of());

        if (only.contains("steady")) {
            DjangoReleases.Site steady = releases.servingSite("steady", UnaryOperator.identity());
            for (int perSecond : steadyRates) {
                progress("no release, " + perSecond + " requests a second for " + STEADY.toSeconds() + " s");
                underLoad("no release (what the machine sustains)", steady, null, perSecond, UnaryOperator.identity());
            }
        }
        if (only.contains("sequence")) {
            sequence(images);
        }
        if (only.contains("unchecked")) {
            unchecked(images);
        }
        if (only.contains("rollout")) {
            progress("the rollout alone: maxUnavailable 0, readiness probe");
            underLoad("rollout: maxUnavailable 0, readiness probe", releases.servingSite("probed", UnaryOperator.identity()),
                    sameCode, rate, UnaryOperator.identity());
            progress("the rollout alone: maxUnavailable 0, readiness probe, no preStop sleep");
            underLoad("rollout: maxUnavailable 0, readiness probe, no preStop", releases.servingSite("unhooked", Traffic::withoutPreStop),
                    sameCode, rate, UnaryOperator.identity());
            progress("the rollout alone: no readiness probe, maxUnavailable 1");
            underLoad("rollout: no readiness probe, maxUnavailable 1", releases.servingSite("unprobed", Traffic::withoutProbe),
                    sameCode, rate, UnaryOperator.identity());
        }
    }

    private void sequence(List<String> images) throws InterruptedException {
        progress("the release sequence, with the checks, at " + rate + " requests a second");
        DjangoReleases.Site site = releases.servingSite("sequence", UnaryOperator.identity());
        for (int i = 0; i < images.size(); i++) {
            String tag = DjangoReleases.SEQUENCE.get(i);
            underLoad("sequence, checks on", site, images.get(i), rate, DjangoReleases.sequenceMigration(tag));
        }
        // what the compatibility check stops when the lint is off (its veto came first above)
        underLoad("rename, lint off, compatibility check on", site, images.get(images.size() - 1), rate,
                DjangoReleases::withoutLint);
    }

    private void unchecked(List<String> images) throws InterruptedException {
        progress("the unsafe rename with the compatibility check switched off (the safe ones first, without load)");
        DjangoReleases.Site unchecked = releases.servingSite("unchecked", UnaryOperator.identity());
        for (int i = 0; i < images.size() - 1; i++) {
            releases.release(unchecked, images.get(i), DjangoReleases.sequenceMigration(DjangoReleases.SEQUENCE.get(i)),
                    ProgressListener.NONE);
        }
        underLoad("rename, lint and compatibility check off", unchecked, images.get(images.size() - 1), rate,
                m -> DjangoReleases.withoutLint(m).compatibility(null));
    }

    private static Deployment withoutProbe(Deployment d) {
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setReadinessProbe(null);
        d.getSpec().getStrategy().getRollingUpdate().setMaxUnavailable(new IntOrString(1));
        return d;
    }

    private static Deployment withoutPreStop(Deployment d) {
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(null);
        return d;
    }

    /** Releases {@code image} (none: {@value #STEADY_SECONDS} s of load alone) under {@code perSecond} requests a second. */
    private void underLoad(String scenario, DjangoReleases.Site site, String image, int perSecond,
            UnaryOperator<Migration.Builder> edit) throws InterruptedException {
        InetSocketAddress production = releases.serviceAddress(site, "production");
        awaitServing(production);
        Stages stages = new Stages();
        OrdersLoad load = OrdersLoad.start(production, perSecond, seed, Duration.ofMinutes(5));
        String outcome = "-";
        OrdersLoad.Summary seen;
        try {
            if (image == null) {
                Thread.sleep(STEADY.toMillis());
            } else {
                outcome = releases.release(site, image, edit, stages).report().outcome().name();
            }
        } finally {
            seen = load.stop();
        }
        Map<String, Integer> byStage = new TreeMap<>();
        Map<String, Integer> byKind = new TreeMap<>();
        for (OrdersLoad.Request r : seen.failures()) {
            byStage.merge(stages.at(r.startNanos()), 1, Integer::sum);
            byKind.merge(kind(r.failure()), 1, Integer::sum);
        }
        String first = seen.failures().isEmpty() ? null : seen.failures().get(0).failure();
        Row row = new Row(scenario, image == null ? "-" : image.replaceAll(".*:", ""), perSecond, outcome,
                seen.requests().size(), seen.failures().size(), seen.latencyMillis(50), seen.latencyMillis(99), byKind, byStage,
                first == null ? null : first.lines().findFirst().orElse(first));
        rows.add(row);
        progress("  " + row);
    }

    private static final long STEADY_SECONDS = 20;
    private static final Duration STEADY = Duration.ofSeconds(STEADY_SECONDS);

    /** What kind of failure a request's is: what the server did, or the load generator's own limit. */
    static String kind(String failure) {
        if (failure.startsWith("HTTP 5")) {
            return "5xx";
        }
        if (failure.startsWith("HTTP ")) {
            return "other status";
        }
        if (failure.startsWith("more than")) {
            return "over " + OrdersLoad.MAX_IN_FLIGHT + " in flight";
        }
        return failure.contains("Timeout") ? "timeout" : "connection error";
    }

    /** Until the Service answers, at most 60 s. */
    private static void awaitServing(InetSocketAddress service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last;
        while ((last = OrdersLoad.probe(service)) != null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("orders-web never answered: " + last);
            }
            Thread.sleep(200);
        }
    }

    /**
     * Which stage of which environment a moment fell in, from the engine's events: a migration or compatibility check
     * after the environment's rollout began is the contract (the post-rollout migration and the check after it).
     */
    static final class Stages implements ProgressListener {

        private final ConcurrentSkipListMap<Long, String> started = new ConcurrentSkipListMap<>();
        private final Set<String> rolledOut = new HashSet<>();

        @Override
        public synchronized void on(ProgressEvent event) {
            if (event instanceof ProgressEvent.StageStarted s && s.environment() != null) {
                if (s.stage() == Stage.ROLLOUT) {
                    rolledOut.add(s.environment());
                }
                String label = (s.stage() == Stage.MIGRATION || s.stage() == Stage.COMPATIBILITY)
                        && rolledOut.contains(s.environment()) ? "contract (" + s.stage().label() + ")" : s.stage().label();
                mark(s.environment() + " " + label);
            } else if (event instanceof ProgressEvent.StageFinished f && f.environment() != null) {
                mark(f.environment() + " after " + f.stage().label());
            }
        }

        private void mark(String label) {
            long now = System.nanoTime();
            while (started.putIfAbsent(now, label) != null) {
                now++; // two events in one tick: the later one still comes after
            }
        }

        /** The stage that was under way at {@code nanos}, or "before the release". */
        String at(long nanos) {
            Map.Entry<Long, String> e = started.floorEntry(nanos);
            return e == null ? "before the release" : e.getValue();
        }
    }

    static String table(Result r) {
        StringBuilder t = new StringBuilder();
        t.append("Releases under traffic: ").append(r.ratePerSecond()).append(" requests a second on production's Service, seed ")
                .append(r.seed()).append(", ").append(r.machine()).append(", ").append(r.date()).append("\n\n");
        t.append("| scenario | release | req/s | outcome | requests | failed | p50 | p99 | failed as | failed in |\n");
        t.append("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Row row : r.rows()) {
            t.append(String.format("| %s | %s | %d | %s | %d | %d | %.0f ms | %.0f ms | %s | %s |%n", row.scenario(),
                    row.release(), row.ratePerSecond(), row.outcome(), row.requests(), row.failed(), row.p50Millis(),
                    row.p99Millis(), counts(row.failedByKind()), counts(row.failedByStage())));
        }
        return t.toString();
    }

    private static String counts(Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
    }

    private static void progress(String what) {
        System.err.println("traffic: " + what);
    }
}

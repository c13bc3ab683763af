package io.mtd.bench;

import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.RunReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Measure 2: how long until a migration that can never succeed is reported, from the moment its Job is started: by the
 * engine, by {@code kubectl wait --for=condition=complete --timeout=20s}, and by a shell-style poller that runs
 * {@code kubectl get} every 2 s looking for a failure reason.
 */
final class FailureDetection {

    static final String NAMESPACE = "failures";
    private static final String KUBECTL_TIMEOUT = "20s";
    private static final Pattern FAILURE = Pattern.compile(
            "ImagePullBackOff|ErrImagePull|CreateContainerConfigError|Failed=True");
    private static final String POLL_QUERY = "jsonpath={range .items[*]}{.status.containerStatuses[*].state.waiting.reason}"
            + "{range .status.conditions[?(@.type==\"Failed\")]}Failed={.status}{end} {end}";

    /** One kind of failure. */
    enum Case {
        IMAGE_PULL_BACKOFF("image that cannot be pulled"),
        MISSING_SECRET("Secret that does not exist");

        final String what;

        Case(String what) {
            this.what = what;
        }
    }

    /** Milliseconds to report one case; the reason each waiter gave (or that it timed out). */
    record Row(Case failure, Percentiles engine, String engineReason, Double kubectlWait, String kubectlWaitResult,
            Percentiles poller, String pollerSaw) {}

    private final Setup setup;

    FailureDetection(Setup setup) {
        this.setup = setup;
    }

    List<Row> run(int repetitions) throws Exception {
        setup.sandbox().injectFault("bench.invalid/missing-image", "IMAGE_PULL_BACKOFF");
        java.util.concurrent.ExecutorService background = java.util.concurrent.Executors.newFixedThreadPool(Case.values().length);
        try {
            return measure(repetitions, background);
        } finally {
            background.shutdownNow();
        }
    }

    private List<Row> measure(int repetitions, java.util.concurrent.ExecutorService background) throws Exception {
        List<CompletableFuture<Kubectl.Result>> waits = new ArrayList<>();
        List<Double> waitMillis = new ArrayList<>();
        // kubectl wait sits out its whole timeout: run both cases' waits beside the other measurements
        for (Case c : Case.values()) {
            if (setup.kubectl().isPresent()) {
                int index = waitMillis.size();
                waitMillis.add(null);
                waits.add(CompletableFuture.supplyAsync(() -> {
                    long start = System.nanoTime();
                    Kubectl.Result r = applyAndWait(c, "kubectl-wait-" + slug(c));
                    synchronized (waitMillis) {
                        waitMillis.set(index, Percentiles.millisBetween(start, System.nanoTime()));
                    }
                    return r;
                }, background));
            }
        }
        if (!waits.isEmpty()) {
            Thread.sleep(1500); // let both kubectl processes start and settle, so they do not slow the engine's first sample
        }
        List<Row> rows = new ArrayList<>();
        for (Case c : Case.values()) {
            List<Double> engine = new ArrayList<>();
            String reason = null;
            for (int r = 0; r < repetitions; r++) {
                Environment env = MigrationJobs.environment("bench", NAMESPACE);
                Plan plan = plan(c, "fail-" + slug(c) + "-" + r, env);
                long start = System.nanoTime();
                RunReport report = setup.engine().start(plan).report().get(60, TimeUnit.SECONDS);
                engine.add(Percentiles.millisBetween(start, System.nanoTime()));
                EnvironmentReport e = report.environments().get(0);
                reason = e.migration() == null ? String.valueOf(report.outcome()) : e.migration().reason();
            }
            List<Double> poller = new ArrayList<>();
            String saw = null;
            if (setup.kubectl().isPresent()) {
                for (int r = 0; r < repetitions; r++) {
                    long start = System.nanoTime();
                    saw = poll(c, "kubectl-poll-" + slug(c) + "-" + r);
                    poller.add(Percentiles.millisBetween(start, System.nanoTime()));
                }
            }
            rows.add(new Row(c, Percentiles.of(engine), reason, null, null,
                    poller.isEmpty() ? null : Percentiles.of(poller), saw));
        }
        List<Row> done = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (waits.isEmpty()) {
                done.add(row);
                continue;
            }
            Kubectl.Result r = waits.get(i).get(2, TimeUnit.MINUTES);
            String said = r.exitCode() == 0 ? "condition met (!)" : r.output().contains("timed out") ? "timed out" : r.output().trim();
            Double millis;
            synchronized (waitMillis) {
                millis = waitMillis.get(i);
            }
            done.add(new Row(row.failure(), row.engine(), row.engineReason(), millis, said, row.poller(), row.pollerSaw()));
        }
        setup.jobs().clear(NAMESPACE);
        return done;
    }

    private static Plan plan(Case c, String app, Environment env) {
        switch (c) {
            case IMAGE_PULL_BACKOFF:
                return MigrationJobs.plan(app, "bench.invalid/missing-image:1", "true", env);
            case MISSING_SECRET:
                return MigrationJobs.plan(app, "bench/app:1", Migration.builder().command("sh", "-c", "true")
                        .envFromSecret(List.of("bench-db-credentials")).build(), env);
            default:
                throw new IllegalArgumentException(c.name());
        }
    }

    /** Applies the case's Job with kubectl and waits for it to complete, which it never does. */
    private Kubectl.Result applyAndWait(Case c, String name) {
        Kubectl kubectl = setup.kubectl().orElseThrow();
        apply(c, name);
        return kubectl.run("wait", "--for=condition=complete", "job/" + name, "-n", NAMESPACE, "--timeout=" + KUBECTL_TIMEOUT);
    }

    /** Applies the case's Job, then every 2 s (as {@code sleep 2} in a shell loop) asks kubectl for a failure reason. */
    private String poll(Case c, String name) throws InterruptedException {
        Kubectl kubectl = setup.kubectl().orElseThrow();
        apply(c, name);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            Kubectl.Result r = kubectl.run("get", "jobs,pods", "-n", NAMESPACE, "-l", "bench-case=" + name, "-o", POLL_QUERY);
            java.util.regex.Matcher m = FAILURE.matcher(r.output());
            if (m.find()) {
                return m.group();
            }
            Thread.sleep(2000);
        }
        return "nothing within 30s";
    }

    private void apply(Case c, String name) {
        Environment env = MigrationJobs.environment("bench", NAMESPACE);
        String yaml = MigrationJobs.asKubectlYaml(plan(c, name, env), env, name, NAMESPACE);
        try {
            Path file = Files.writeString(setup.work().resolve(name + ".yaml"), yaml, StandardCharsets.UTF_8);
            Kubectl.Result r = setup.kubectl().orElseThrow().run("apply", "--validate=false", "-f", file.toString());
            if (r.exitCode() != 0) {
                throw new IllegalStateException("kubectl apply of " + name + " failed: " + r.output());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String slug(Case c) {
        return c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

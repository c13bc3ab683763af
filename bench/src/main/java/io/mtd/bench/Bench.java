package io.mtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.MigrateThenDeploy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The benchmark harness: starts a sandbox cluster in a child JVM, runs the measurements against it with the
 * engine and with the real kubectl, prints a Markdown table and writes every number as JSON.
 *
 * <p>Options: {@code --jobs N} (completion samples, default 50), {@code --scale 1,100,1000}, {@code --log-lines N}
 * (default 200000), {@code --repeat N} (failure and end-to-end repetitions, default 5), {@code --engine-threads N}
 * (the scale engine's scheduler threads, default 2 as the engine's own), {@code --handovers N} (lock hand-over
 * samples, 10), {@code --waiters N} (runs waiting on one lock, 1000), {@code --snapshot-tables 500} (the snapshot's
 * schema sizes), {@code --only completion,failures,scale,rollouts,logs,e2e,lock,snapshot} (default all;
 * {@code --only-lock} is {@code --only lock}), {@code --out FILE} (default
 * bench/results/latest.json).
 */
public final class Bench {

    /** Everything one run measured, as written to the JSON file. */
    record Results(String date, String machine, String java, String kubectl,
            CompletionLatency.Result completion, List<FailureDetection.Row> failures, List<Scale.Row> scale,
            List<RolloutScale.Row> rolloutScale, LogStreaming.Result logs, EndToEnd.Result endToEnd,
            LockHandover.Result lock, SnapshotCost.Result snapshot) {}

    /** The measurements' names for {@code --only}, in the order they run. */
    static final String[] MEASUREMENTS = {"completion", "failures", "scale", "rollouts", "logs", "e2e", "lock", "snapshot"};

    private Bench() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Path work = Files.createTempDirectory("mtd-bench-");
        Path kubeconfig = work.resolve("kubeconfig");
        System.err.println("bench: starting the sandbox (log: " + work.resolve("sandbox.log") + ")");
        EngineEvents events = new EngineEvents();
        try (RemoteSandbox sandbox = RemoteSandbox.start(kubeconfig, work.resolve("sandbox.log"));
                KubernetesClient client = sandbox.client();
                MigrateThenDeploy engine = MigrateThenDeploy.builder()
                        .clusters(env -> sandbox.client())
                        .listener(events)
                        .identity(MigrationJobs.IDENTITY)
                        .unschedulableGrace(java.time.Duration.ofSeconds(1))
                        .build()) {
            Optional<Kubectl> kubectl = Kubectl.find(kubeconfig);
            String kubectlVersion = kubectl.map(Bench::version).orElse(Kubectl.ABSENT);
            Setup setup = new Setup(sandbox, client, new MigrationJobs(client), kubectl, engine, events, work);

            CompletionLatency.Result completion = null;
            if (o.runs("completion")) {
                progress("1/8 completion latency: " + o.jobs + " Jobs, engine and kubectl wait interleaved");
                completion = new CompletionLatency(setup).run(o.jobs);
            }
            List<FailureDetection.Row> failures = List.of();
            if (o.runs("failures")) {
                progress("2/8 failure detection: ImagePullBackOff and a missing Secret");
                failures = new FailureDetection(setup).run(o.repeat);
            }
            List<Scale.Row> scale = List.of();
            if (o.runs("scale")) {
                progress("3/8 scale: " + Arrays.toString(o.scale) + " migrations waited on at once in one engine");
                scale = new Scale(setup).run(o.engineThreads, o.scale);
            }
            List<RolloutScale.Row> rolloutScale = List.of();
            if (o.runs("rollouts")) {
                progress("4/8 scale: " + Arrays.toString(o.scale) + " rollouts waited on at once in one engine");
                rolloutScale = new RolloutScale(setup).run(o.engineThreads, o.scale);
            }
            LogStreaming.Result logs = null;
            if (o.runs("logs")) {
                progress("5/8 log streaming: seq 1 " + o.logLines);
                logs = new LogStreaming(setup).run(o.logLines);
            }
            EndToEnd.Result endToEnd = null;
            if (o.runs("e2e")) {
                progress("6/8 end to end: two environments, engine and a kubectl script");
                endToEnd = new EndToEnd(setup).run(o.repeat);
            }
            LockHandover.Result lock = null;
            if (o.runs("lock")) {
                progress("7/8 migration lock: " + o.handovers + " hand-overs each, engine and a 500 ms poller; " + o.waiters
                        + " runs waiting on one lock");
                lock = new LockHandover(setup).run(o.handovers, o.waiters, java.time.Duration.ofSeconds(10));
            }
            SnapshotCost.Result snapshot = null;
            if (o.runs("snapshot")) {
                progress("8/8 schema snapshot: " + Arrays.toString(o.snapshotTables) + " tables, the engine's snapshot Job and a bare"
                        + " pg_dump, " + o.repeat + " each");
                snapshot = new SnapshotCost(setup).run(o.snapshotTables, o.repeat);
            }

            Results results = new Results(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine(),
                    System.getProperty("java.vendor") + " " + Runtime.version(), kubectlVersion,
                    completion, failures, scale, rolloutScale, logs, endToEnd, lock, snapshot);
            System.out.println(Table.render(results));
            Files.createDirectories(o.out.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(o.out.toFile(), results);
            System.err.println("bench: wrote " + o.out);
        }
    }

    private static void progress(String what) {
        System.err.println("bench: " + what);
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch");
    }

    private static String version(Kubectl kubectl) {
        Kubectl.Result r = kubectl.run("version", "--client");
        String first = r.output().lines().findFirst().orElse("");
        return "kubectl " + first.replace("Client Version: ", "").trim() + " (" + kubectl.binary() + ")";
    }

    /** Command-line options. */
    record Options(int jobs, int[] scale, int logLines, int repeat, int engineThreads, Path out, int handovers, int waiters,
            List<String> only, int[] snapshotTables) {

        /** Whether the measurement named {@code name} runs: all of them unless {@code --only} names some. */
        boolean runs(String name) {
            return only.isEmpty() || only.contains(name);
        }

        static Options parse(String[] args) {
            List<String> only = List.of();
            int jobs = 50;
            int[] scale = {1, 100, 1000};
            int logLines = 200_000;
            int repeat = 5;
            int engineThreads = 2;
            Path out = Path.of("bench", "results", "latest.json");
            int handovers = 10;
            int waiters = 1000;
            int[] snapshotTables = {500};
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--only-lock")) {
                    only = List.of("lock");
                    continue;
                }
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--jobs":
                        jobs = Integer.parseInt(value);
                        break;
                    case "--scale":
                        scale = Arrays.stream(value.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                        break;
                    case "--log-lines":
                        logLines = Integer.parseInt(value);
                        break;
                    case "--repeat":
                        repeat = Integer.parseInt(value);
                        break;
                    case "--engine-threads":
                        engineThreads = Integer.parseInt(value);
                        break;
                    case "--out":
                        out = Path.of(value);
                        break;
                    case "--handovers":
                        handovers = Integer.parseInt(value);
                        break;
                    case "--waiters":
                        waiters = Integer.parseInt(value);
                        break;
                    case "--snapshot-tables":
                        snapshotTables = SnapshotCost.sizes(value);
                        break;
                    case "--only":
                        only = Arrays.stream(value.split(",")).map(String::trim).toList();
                        for (String name : only) {
                            if (!List.of(MEASUREMENTS).contains(name)) {
                                throw new IllegalArgumentException("--only " + name + ": use some of "
                                        + String.join(",", MEASUREMENTS));
                            }
                        }
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]
                                + ": use --jobs, --scale, --log-lines, --repeat, --engine-threads, --handovers, --waiters, --snapshot-tables,"
                                + " --only, --only-lock or --out");
                }
                i++;
            }
            return new Options(jobs, scale, logLines, repeat, engineThreads, out, handovers, waiters, only, snapshotTables);
        }
    }
}

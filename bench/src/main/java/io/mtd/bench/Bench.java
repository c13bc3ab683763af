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
 * The benchmark harness: starts a sandbox cluster in a child JVM, runs the five measurements against it with the
 * engine and with the real kubectl, prints a Markdown table and writes every number as JSON.
 *
 * <p>Options: {@code --jobs N} (completion samples, default 50), {@code --scale 1,100,1000}, {@code --log-lines N}
 * (default 200000), {@code --repeat N} (failure and end-to-end repetitions, default 5), {@code --engine-threads N}
 * (the scale engine's scheduler threads, default 2 as the engine's own), {@code --handovers N} (lock hand-over
 * samples, 10), {@code --waiters N} (runs waiting on one lock, 1000), {@code --only-lock}, {@code --out FILE}
 * (default bench/results/latest.json).
 */
public final class Bench {

    /** Everything one run measured, as written to the JSON file. */
    record Results(String date, String machine, String java, String kubectl,
            CompletionLatency.Result completion, List<FailureDetection.Row> failures, List<Scale.Row> scale,
            LogStreaming.Result logs, EndToEnd.Result endToEnd, LockHandover.Result lock) {}

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

            if (o.onlyLock) {
                progress("lock: " + o.handovers + " hand-overs each, then " + o.waiters + " runs waiting on one lock");
                LockHandover.Result lock = new LockHandover(setup).run(o.handovers, o.waiters, java.time.Duration.ofSeconds(10));
                StringBuilder table = new StringBuilder("| Measure | mtd engine | polling peer | Ratio |\n|---|---|---|---|\n");
                LockHandover.rows(lock).forEach(row -> table.append("| ").append(String.join(" | ", row)).append(" |\n"));
                System.out.println(table);
                return;
            }
            progress("1/6 completion latency: " + o.jobs + " Jobs, engine and kubectl wait interleaved");
            CompletionLatency.Result completion = new CompletionLatency(setup).run(o.jobs);
            progress("2/6 failure detection: ImagePullBackOff and a missing Secret");
            List<FailureDetection.Row> failures = new FailureDetection(setup).run(o.repeat);
            progress("3/6 scale: " + Arrays.toString(o.scale) + " waits at once in one engine");
            List<Scale.Row> scale = new Scale(setup).run(o.engineThreads, o.scale);
            progress("4/6 log streaming: seq 1 " + o.logLines);
            LogStreaming.Result logs = new LogStreaming(setup).run(o.logLines);
            progress("5/6 end to end: two environments, engine and a kubectl script");
            EndToEnd.Result endToEnd = new EndToEnd(setup).run(o.repeat);
            progress("6/6 migration lock: " + o.handovers + " hand-overs each, engine and a 500 ms poller; " + o.waiters
                    + " runs waiting on one lock");
            LockHandover.Result lock = new LockHandover(setup).run(o.handovers, o.waiters, java.time.Duration.ofSeconds(10));

            Results results = new Results(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine(),
                    System.getProperty("java.vendor") + " " + Runtime.version(), kubectlVersion,
                    completion, failures, scale, logs, endToEnd, lock);
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
            boolean onlyLock) {
        static Options parse(String[] args) {
            int jobs = 50;
            int[] scale = {1, 100, 1000};
            int logLines = 200_000;
            int repeat = 5;
            int engineThreads = 2;
            Path out = Path.of("bench", "results", "latest.json");
            int handovers = 10;
            int waiters = 1000;
            boolean onlyLock = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--only-lock")) {
                    onlyLock = true;
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
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]
                                + ": use --jobs, --scale, --log-lines, --repeat, --engine-threads, --handovers, --waiters,"
                                + " --only-lock or --out");
                }
                i++;
            }
            return new Options(jobs, scale, logLines, repeat, engineThreads, out, handovers, waiters, onlyLock);
        }
    }
}

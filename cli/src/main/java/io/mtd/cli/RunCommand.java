package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.kube.ClusterProbe;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.ReportJson;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import io.mtd.sandbox.SandboxDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

/** {@code mtd run PLAN}: runs a plan against the clusters of its environments, or the built-in sandbox. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a plan: for each environment in order, migrate with a one-off Job from the image, then roll out.",
        footer = ExitCode.HELP)
final class RunCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Option(names = "--sandbox", description = "Run against the built-in sandbox cluster instead of KUBECONFIG, with an"
            + " embedded PostgreSQL behind the plan's Secrets and its Deployments at a previous version, as in the demo.")
    boolean sandbox;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the run's report as JSON to FILE.")
    Path report;

    @Option(names = "--approve", paramLabel = "ENV", split = ",",
            description = "Approve ENV up front (repeatable; 'all' for every environment). Without it, asks on the terminal, also"
                    + " when the output is piped; with no terminal (CI), the approval is refused at once.")
    List<String> approve = List.of();

    @Option(names = "--accept-drift", paramLabel = "FINGERPRINT", split = ",",
            description = "Accept up front the schema drift with this fingerprint (repeatable; the run prints it when it"
                    + " stops for a drift). --approve never accepts a drift.")
    List<String> acceptDrift = List.of();

    @Option(names = "--retry", description = "Replace a migration Job that failed for this image (as migration.retry: true).")
    boolean retry;

    @Option(names = "--rollback", description = "Go back to the plan's image on purpose (as rollback: true in the plan):"
            + " roll it out even where a newer run already took an environment further, skipping the migration (the schema"
            + " stays where the newer release left it); the report records it as a rollback. Without it, a run older than"
            + " the one an environment is at stops there (exit 10).")
    boolean rollback;

    @Option(names = "--rollout-hook", paramLabel = "COMMAND",
            description = "Roll out with this shell command instead of the plan's Deployments: run once per environment after"
                    + " its migration succeeded, with MTD_ENVIRONMENT, MTD_NAMESPACE, MTD_IMAGE and KUBECONFIG set."
                    + " A non-zero exit fails the rollout.")
    String rolloutHook;

    @Option(names = "--no-pin", description = "Use the plan's image reference as written instead of building (if the plan"
            + " says so) and pinning it by its registry digest. Implied by --sandbox, whose images are local processes.")
    boolean noPin;

    @Override
    public Integer call() throws Exception {
        CheckedPlan checked = planFile.load();
        if (checked == null) {
            return ExitCode.INVALID;
        }
        if (retry) {
            checked = checked.withRetry();
        }
        if (rollback) {
            checked = checked.withRollback();
        }
        Plan plan = checked.plan();
        List<String> names = plan.environments().stream().map(Environment::name).toList();
        for (String env : approve) {
            if (!env.equals("all") && !names.contains(env)) {
                System.err.println("mtd run: --approve " + env + ": the plan has no environment '" + env + "': its environments are "
                        + String.join(", ", names) + " (or give --approve all)");
                return ExitCode.INVALID;
            }
        }
        Path dir = planFile.workspace();
        if (!sandbox) {
            // before an image is built or anything is touched: every environment's cluster must answer
            List<ClusterProbe.Unreachable> unreachable;
            try (MigrateThenDeploy engine = planFile.engine()) {
                unreachable = engine.unreachable(checked, Duration.ofSeconds(5));
            }
            if (!unreachable.isEmpty()) {
                // environments that share a kubeconfig share its problem: say it once, naming them all
                Map<String, List<String>> byProblem = new LinkedHashMap<>();
                unreachable.forEach(u -> byProblem.computeIfAbsent(u.problem(), k -> new ArrayList<>()).add("'" + u.environment() + "'"));
                byProblem.forEach((problem, envs) -> System.err.println("mtd run: environment" + (envs.size() > 1 ? "s " : " ")
                        + String.join(", ", envs) + ": " + problem));
                return ExitCode.INFRASTRUCTURE;
            }
        }
        boolean needsDatabase = sandbox && !SandboxSession.secretNames(plan).isEmpty();
        try (SandboxDatabase db = needsDatabase ? SandboxDatabase.start() : null;
                SandboxSession session = sandbox ? SandboxSession.start(plan, dir) : null) {
            if (session != null) {
                // what the plan expects to find in a cluster (its Secrets, Deployments), as the demo provides it
                session.provision(plan, db);
            }
            MigrateThenDeploy.Builder builder = MigrateThenDeploy.builder()
                    .listener(new ConsoleProgress(System.out))
                    .approvals(new TerminalApprovals(new HashSet<>(approve), new HashSet<>(acceptDrift), Terminal::open, null))
                    .workspace(dir)
                    .rolloutCommand(rolloutHook);
            if (!sandbox && !noPin) {
                builder.pinImages();
            }
            if (session != null) {
                builder.clusters(session.clusters());
            }
            RunReport result = run(builder, checked, report);
            if (result.outcome() == io.mtd.report.RunOutcome.IMAGE_FAILED && !sandbox && !noPin) {
                List<String> onSandbox = onSandbox(plan);
                if (!onSandbox.isEmpty()) {
                    System.err.println("mtd run: environment" + (onSandbox.size() > 1 ? "s " : " ") + String.join(", ", onSandbox)
                            + (onSandbox.size() > 1 ? " run" : " runs") + " on mtd's sandbox, whose images are local directories,"
                            + " not in a registry, so the image cannot be pinned by its digest: add --no-pin");
                }
            }
            return ExitCode.of(result.outcome());
        }
    }

    /** The environments (quoted) whose kubeconfig reaches a sandbox of {@code mtd sandbox}. */
    private static List<String> onSandbox(Plan plan) {
        List<String> names = new ArrayList<>();
        for (Environment env : plan.environments()) {
            try {
                if (SandboxSession.reachedBy(io.mtd.kube.KubeconfigClusters.config(env))) {
                    names.add("'" + env.name() + "'");
                }
            } catch (RuntimeException unreadable) {
                // the probe before the run read it; nothing to add here
            }
        }
        return names;
    }

    /** Runs the plan with the engine {@code builder} makes, prints the summary, writes the report; returns the exit code. */
    static int execute(MigrateThenDeploy.Builder builder, CheckedPlan plan, Path reportFile) {
        return ExitCode.of(run(builder, plan, reportFile).outcome());
    }

    /** Runs the plan with the engine {@code builder} makes, prints the summary, writes the report; returns the report. */
    static RunReport run(MigrateThenDeploy.Builder builder, CheckedPlan plan, Path reportFile) {
        try (MigrateThenDeploy engine = builder.build()) {
            MigrateThenDeploy.Run run = engine.start(plan);
            java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
            // SIGINT and SIGTERM follow the plan's onCancel like any cancel: the JVM exits only once the run has
            // stopped (a running migration left to finish, or deleted) and the summary saying which is printed
            Thread onInterrupt = new Thread(() -> {
                run.cancel("interrupted (SIGINT/SIGTERM)");
                run.report().join();
                try {
                    reported.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "mtd-interrupt");
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            RunReport result = run.report().join();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running: it waits for the same report, and for the summary below
            }
            try {
                System.out.println();
                System.out.print(ReportSummary.render(result));
                if (reportFile != null) {
                    ReportJson.write(result, reportFile);
                    System.out.println("Report written to " + reportFile);
                }
            } finally {
                System.out.flush();
                reported.countDown();
            }
            return result;
        }
    }
}

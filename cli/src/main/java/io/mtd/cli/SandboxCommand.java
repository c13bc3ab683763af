package io.mtd.cli;

import io.mtd.plan.Plan;
import io.mtd.CheckedPlan;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.sandbox.SandboxKubelet;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mtd sandbox}: the built-in cluster (and an embedded PostgreSQL) as a long-running process with a kubeconfig, so
 * that several {@code mtd run} processes, kubectl and a Jenkins on this machine can all use one cluster.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Start the built-in sandbox cluster, write a kubeconfig for it, and run until Ctrl-C."
                + " Images are local directories (--image), run as local processes.",
        footer = ExitCode.HELP)
final class SandboxCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", paramLabel = "FILE", defaultValue = "mtd-sandbox.kubeconfig",
            description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE} in the current directory).")
    Path kubeconfig;

    @Option(names = "--image", paramLabel = "REPOSITORY=DIR", split = ",",
            description = "Run the image REPOSITORY (any tag) as local processes in DIR, e.g."
                    + " registry.example.com/shop=./examples/shop (repeatable).")
    Map<String, Path> images = new LinkedHashMap<>();

    @Option(names = "--postgres", description = "Also start an embedded PostgreSQL, with a database and a Secret for"
            + " each --namespace (and for each environment of --plan).")
    boolean postgres;

    @Option(names = "--namespace", paramLabel = "NS", split = ",",
            description = "With --postgres: a database and a Secret (--secret) with its URL and credentials in NS (repeatable).")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--secret", paramLabel = "NAME", defaultValue = "db",
            description = "The name of the Secret --postgres makes in each --namespace (default: ${DEFAULT-VALUE}); its keys:"
                    + " DATABASE_URL (JDBC), DATABASE_USER, DATABASE_PASSWORD, the same as FLYWAY_*, POSTGRES_URL"
                    + " (postgresql://user:password@host:port/name) and libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.")
    String secret;

    @Option(names = "--plan", paramLabel = "PLAN",
            description = "Prepare the sandbox for this plan as the demo does: its image from the plan's directory, its"
                    + " Deployments at a previous version and (with --postgres) its Secrets.")
    Path plan;

    /** How the commands it prints start mtd ({@code ./mtd} in a checkout, {@code mtd} installed). */
    String launcher = Launcher.command();

    /** A started sandbox and what it was given; closing it stops everything. */
    record Running(SandboxSession cluster, SandboxDatabase database, Path kubeconfig) implements AutoCloseable {
        @Override
        public void close() {
            cluster.close();
            if (database != null) {
                database.close();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        for (Map.Entry<String, Path> image : images.entrySet()) {
            if (!Files.isDirectory(image.getValue())) {
                System.err.println("mtd sandbox: --image " + image.getKey() + "=" + image.getValue() + ": " + image.getValue()
                        + " is not a directory: give the directory the image's commands run in, e.g. "
                        + "registry.example.com/shop=./examples/shop");
                return ExitCode.INVALID;
            }
        }
        if (!namespaces.isEmpty() && !postgres) {
            System.err.println("mtd sandbox: --namespace makes a database Secret, which needs --postgres: add --postgres");
            return ExitCode.INVALID;
        }
        Plan loaded = null;
        if (plan != null) {
            PlanFile file = new PlanFile();
            file.file = plan;
            CheckedPlan checked = file.load();
            if (checked == null) {
                return ExitCode.INVALID;
            }
            loaded = checked.plan();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Running running = start(loaded, System.out);
        Thread onCtrlC = new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "mtd-sandbox-stop");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        stopped.await();
        return ExitCode.OK;
    }

    /** Starts the sandbox with this command's options, writes the kubeconfig, prints how to use it. */
    Running start(Plan loaded, PrintStream out) {
        SandboxDatabase db = postgres ? SandboxDatabase.start() : null;
        SandboxSession cluster = SandboxSession.start(Path.of(".").toAbsolutePath());
        try {
            Map<String, Path> registered = new TreeMap<>();
            images.forEach((repository, dir) -> {
                cluster.image(SandboxKubelet.repositoryOf(repository), dir);
                registered.put(SandboxKubelet.repositoryOf(repository), dir.toAbsolutePath().normalize());
            });
            List<String> secrets = new ArrayList<>();
            if (loaded != null) {
                Path dir = plan.toAbsolutePath().getParent();
                cluster.image(SandboxKubelet.repositoryOf(loaded.image()), dir);
                registered.put(SandboxKubelet.repositoryOf(loaded.image()), dir);
                cluster.provision(loaded, db);
                if (db != null) {
                    loaded.environments().forEach(e -> SandboxSession.secretNames(loaded)
                            .forEach(name -> secrets.add(e.namespaceOrDefault() + "/" + name)));
                }
            }
            for (String namespace : namespaces) {
                String database = namespace.replaceAll("[^A-Za-z0-9_]", "_");
                db.createDatabase(database);
                cluster.secret(namespace, secret, SandboxSession.secretValues(db, database));
                secrets.add(namespace + "/" + secret);
            }
            Path file = cluster.sandbox().writeKubeconfig(kubeconfig.toAbsolutePath());
            out.println("Sandbox cluster running at " + cluster.sandbox().config().getMasterUrl());
            registered.forEach((repository, dir) -> out.println("  image " + repository + " runs as local processes in " + dir));
            if (db != null) {
                out.println("  PostgreSQL " + db.jdbcUrl("postgres").replaceFirst("/postgres.*$", "") + (secrets.isEmpty() ? ""
                        : "; database Secrets: " + String.join(", ", secrets)));
            }
            out.println();
            out.println("Use it from another terminal:");
            out.println("  export KUBECONFIG=" + file);
            out.println("  kubectl get jobs -A");
            out.println("  " + launcher + " run " + (plan != null ? plan : "PLAN") + " --no-pin --approve all"
                    + "     # --no-pin: the sandbox's images are directories, not in a registry");
            out.println();
            out.println("Press Ctrl-C to stop the sandbox (its processes and data go with it).");
            out.flush();
            return new Running(cluster, db, file);
        } catch (RuntimeException e) {
            new Running(cluster, db, null).close();
            throw e;
        }
    }
}

package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mtd demo}: the example shop's migrations run for staging then production on the sandbox cluster, against a
 * real (embedded) PostgreSQL, with live logs, the rollouts, and a summary; then the same plan again, which changes nothing:
 * a migration command runs again and finds nothing to apply, and the rollouts find the image already there.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the example app's plan on the built-in sandbox cluster against an embedded PostgreSQL:"
                + " staging, then production (approved up front), with live logs and a summary.",
        footer = ExitCode.HELP)
final class DemoCommand implements Callable<Integer> {

    static final String DEFAULT_EXAMPLE = "examples/shop";

    @Option(names = "--example", paramLabel = "DIR", defaultValue = DEFAULT_EXAMPLE,
            description = "The example app's directory (default: ${DEFAULT-VALUE}, here or in the installation).")
    Path example;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the first run's report as JSON to FILE.")
    Path report;

    @Option(names = "--incompatible", description = "After the example's release, release its incompatible next version"
            + " (the example's incompatible/ directory laid over a copy of it): the compatibility check stops it on staging"
            + " before its rollout, and the demo exits 11 as mtd run would.")
    boolean incompatible;

    @Option(names = "--drift", description = "Take schema snapshots (migration.snapshot) and, before the run, change"
            + " production's database by hand (a table staging does not have): the run stops before production's migration"
            + " with the difference, and the demo exits 12 as mtd run would.")
    boolean drift;

    @Option(names = "--backups", paramLabel = "DIR", description = "Copy the backups the runs took (the plan's backup"
            + " volume, which the sandbox serves from a directory of its own) into DIR/ENVIRONMENT before the sandbox stops.")
    Path backups;

    /** The change made by hand in the last environment's database for {@code --drift}: an out-of-band hotfix. */
    static final String HAND_MADE = "CREATE TABLE hotfix_audit (id bigint PRIMARY KEY, note text NOT NULL)";

    @Override
    public Integer call() throws Exception {
        if (example.equals(Path.of(DEFAULT_EXAMPLE)) && !Files.isDirectory(example)) {
            // an installed mtd, started anywhere: its own examples
            example = Launcher.installation().map(home -> home.resolve(DEFAULT_EXAMPLE)).orElse(example);
        }
        Path planFile = example.resolve("mtd.yaml");
        if (!Files.isRegularFile(planFile)) {
            System.err.println("mtd demo: no example plan at " + planFile.toAbsolutePath()
                    + ": run it from the repository's root, or pass --example DIR");
            return ExitCode.INVALID;
        }
        if (drift && incompatible) {
            System.err.println("mtd demo: --drift and --incompatible each stop a release: give one of them");
            return ExitCode.INVALID;
        }
        CheckedPlan checked = MigrateThenDeploy.read(planFile, example.toAbsolutePath());
        Plan plan = checked.plan();
        Path overlay = example.resolve(NextRelease.INCOMPATIBLE);
        if (incompatible && (!Files.isDirectory(overlay) || !plan.migration().hasCompatibility())) {
            System.err.println("mtd demo: --incompatible: " + example + (Files.isDirectory(overlay) ? "'s plan has no migration.compatibility"
                    : " has no incompatible next release (a directory " + NextRelease.INCOMPATIBLE + "/ with the files it changes)")
                    + ": try --example examples/django or --example examples/catalog");
            return ExitCode.INVALID;
        }
        if (PostgresImage.clientBinaries().isEmpty() && (drift || takesPgDumps(plan))) {
            if (drift) {
                System.err.println("mtd demo: --drift takes schema snapshots with pg_dump, which is not installed here:"
                        + " install the PostgreSQL client (Debian: postgresql-client)");
                return ExitCode.INFRASTRUCTURE;
            }
            // the sandbox's postgres image runs the host's pg_dump: without it, the demo still shows the release
            System.out.println("pg_dump is not installed here (Debian: postgresql-client): the demo runs " + planFile
                    + " without its schema snapshots and backups");
            plan = withoutPgDumps(plan);
            checked = MigrateThenDeploy.check(plan);
        }
        if (drift && !plan.migration().takesSnapshots()) {
            // the example's plan with the built-in pg_dump snapshot, from the migration's Secret
            plan = plan.withMigration(plan.migration().toBuilder()
                    .snapshot(new DatabaseJob(null, null, null, null, null, null, null)).build());
            checked = MigrateThenDeploy.check(plan);
        }
        Map<String, String> imageEnv = Map.of();
        if (Files.isRegularFile(example.resolve("manage.py"))) {
            // a Django example: its migrate runs on a local Python that has Django, as the image's python3
            Optional<Path> python = DjangoPython.find();
            if (python.isEmpty()) {
                System.err.println("mtd demo: " + example + " is a Django project, and none of "
                        + DjangoPython.candidates().stream().map(Path::toString).collect(Collectors.joining(", "))
                        + " imports django and psycopg2: " + DjangoPython.INSTALL);
                return ExitCode.INFRASTRUCTURE;
            }
            imageEnv = Map.of("PATH", python.get().getParent() + java.io.File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
            System.out.println("Django example: migrating with " + python.get());
        }
        System.out.println("Starting the sandbox cluster and an embedded PostgreSQL ...");
        try (SandboxDatabase db = SandboxDatabase.start();
                SandboxSession cluster = SandboxSession.start(example.toAbsolutePath())) {
            cluster.image(io.mtd.sandbox.SandboxKubelet.repositoryOf(plan.image()), example.toAbsolutePath(), imageEnv);
            Map<String, String> databases = cluster.provision(plan, db);
            System.out.println("Plan " + planFile + ": " + plan.app() + " " + plan.image() + " through "
                    + String.join(" -> ", plan.environments().stream().map(Environment::name).toList()));
            System.out.println();
            try {
                if (drift) {
                    changeByHand(db, plan, databases);
                }
                int code = RunCommand.execute(engine(cluster, cluster.workspace()), checked, report);
                printSchemas(db, plan, databases);
                if (drift && code == ExitCode.DRIFTED) {
                    System.out.println();
                    System.out.println("The drift check stopped the release before production's migration: staging is migrated,"
                            + " production is untouched. Drop the table there, or accept the difference knowingly (mtd run"
                            + " --accept-drift FINGERPRINT); the demo exits " + ExitCode.DRIFTED + ", as mtd run does.");
                }
                if (code != ExitCode.OK) {
                    return code;
                }
                if (incompatible) {
                    return releaseIncompatible(cluster, db, plan, databases, overlay, imageEnv);
                }
                System.out.println();
                System.out.println("Running the same plan again: nothing is applied twice (a migration command runs again and finds"
                        + " nothing to apply, Flyway's history says nothing is pending), and the rollouts find the image already there ...");
                System.out.println();
                return RunCommand.execute(engine(cluster, cluster.workspace()), checked, null);
            } finally {
                showBackups(cluster, plan);
            }
        }
    }

    /**
     * Releases the example's next version, {@code overlay} laid over a copy of it, after its own release: the
     * compatibility check runs the version serving against the new schema and stops the release on staging.
     */
    private int releaseIncompatible(SandboxSession cluster, SandboxDatabase db, Plan plan, Map<String, String> databases,
            Path overlay, Map<String, String> imageEnv) throws Exception {
        Path next = Files.createTempDirectory("mtd-demo-next-");
        try {
            NextRelease.layOver(example.toAbsolutePath(), overlay, next);
            String image = NextRelease.nextImage(plan.image());
            cluster.image(image, next, imageEnv);
            System.out.println();
            System.out.println("Releasing " + image + ": " + example + " with the files of " + overlay + " laid over it (what"
                    + " they change, and why " + plan.image() + " cannot work against it: " + overlay.resolve("README.md") + ") ...");
            System.out.println();
            int code = RunCommand.execute(engine(cluster, next), MigrateThenDeploy.check(plan.withImage(image)), null);
            printSchemas(db, plan, databases);
            if (code == ExitCode.INCOMPATIBLE) {
                System.out.println();
                System.out.println("The compatibility check stopped " + image + " on staging before its rollout: staging still runs "
                        + plan.image() + " on the migrated schema (the migration is not undone), and production runs it on its"
                        + " previous schema. The demo exits " + ExitCode.INCOMPATIBLE + ", as mtd run does.");
            }
            return code;
        } finally {
            NextRelease.delete(next);
        }
    }

    /** Whether {@code plan} runs a snapshot or backup Job, whose {@code postgres} image needs the host's pg_dump. */
    private static boolean takesPgDumps(Plan plan) {
        return plan.migration().takesSnapshots() || plan.environments().stream().anyMatch(e -> e.backupOr(plan.migration()) != null);
    }

    private static Plan withoutPgDumps(Plan plan) {
        return plan.withMigration(plan.migration().toBuilder().snapshot(null).backup(null).build())
                .withEnvironments(plan.environments().stream().map(e -> e.withBackup(null)).toList());
    }

    /**
     * Names each backup the runs took, by environment, and copies them into {@link #backups} when given: the sandbox's
     * volumes go with it.
     */
    private void showBackups(SandboxSession cluster, Plan plan) throws java.io.IOException {
        for (Environment env : plan.environments()) {
            List<Path> files = cluster.backups(plan, env);
            if (files.isEmpty()) {
                continue;
            }
            Path into = backups == null ? null : Files.createDirectories(backups.resolve(env.name()));
            List<String> named = new ArrayList<>();
            for (Path file : files) {
                named.add(file.getFileName() + " (" + (Files.size(file) + 1023) / 1024 + " KiB)");
                if (into != null) {
                    Files.copy(file, into.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.out.println("Backups in " + env.name() + "'s volume " + SandboxSession.backupClaim(plan, env).orElseThrow() + ": "
                    + String.join(", ", named) + (into == null ? "" : "; copied to " + into));
        }
    }

    /** For {@code --drift}: the last environment's database changed by hand before the release, as a hotfix would. */
    private static void changeByHand(SandboxDatabase db, Plan plan, Map<String, String> databases) throws SQLException {
        String last = plan.environments().get(plan.environments().size() - 1).name();
        String database = databases.get(last);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password())) {
            c.createStatement().execute(HAND_MADE);
        }
        System.out.println("Changed " + last + "'s database " + database + " by hand: " + HAND_MADE);
        System.out.println();
    }

    private static MigrateThenDeploy.Builder engine(SandboxSession cluster, Path workspace) {
        return MigrateThenDeploy.builder()
                .listener(new ConsoleProgress(System.out))
                .approvals(new TerminalApprovals(Set.of("all"), Optional::empty, "the demo itself (it approves every environment)"))
                .workspace(workspace)
                .clusters(cluster.clusters());
    }

    /** Prints what the migration tool recorded in each environment's database ({@code databases}, by environment). */
    private static void printSchemas(SandboxDatabase db, Plan plan, Map<String, String> databases) throws SQLException {
        System.out.println();
        // the migration tool's own record of what it applied: Flyway's, Django's, or the shop example's
        List<String> histories = plan.migration().flyway() != null
                ? List.of("select version || ' ' || description from flyway_schema_history where success order by installed_rank")
                : List.of("select app || '.' || name from django_migrations where app <> 'contenttypes' order by id",
                        "select name from shop_migrations order by name");
        for (String database : databases.values()) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password())) {
                List<String> applied = new ArrayList<>();
                for (String history : histories) {
                    try (ResultSet rs = c.createStatement().executeQuery(history)) {
                        while (rs.next()) {
                            applied.add(rs.getString(1));
                        }
                        break;
                    } catch (SQLException noTable) {
                        c.setAutoCommit(true); // try the next tool's table
                    }
                }
                if (applied.isEmpty()) {
                    applied.add("(no migrations table: not migrated)");
                }
                System.out.println("Database " + database + ": " + String.join(", ", applied));
            }
        }
    }
}

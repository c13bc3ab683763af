package io.mtd.cli;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.MigrateThenDeploy;
import io.mtd.plan.Environment;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import io.mtd.plan.PostRollout;
import io.mtd.progress.ProgressListener;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.SandboxDatabase;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * Releases of the real Django example on one sandbox cluster and one PostgreSQL, for tests of whole releases: version
 * {@value #FIRST} is {@code examples/django} as it is; each later version is a copy of it with an overlay laid over it
 * (its own models and migrations), registered as its own image tag, so that the Deployments run one version while a
 * Job runs another. Each {@link Site} (one test's staging and production) has namespaces and databases of its own, with
 * {@code orders-web} running {@value #FIRST} and the databases at its schema, as a cluster looks before a release.
 *
 * <p>Reusable by any test that needs several versions of the app serving and migrating (traffic during a release, say):
 * {@link #version} for each version, {@link #site} for the environments, {@link #release} to run one through the engine.
 */
public final class DjangoReleases implements AutoCloseable {

    public static final String REPOSITORY = "registry.example.com/orders";
    static final String FIRST = "1.0.0";
    /** examples/django, from the repository's root (bench/traffic) or from a module's directory (the tests). */
    public static final Path EXAMPLE = (Files.isDirectory(Path.of("examples", "django")) ? Path.of("examples", "django")
            : Path.of("..", "examples", "django")).toAbsolutePath().normalize();
    private static final ApprovalGate APPROVE_ALL = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("test"));

    /** The example's release sequence, in order: expand, read the new column, contract, and an unsafe one-step rename. */
    public static final List<String> SEQUENCE = List.of("1.1.0", "1.2.0", "1.3.0", "1.4.0-rename");
    /** The sequence's contract release, whose old column goes after its rollout. */
    public static final String CONTRACT = "1.3.0";

    private final Path python;
    private final Path versions;
    private final SandboxDatabase db;
    private final SandboxSession cluster;
    private final Plan example;

    private DjangoReleases(Path python, Path versions) {
        this.python = python;
        this.versions = versions;
        this.example = PlanLoader.read(EXAMPLE.resolve("mtd.yaml")).plan();
        this.db = SandboxDatabase.start();
        this.cluster = SandboxSession.start(EXAMPLE);
        image(FIRST, EXAMPLE);
    }

    /**
     * As {@link #start}, with the first Python that has Django and psycopg2 (and every module of {@code modules}); skips
     * the calling tests, saying what to install for {@code what}, where there is none.
     */
    static DjangoReleases startOrSkip(Path versions, String what, String... modules) {
        Optional<Path> python = DjangoPython.find();
        Assumptions.assumeTrue(python.isPresent(), "no Python with Django and psycopg2 among " + DjangoPython.candidates()
                .stream().map(Path::toString).collect(Collectors.joining(", ")) + ": " + DjangoPython.INSTALL + " to run " + what);
        for (String module : modules) {
            Assumptions.assumeTrue(imports(python.get(), module), python.get() + " cannot import " + module
                    + " (Debian: apt-get install python3-" + module + ") to run " + what);
        }
        return start(python.get(), versions);
    }

    private static boolean imports(Path python, String module) {
        try {
            return new ProcessBuilder(python.toString(), "-c", "import " + module).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** As {@link #start} with the first Python that has Django and psycopg2; fails, saying what to install, where there is none. */
    public static DjangoReleases startWithDjangoPython(Path versions) {
        return start(DjangoPython.find().orElseThrow(() -> new IllegalStateException("no Python with Django and psycopg2: "
                + DjangoPython.INSTALL)), versions);
    }

    /** A sandbox and a PostgreSQL running the Django example with {@code python}; versions are copied under {@code versions}. */
    static DjangoReleases start(Path python, Path versions) {
        return new DjangoReleases(python, versions);
    }

    /**
     * Version {@code tag} of the app: the example with {@code overlay}'s files laid over it (a directory holding, say,
     * {@code orders/models.py} and {@code orders/migrations/0003_...py}), registered as {@code REPOSITORY:tag}.
     *
     * @return the version's image
     */
    String version(String tag, Path overlay) {
        return version(tag, List.of(overlay));
    }

    /** As {@link #version(String, Path)} with several overlays laid one after the other (a release sequence's versions). */
    public String version(String tag, List<Path> overlays) {
        return image(tag, NextRelease.layOver(EXAMPLE, overlays, versions.resolve(tag)));
    }

    /**
     * Version {@code tag} of the example's release sequence ({@link #SEQUENCE}, {@code examples/django/releases}): the
     * example with the overlays of every version up to {@code tag} laid over it, in order.
     */
    public String sequenceVersion(String tag) {
        int upTo = SEQUENCE.indexOf(tag);
        if (upTo < 0) {
            throw new IllegalArgumentException("not a version of examples/django/releases: " + tag + " (" + SEQUENCE + ")");
        }
        return version(tag, SEQUENCE.subList(0, upTo + 1).stream().map(EXAMPLE.resolve(NextRelease.RELEASES)::resolve).toList());
    }

    /**
     * How a version of the sequence is released: the contract ({@value #CONTRACT}) migrates up to 0005 before its rollout
     * and drops the old column (0006) after it, each phase's SQL printed for the lint as the README's plan fields show
     * (so the drop is checked as a post-rollout change); the others migrate everything before the rollout.
     */
    public static UnaryOperator<Migration.Builder> sequenceMigration(String tag) {
        if (!tag.equals(CONTRACT)) {
            return UnaryOperator.identity();
        }
        return m -> m.command(List.of("python3", "manage.py", "migrate", "orders", "0005", "--noinput"))
                .lint(new Lint(List.of("python3", "manage.py", "sqlmigrate", "orders", "0005"), List.of(), null))
                .postRollout(new PostRollout(null, List.of("python3", "manage.py", "migrate", "--noinput"),
                        List.of("python3", "manage.py", "sqlmigrate", "orders", "0006"), null));
    }

    /** The example's migration without its expand/contract lint (what stops a release is then the compatibility check). */
    public static Migration.Builder withoutLint(Migration.Builder m) {
        return m.lint(null);
    }

    private String image(String tag, Path dir) {
        String image = REPOSITORY + ":" + tag;
        cluster.image(image, dir, Map.of("PATH", python.getParent() + File.pathSeparator + System.getenv().getOrDefault("PATH", "")));
        return image;
    }

    /**
     * Staging and production of one test ({@code name}-staging and {@code name}-production, each with its database and
     * Secret {@code orders-db}), with {@code orders-web} running {@value #FIRST} and both databases migrated by its
     * release.
     */
    Site site(String name) {
        return site(name, null);
    }

    /**
     * As {@link #site}, with {@code orders-web} serving for real ({@link #servingDeployment}) behind a Service
     * {@code orders-web}, which {@link #serviceAddress} finds on 127.0.0.1.
     */
    Site servingSite(String name) {
        return servingSite(name, UnaryOperator.identity());
    }

    /** As {@link #servingSite(String)} with {@code edit} applied to orders-web (another rollout strategy, no probe, ...). */
    public Site servingSite(String name, UnaryOperator<Deployment> edit) {
        return site(name, edit);
    }

    private Site site(String name, UnaryOperator<Deployment> serving) {
        Site site = new Site(name);
        for (Environment env : site.environments()) {
            String database = site.database(env.name());
            String namespace = env.namespaceOrDefault();
            db.createDatabase(database);
            cluster.secret(namespace, "orders-db", SandboxSession.secretValues(db, database));
            if (serving != null) {
                KubernetesClient client = cluster.sandbox().client();
                client.apps().deployments().inNamespace(namespace).resource(serving.apply(servingDeployment(namespace, REPOSITORY + ":" + FIRST)))
                        .create();
                client.services().inNamespace(namespace).resource(new ServiceBuilder().withNewMetadata().withName("orders-web")
                        .endMetadata().withNewSpec().withSelector(Map.of("app", "orders-web"))
                        .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                        .endSpec().build()).create();
            } else {
                cluster.deployment(namespace, "orders-web", REPOSITORY + ":" + FIRST, 2);
            }
        }
        // the state before the releases under test, set up as fast as it can be: no lint
        Released first = release(site, REPOSITORY + ":" + FIRST, DjangoReleases::withoutLint);
        if (first.report().outcome() != RunOutcome.SUCCEEDED) {
            throw new IllegalStateException("release " + FIRST + " failed: " + first.report().failure() + "\n" + first.log());
        }
        return site;
    }

    /**
     * Runs the example's plan for {@code image} through {@code site}'s staging and production (approved), with its
     * expand/contract lint and compatibility check as a user runs it, and {@code edit} applied to its migration settings
     * ({@link #withoutLint} to switch the lint off).
     */
    Released release(Site site, String image, UnaryOperator<Migration.Builder> edit) {
        return release(site, image, edit, ProgressListener.NONE);
    }

    /** As {@link #release(Site, String, UnaryOperator)}, with the engine's events also sent to {@code listener}. */
    public Released release(Site site, String image, UnaryOperator<Migration.Builder> edit, ProgressListener listener) {
        Migration m = edit.apply(example.migration().toBuilder()).build();
        Plan plan = new Plan(example.app(), image, null, m, example.rollout(), site.environments());
        try (Started run = start(plan, site.name() + "-" + image.replaceAll(".*:", ""), listener)) {
            RunReport report = run.run().report().orTimeout(3, TimeUnit.MINUTES).join();
            return new Released(report, run.log());
        }
    }

    /**
     * Starts {@code plan} as run {@code runId} on this sandbox (every approval given), its events printed as {@code mtd run}
     * prints them and sent to {@code listener}; closing what it returns closes its engine.
     */
    Started start(Plan plan, String runId, ProgressListener listener) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(log, true, StandardCharsets.UTF_8));
        MigrateThenDeploy engine = MigrateThenDeploy.builder().clusters(cluster.clusters()).listener(event -> {
                    console.on(event);
                    listener.on(event);
                })
                .approvals(APPROVE_ALL).workspace(EXAMPLE).identity(new RunIdentity(runId, null)).build();
        return new Started(engine, engine.start(plan), log);
    }

    /** A run {@link #start}ed: its engine, the run, and what it printed so far. */
    record Started(MigrateThenDeploy engine, MigrateThenDeploy.Run run, ByteArrayOutputStream out) implements AutoCloseable {
        String log() {
            return out.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /**
     * The example's plan as app {@code app}, image {@value #FIRST}: its migration ({@code edit}ed, without its lint and
     * compatibility check) in one environment, {@code namespace}, with no Deployment to roll out.
     */
    Plan plan(String app, String namespace, UnaryOperator<Migration.Builder> edit) {
        Migration m = edit.apply(example.migration().toBuilder().lint(null).compatibility(null)).build();
        return new Plan(app, REPOSITORY + ":" + FIRST, null, m, example.rollout(), List.of(Environment.of("staging", namespace, List.of())));
    }

    /**
     * A database of its own for {@code namespace}, nothing migrated yet, reached through the Secret orders-db there (the
     * one the example's migration reads); returns its name.
     */
    String freshDatabase(String namespace) {
        String database = namespace.replace('-', '_');
        db.createDatabase(database);
        cluster.secret(namespace, "orders-db", SandboxSession.secretValues(db, database));
        return database;
    }

    /**
     * orders-web as it runs in production: two replicas of the example served by gunicorn (Debian's python3-gunicorn,
     * two sync workers each, on the port the sandbox gives the Pod), a readiness probe on {@code /healthz/ready} (the
     * database answers), a rolling update that adds one Pod before it takes one away (maxSurge 1, maxUnavailable 0), a
     * preStop sleep of 5 s, and gunicorn's graceful stop on SIGTERM within the grace period.
     */
    public static Deployment servingDeployment(String namespace, String image) {
        Map<String, String> labels = Map.of("app", "orders-web");
        return new DeploymentBuilder().withNewMetadata().withName("orders-web").withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString(1))
                .withMaxUnavailable(new IntOrString(0)).endRollingUpdate().endStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(30L).addNewContainer().withName("web").withImage(image)
                .withCommand("python3", "-m", "gunicorn", "--bind", "127.0.0.1:$(PORT)", "--workers", "2",
                        "--graceful-timeout", "20", "shopsite.wsgi")
                .addNewPort().withName("http").withContainerPort(8000).endPort()
                .addNewEnv().withName("DATABASE_URL").withNewValueFrom().withNewSecretKeyRef("POSTGRES_URL", "orders-db", false)
                .endValueFrom().endEnv()
                .withNewReadinessProbe().withNewHttpGet().withPath("/healthz/ready").withPort(new IntOrString("http")).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(2).withTimeoutSeconds(2).endReadinessProbe()
                // keep serving while the Service drops the Pod and gunicorn answers the connections already queued at
                // its listener, which it would reset on SIGTERM; 5 s + the 20 s graceful timeout < the 30 s grace period
                .withNewLifecycle().withNewPreStop().withNewSleep(5L).endPreStop().endLifecycle()
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    /** Where the sandbox proxies {@code site}'s environment's Service orders-web (a {@link #servingSite}'s). */
    public InetSocketAddress serviceAddress(Site site, String environment) {
        return cluster.sandbox().serviceAddress(site.namespace(environment), "orders-web");
    }

    /** A release's report and its log as {@code mtd run} prints it. */
    public record Released(RunReport report, String log) {}

    /** The image {@code site}'s environment's orders-web runs now. */
    public String deployed(Site site, String environment) {
        return cluster.sandbox().client().apps().deployments().inNamespace(site.namespace(environment)).withName("orders-web").get()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    /** How many Jobs {@code site}'s environment has. */
    int jobs(Site site, String environment) {
        return jobs(site.namespace(environment));
    }

    /** How many Jobs {@code namespace} has. */
    int jobs(String namespace) {
        return cluster.sandbox().client().batch().v1().jobs().inNamespace(namespace).list().getItems().size();
    }

    /** The Django migrations applied to {@code site}'s environment's database, as {@code app.name}. */
    List<String> applied(Site site, String environment) {
        return query(site.database(environment), "select app || '.' || name from django_migrations order by id");
    }

    /** The most migration containers that ran at once in {@code namespace}, whatever their app. */
    int maxConcurrentMigrationsIn(String namespace) {
        return cluster.sandbox().kubelet().maxConcurrentMigrationsIn(namespace);
    }

    /** The columns of {@code table} in {@code site}'s environment's database. */
    List<String> columns(Site site, String environment, String table) {
        return query(site.database(environment), "select column_name from information_schema.columns where table_name = '"
                + table + "' order by ordinal_position");
    }

    /** How many rows {@code table} holds in {@code site}'s environment's database. */
    int rows(Site site, String environment, String table) {
        return Integer.parseInt(query(site.database(environment), "select count(*) from " + table).get(0));
    }

    /** The first column of what {@code sql} returns from {@code database}, one string a row. */
    List<String> query(String database, String sql) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One test's environments: staging, then production (which asks for an approval, given by the fixture). */
    public record Site(String name) {
        List<Environment> environments() {
            return List.of(new Environment("staging", null, null, null, null, namespace("staging"), List.of("orders-web"), null, null, null),
                    new Environment("production", null, null, null, null, namespace("production"), List.of("orders-web"), null, true, null));
        }

        String namespace(String environment) {
            return name + "-" + environment;
        }

        String database(String environment) {
            return name.replace('-', '_') + "_" + environment;
        }
    }

    @Override
    public void close() {
        cluster.close();
        db.close();
    }
}

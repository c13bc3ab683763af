package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PostRollout;
import io.mtd.promotion.RunIdentity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigrationJobTest {

    private static final Path WORKSPACE = Path.of(".");
    private static final RunIdentity RUN = new RunIdentity("shop-deploy#42", "https://ci.example.com/job/shop/42/");

    private static Plan plan(Migration m) {
        return new Plan("shop", "registry.example.com/shop:1.4.0", null, m, null,
                List.of(Environment.of("staging", "shop-staging", List.of("shop-web"))));
    }

    private static Migration command(String... cmd) {
        return Migration.ofCommand(List.of(cmd));
    }

    @Test
    void nameIsDeterministicPerImageAndAValidLabel() {
        String a = MigrationJob.nameFor("shop", "staging", "registry.example.com/shop:1.4.0");
        assertThat(a).isEqualTo(MigrationJob.nameFor("shop", "staging", "registry.example.com/shop:1.4.0"))
                .startsWith("shop-staging-migrate-");
        assertThat(MigrationJob.nameFor("shop", "staging", "registry.example.com/shop:1.4.1")).isNotEqualTo(a);
        assertThat(MigrationJob.nameFor("shop", "production", "registry.example.com/shop:1.4.0")).isNotEqualTo(a);
        String longName = MigrationJob.nameFor("a".repeat(63), "b".repeat(63), "img:1");
        assertThat(longName).hasSizeLessThanOrEqualTo(63);
        assertThat(KubeNames.isLabel(longName)).isTrue();
        assertThat(longName).isNotEqualTo(MigrationJob.nameFor("a".repeat(63), "b".repeat(63), "img:2"));
    }

    @Test
    void aSqlPrintingJobIsKeyedByTheImageLikeTheMigrationSoAReRunFindsItAgain() {
        List<String> print = List.of("python", "manage.py", "sqlmigrate", "shop", "0002");
        Plan p = plan(Migration.builder().command("python", "manage.py", "migrate").lint(new Lint(print, null))
                .postRollout(new PostRollout(null, List.of("python", "manage.py", "migrate", "post"), print, null)).build());
        String image = "registry.example.com/shop@sha256:" + "a".repeat(64);
        Environment env = p.environments().get(0);
        String first = MigrationJob.of(JobKind.PRINT_SQL, p, env, image, RUN, WORKSPACE).name();
        String second = MigrationJob.of(JobKind.PRINT_SQL, p, env, image, new RunIdentity("another-run", null), WORKSPACE).name();
        String printingPost = MigrationJob.of(JobKind.PRINT_POST_ROLLOUT_SQL, p, env, image, RUN, WORKSPACE).name();
        String migration = new MigrationJob(p, env, image, RUN).name();
        assertThat(first).isEqualTo(second).isNotEqualTo(migration).isNotEqualTo(printingPost);
        assertThat(MigrationJob.of(JobKind.PRINT_SQL, p, env, "registry.example.com/shop@sha256:" + "b".repeat(64), RUN, WORKSPACE)
                .name()).isNotEqualTo(first);
        // a printing changes nothing: one that failed for the image is replaced rather than reported
        assertThat(MigrationJob.of(JobKind.PRINT_SQL, p, env, image, RUN, WORKSPACE).migration().retries()).isTrue();
    }

    @Test
    void theKindOfAJobNamesItChoosesWhatItRunsAndTellsTheContainerItsPhase() {
        List<String> print = List.of("sh", "-c", "python manage.py sqlmigrate shop 0002");
        Plan p = plan(Migration.builder().command("python", "manage.py", "migrate").env(Map.of("DJANGO_SETTINGS_MODULE", "shop.settings"))
                .lint(new Lint(print, null)).postRollout(new PostRollout(null, List.of("python", "manage.py", "migrate", "post"),
                        List.of("sh", "-c", "python manage.py sqlmigrate shop 0003"), null)).build());
        Environment env = p.environments().get(0);
        MigrationJob pre = MigrationJob.of(JobKind.MIGRATION, p, env, "shop:1", RUN, WORKSPACE);
        MigrationJob post = MigrationJob.of(JobKind.POST_ROLLOUT, p, env, "shop:1", RUN, WORKSPACE);
        MigrationJob printing = MigrationJob.of(JobKind.PRINT_SQL, p, env, "shop:1", RUN, WORKSPACE);
        MigrationJob printingPost = MigrationJob.of(JobKind.PRINT_POST_ROLLOUT_SQL, p, env, "shop:1", RUN, WORKSPACE);

        assertThat(List.of(pre.name(), post.name(), printing.name(), printingPost.name())).doesNotHaveDuplicates();
        assertThat(post.name()).isEqualTo(MigrationJob.of(JobKind.POST_ROLLOUT, p, env, "shop:1", RUN, WORKSPACE).name());
        assertThat(container(pre).getCommand()).containsExactly("python", "manage.py", "migrate");
        assertThat(container(post).getCommand()).containsExactly("python", "manage.py", "migrate", "post");
        assertThat(container(printing).getCommand()).isEqualTo(print);
        assertThat(container(printingPost).getCommand()).containsExactly("sh", "-c", "python manage.py sqlmigrate shop 0003");
        assertThat(printing.migration().deletesOnCancel()).isTrue();
        assertThat(printing.manifest().getSpec().getBackoffLimit()).isZero();

        assertThat(phase(pre)).as("the migration before the rollout sets no phase").isNull();
        assertThat(phase(post)).isEqualTo("post-rollout");
        assertThat(phase(printing)).isEqualTo("print-sql");
        assertThat(container(post).getEnv()).extracting(e -> e.getName()).contains("DJANGO_SETTINGS_MODULE");
        // every kind is the same app and environment's: one slot, one lock
        assertThat(post.labels()).isEqualTo(pre.labels()).isEqualTo(MigrationJob.labels("shop", "staging"));
    }

    @Test
    void aCompatibilityCheckRunsItsCommandFromTheImageItIsGivenWithTheMigrationsSecretsUnlessItNamesItsOwn() {
        Flyway flyway = new Flyway(List.of("db/migration"), null, "image", "/app/db/migration", "shop-db", null, null, null,
                null, null, null);
        Migration m = Migration.builder().flyway(flyway).env(Map.of("MODE", "app", "REGION", "eu")).envFromSecret(List.of("shop-extra"))
                .timeout("30m").backoffLimit(3).compatibility(new io.mtd.plan.Compatibility(List.of("java", "Check.java"), "90s",
                        Map.of("MODE", "check")))
                .build();
        Plan p = plan(m);
        MigrationJob check = MigrationJob.of(JobKind.COMPATIBILITY, p, p.environments().get(0), "registry.example.com/shop:1.3.0", RUN, WORKSPACE);

        Job job = check.manifest();
        Container c = container(check);
        assertThat(check.isFlyway()).isFalse(); // the app's own image runs the check, not Flyway's
        assertThat(c.getImage()).isEqualTo("registry.example.com/shop:1.3.0");
        assertThat(c.getCommand()).containsExactly("java", "Check.java");
        assertThat(c.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
                .contains("MODE=check", "REGION=eu", JobKind.PHASE_VARIABLE + "=compatibility");
        assertThat(c.getEnvFrom()).extracting(e -> e.getSecretRef().getName()).containsExactly("shop-extra", "shop-db");
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(90L);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(check.migration().deletesOnCancel()).isTrue();
        assertThat(check.name()).isNotEqualTo(MigrationJob.of(JobKind.COMPATIBILITY, p, p.environments().get(0),
                "registry.example.com/shop:1.3.0", RUN, WORKSPACE).name()); // each run tries its own schema

        Plan own = plan(m.toBuilder().compatibility(new io.mtd.plan.Compatibility(List.of("check"), null, null, null,
                List.of(new Migration.SecretEnv("DATABASE_URL", "shop-db-readonly", "url")))).build());
        Container readOnly = container(MigrationJob.of(JobKind.COMPATIBILITY, own, own.environments().get(0), "shop:1", RUN,
                WORKSPACE));
        assertThat(readOnly.getEnvFrom()).isEmpty();
        assertThat(readOnly.getEnv()).filteredOn(e -> e.getValueFrom() != null)
                .extracting(e -> e.getValueFrom().getSecretKeyRef().getName()).containsExactly("shop-db-readonly");
    }

    @Test
    void aFlywayContractPhaseFromTheImageIsNotTakenForTheMigrationBeforeTheRollout() {
        Flyway flyway = new Flyway(List.of("db/migration"), null, "image", "/app/sql", "shop-db", null, null, null, null, null, null);
        Plan p = plan(Migration.builder().flyway(flyway).postRollout(new PostRollout(List.of("db/post"), null, null, null)).build());

        String pre = MigrationJob.of(JobKind.MIGRATION, p, p.environments().get(0), "shop:1", RUN, WORKSPACE).name();
        String post = MigrationJob.of(JobKind.POST_ROLLOUT, p, p.environments().get(0), "shop:1", RUN, WORKSPACE).name();

        assertThat(post).as("same image, no shipped scripts: the kind alone tells the two apart").isNotEqualTo(pre);
    }

    @Test
    void theFlywayContainerRunsAsANumericUserSinceTheOfficialImageRunsAsRootUnlessThePlanNamesOne() {
        Flyway flyway = new Flyway(List.of("db/migration"), null, "image", "/app/sql", "shop-db", null, null, null, null, null, null);
        Plan byDefault = plan(Migration.builder().flyway(flyway).build());
        var spec = MigrationJob.of(JobKind.MIGRATION, byDefault, byDefault.environments().get(0), "shop:1", RUN, WORKSPACE).manifest()
                .getSpec().getTemplate().getSpec();
        assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(spec.getContainers().get(0).getSecurityContext().getRunAsUser()).isEqualTo(io.mtd.flyway.FlywayJob.RUN_AS_USER);
        // the init containers copy the scripts out of the application image: as its own user
        assertThat(spec.getInitContainers()).isNotEmpty().allSatisfy(c -> assertThat(c.getSecurityContext().getRunAsUser()).isNull());

        Plan named = plan(Migration.builder().flyway(flyway)
                .podSecurity(new Migration.PodSecurity(null, 2000L, null, null, null, null, null)).build());
        var namedSpec = MigrationJob.of(JobKind.MIGRATION, named, named.environments().get(0), "shop:1", RUN, WORKSPACE).manifest()
                .getSpec().getTemplate().getSpec();
        assertThat(namedSpec.getSecurityContext().getRunAsUser()).isEqualTo(2000L);
        assertThat(namedSpec.getContainers().get(0).getSecurityContext().getRunAsUser()).isNull();
        // a command migration runs the application image as its own user
        assertThat(container(new MigrationJob(plan(command("migrate")), plan(command("migrate")).environments().get(0), "shop:1", RUN))
                .getSecurityContext().getRunAsUser()).isNull();
    }

    private static Container container(MigrationJob job) {
        return job.manifest().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static String phase(MigrationJob job) {
        return container(job).getEnv().stream().filter(e -> e.getName().equals(JobKind.PHASE_VARIABLE))
                .map(e -> e.getValue()).findFirst().orElse(null);
    }

    @Test
    void manifestRunsTheImageOnceWithDeadlineTtlLabelsAndIdentity() {
        Migration m = Migration.builder().command("python", "manage.py", "migrate")
                .env(Map.of("DJANGO_SETTINGS_MODULE", "shop.settings")).envFromSecret(List.of("shop-db"))
                .envFromConfigMap(List.of("shop-config")).secretEnv(List.of(new Migration.SecretEnv("API_KEY", "shop-keys", "api")))
                .timeout("10m").ttlAfterFinished("2h").serviceAccount("shop-migrator")
                .resources(new Migration.Resources("250m", "256Mi", null, null)).build();
        Job job = new MigrationJob(plan(m), plan(m).environments().get(0), "registry.example.com/shop@sha256:" + "a".repeat(64), RUN)
                .manifest();

        assertThat(job.getMetadata().getNamespace()).isEqualTo("shop-staging");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(7200);
        assertThat(job.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "migrate-then-deploy")
                .containsEntry("app.kubernetes.io/name", "shop").containsEntry("app.kubernetes.io/component", "migration");
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(job.getMetadata().getLabels());
        assertThat(job.getMetadata().getAnnotations())
                .containsEntry("migrate-then-deploy.io/run-id", "shop-deploy#42")
                .containsEntry("migrate-then-deploy.io/run-url", "https://ci.example.com/job/shop/42/")
                .containsEntry("migrate-then-deploy.io/environment", "staging")
                .containsEntry("migrate-then-deploy.io/image", "registry.example.com/shop@sha256:" + "a".repeat(64));
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("shop-migrator");

        Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).endsWith("@sha256:" + "a".repeat(64));
        assertThat(c.getCommand()).containsExactly("python", "manage.py", "migrate");
        assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("DJANGO_SETTINGS_MODULE"));
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("API_KEY");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-keys");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("api");
        });
        assertThat(c.getEnvFrom()).hasSize(2);
        assertThat(c.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("shop-db");
        assertThat(c.getEnvFrom().get(1).getConfigMapRef().getName()).isEqualTo("shop-config");
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("256Mi");
    }

    @Test
    void restrictedPodSecurityByDefaultAndOverridable() {
        Job restricted = new MigrationJob(plan(command("migrate")), plan(command("migrate")).environments().get(0), "shop:1", RUN).manifest();
        var pod = restricted.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var sc = pod.getContainers().get(0).getSecurityContext();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");

        Migration relaxed = Migration.builder().command("migrate")
                .podSecurity(new Migration.PodSecurity(false, 0L, null, null, true, false, "Unconfined")).build();
        var pod2 = new MigrationJob(plan(relaxed), plan(relaxed).environments().get(0), "shop:1", RUN).manifest()
                .getSpec().getTemplate().getSpec();
        assertThat(pod2.getSecurityContext().getRunAsNonRoot()).isFalse();
        assertThat(pod2.getSecurityContext().getRunAsUser()).isZero();
        assertThat(pod2.getSecurityContext().getSeccompProfile().getType()).isEqualTo("Unconfined");
        assertThat(pod2.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(pod2.getContainers().get(0).getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(pod2.getContainers().get(0).getSecurityContext().getCapabilities()).isNull();
    }
}

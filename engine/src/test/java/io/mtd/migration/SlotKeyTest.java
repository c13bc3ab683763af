package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.promotion.RunIdentity;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slot's key is what is migrated: the same for two apps on one database, different for two databases. */
class SlotKeyTest {

    private static final Environment STAGING = Environment.of("staging", "shop-staging", List.of());

    private static Plan plan(String app, Migration m) {
        return new Plan(app, app + ":1", null, m, null, List.of(STAGING));
    }

    private static Migration command(Migration.Builder b) {
        return b.command("python", "manage.py", "migrate").build();
    }

    @Test
    void twoAppsReadingOneSecretShareTheKeyWhateverElseTheyRead() {
        SlotKey web = SlotKey.of(plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db")))), STAGING);
        SlotKey worker = SlotKey.of(plan("shop-worker", command(Migration.builder()
                .secretEnv(List.of(new Migration.SecretEnv("DATABASE_URL", "shop-db", "url")))
                .envFromConfigMap(List.of("worker-settings")))), STAGING);

        assertThat(worker).isEqualTo(web);
        assertThat(web.value()).isEqualTo("shop-staging/secret/shop-db");
        assertThat(web.origin()).contains("secret/shop-db", "shop-staging");
        assertThat(web.leaseNamespace()).isEqualTo("shop-staging");
        assertThat(web.leaseName()).isEqualTo(web.label()).startsWith("shop-db-slot-");
        assertThat(KubeNames.isLabel(web.label())).isTrue();
    }

    @Test
    void anotherSecretOrNamespaceIsAnotherKeyAndTheKeyTheyNameIsOneKey() {
        SlotKey shop = SlotKey.of(plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db")))), STAGING);
        SlotKey orders = SlotKey.of(plan("orders", command(Migration.builder().envFromSecret(List.of("orders-db")))), STAGING);
        SlotKey production = SlotKey.of(plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db")))),
                Environment.of("production", "shop", List.of()));
        assertThat(orders).isNotEqualTo(shop);
        assertThat(production.value()).isNotEqualTo(shop.value());

        Migration.Lock named = new Migration.Lock(null, null, "orders-db", "db-locks");
        SlotKey a = SlotKey.of(plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db")).lock(named))), STAGING);
        SlotKey b = SlotKey.of(plan("billing", command(Migration.builder().envFromSecret(List.of("billing-db")).lock(named))),
                Environment.of("staging", "billing-staging", List.of()));
        assertThat(a.value()).isEqualTo(b.value()).isEqualTo("orders-db");
        assertThat(a.leaseName()).isEqualTo(b.leaseName());
        assertThat(a.leaseNamespace()).isEqualTo(b.leaseNamespace()).isEqualTo("db-locks");
        assertThat(a.describe()).contains("'orders-db'", "migration.lock.key", "namespace db-locks");
    }

    @Test
    void flywayIsKeyedByItsUrlSecretAndHistoryTableAndPlainEnvironmentByTheApp() {
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null);
        Flyway other = new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, "history_2");
        SlotKey one = SlotKey.of(plan("shop", Migration.builder().flyway(flyway).build()), STAGING);
        SlotKey two = SlotKey.of(plan("shop", Migration.builder().flyway(other).build()), STAGING);
        assertThat(one.value()).isEqualTo("shop-staging/secret/shop-db#flyway_schema_history");
        assertThat(two).isNotEqualTo(one);

        SlotKey plain = SlotKey.of(plan("shop", command(Migration.builder())), STAGING);
        assertThat(plain.value()).isEqualTo("shop-staging/app/shop");
        assertThat(plain.origin()).contains("migration.lock.key");
    }

    @Test
    void everyKindOfJobOfAPlanIsInItsSlotAndAnEarlierVersionsJobIsKeyedByItsSpec() {
        Plan p = plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db"))));
        SlotKey key = SlotKey.of(p, STAGING);
        RunIdentity run = new RunIdentity("run-1", null);
        for (JobKind kind : JobKind.values()) {
            if (kind != JobKind.MIGRATION && kind != JobKind.PRINT_SQL) {
                continue; // the others need a post-rollout phase, a check, snapshots or a backup in the plan
            }
            Job job = MigrationJob.of(kind, p, STAGING, "shop:1", run, null).manifest();
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.SLOT, key.label());
            assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.SLOT, key.label());
            assertThat(job.getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_SLOT_KEY, key.value());
            assertThat(job.getSpec().getSuspend()).as("created suspended").isTrue();
            assertThat(key.keys(job.getMetadata(), job.getSpec().getTemplate().getSpec())).isTrue();
        }

        // a Job of another app, made before Jobs carried their slot: keyed from the Secrets its Pod reads
        Job earlier = new MigrationJob(plan("shop-worker", command(Migration.builder().envFromSecret(List.of("shop-db")))), STAGING,
                "worker:1", run).manifest();
        earlier.getMetadata().getLabels().remove(Labels.SLOT);
        earlier.getMetadata().setNamespace("shop-staging");
        assertThat(key.keys(earlier.getMetadata(), earlier.getSpec().getTemplate().getSpec())).isTrue();
        Job elsewhere = new MigrationJob(plan("orders", command(Migration.builder().envFromSecret(List.of("orders-db")))), STAGING,
                "orders:1", run).manifest();
        assertThat(key.keys(elsewhere.getMetadata(), elsewhere.getSpec().getTemplate().getSpec())).isFalse();
    }

    @Test
    void aReRunIsTheNextAttemptOfTheSameReleaseWithANameOfItsOwn() {
        Plan p = plan("shop", command(Migration.builder().envFromSecret(List.of("shop-db"))));
        MigrationJob first = new MigrationJob(p, STAGING, "shop:1", new RunIdentity("run-1", null));
        MigrationJob second = first.attempt(2);

        assertThat(first.name()).isEqualTo(MigrationJob.nameFor("shop", "staging", "shop:1")).isEqualTo(first.release());
        assertThat(second.name()).isNotEqualTo(first.name()).contains("-migrate-2-");
        assertThat(KubeNames.isLabel(second.name())).isTrue();
        assertThat(second.release()).isEqualTo(first.release());
        assertThat(second.manifest().getMetadata().getLabels()).containsEntry(Labels.RELEASE, first.name());
        assertThat(second.manifest().getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_ATTEMPT, "2");
        assertThat(SlotClaim.attemptOf(second.manifest())).isEqualTo(2);
        assertThat(SlotClaim.attemptOf(first.manifest())).isEqualTo(1);
    }
}

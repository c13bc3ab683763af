package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Clients and watches shared across engines: one per cluster and credential, closed with the last engine using them. */
@ExtendWith(SandboxExtension.class)
class ClusterPoolTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
    }

    @AfterAll
    static void stop() {
    }

    /** Connects to the sandbox, keyed by the namespace only: every environment and run "uses the same credential". */
    private static final class CountingConnector implements ClusterConnector {
        final AtomicInteger connections = new AtomicInteger();

        @Override
        public KubernetesClient connect(Environment environment) {
            connections.incrementAndGet();
            return cluster.sandbox.client();
        }

        @Override
        public Object key(Environment environment) {
            return "sandbox-admin";
        }
    }

    private static MigrateThenDeploy engine(ClusterPool pool, ClusterConnector connector, String runId) {
        return MigrateThenDeploy.builder().clusterPool(pool).clusters(connector).listener(new RecordingListener())
                .identity(new RunIdentity(runId, null)).build();
    }

    @Test
    void twoEnginesWaitingInOneNamespaceShareOneClientAndOneWatchClosedAfterTheLastEngine() throws Exception {
        Path release = dir.resolve("release");
        String waitForRelease = "echo waiting; while [ ! -f " + release + " ]; do sleep 0.1; done";
        // two apps, so that neither waits for the other's lock
        // the later engine's run trusts the Job record: it skips the migration done for the image
        Plan shop = SandboxFixture.trustingJobRecord(SandboxFixture.plan("shop:1", waitForRelease, "pool"));
        Plan cart = new Plan("cart", "cart:1", null, shop.migration(), null, shop.environments());
        CountingConnector connector = new CountingConnector();
        try (ClusterPool pool = new ClusterPool()) {
            MigrateThenDeploy first = engine(pool, connector, "build-1");
            MigrateThenDeploy second = engine(pool, connector, "build-2");
            MigrateThenDeploy.Run a = first.start(shop);
            MigrateThenDeploy.Run b = second.start(cart);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    cluster.jobs("pool").size() == 2);

            assertThat(connector.connections).hasValue(1);
            assertThat(pool.clients()).isOne();
            assertThat(pool.watches()).isOne();

            Files.writeString(release, "go");
            RunReport ra = a.report().orTimeout(60, TimeUnit.SECONDS).join();
            RunReport rb = b.report().orTimeout(60, TimeUnit.SECONDS).join();
            assertThat(ra.outcome()).as(String.valueOf(ra.failure())).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(rb.outcome()).as(String.valueOf(rb.failure())).isEqualTo(RunOutcome.SUCCEEDED);

            first.close();
            assertThat(pool.clients()).as("the second engine still uses the client").isOne();
            second.close();
            assertThat(pool.clients()).as("closed when unused").isZero();
            assertThat(pool.watches()).isZero();

            // a later engine connects afresh
            try (MigrateThenDeploy third = engine(pool, connector, "build-3")) {
                assertThat(third.startMigration(shop, "pool").report().orTimeout(60, TimeUnit.SECONDS).join()
                        .environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
                assertThat(connector.connections).hasValue(2);
            }
        }
    }

    @Test
    void differentKeysGetDifferentClientsAndAClosedLeaseIsRefused() {
        ClusterConnector byName = new ClusterConnector() {
            @Override
            public KubernetesClient connect(Environment environment) {
                return cluster.sandbox.client();
            }

            @Override
            public Object key(Environment environment) {
                return environment.name();
            }
        };
        try (ClusterPool pool = new ClusterPool()) {
            ClusterPool.Share share = pool.share();
            KubernetesClient staging = share.client(byName, Environment.of("staging", "s", List.of()));
            KubernetesClient again = share.client(byName, Environment.of("staging", "other", List.of()));
            KubernetesClient production = share.client(byName, Environment.of("production", "p", List.of()));

            assertThat(again).isSameAs(staging);
            assertThat(production).isNotSameAs(staging);
            assertThat(pool.clients()).isEqualTo(2);
            assertThatThrownBy(() -> pool.share().watch(staging, "s")).isInstanceOf(IllegalArgumentException.class);

            share.close();
            assertThat(pool.clients()).isZero();
            assertThatThrownBy(() -> share.client(byName, Environment.of("staging", "s", List.of())))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}

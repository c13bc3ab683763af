package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.report.RunOutcome;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Releases under traffic: the Django example served by gunicorn behind a sandbox Service takes a seeded, low-rate load
 * of reads and writes on 127.0.0.1 while its release sequence ({@code examples/django/releases}) goes through staging
 * and production: the expand (1.1.0), the read of the new column (1.2.0) and the contract (1.3.0, the old column dropped
 * after the rollout) lose no request, each checked by the expand/contract lint as a user's run is; the unsafe one-step
 * rename (1.4.0) is vetoed by the lint before staging's database is touched, still losing no request. Needs Debian's python3-django, python3-psycopg2 and
 * python3-gunicorn (.ci/run installs them); skipped, saying why, elsewhere.
 */
class DjangoTrafficTest {

    private static final long SEED = Long.getLong("mtd.traffic.seed", 26L);
    private static final int PER_SECOND = 10;

    @TempDir
    static Path versions;

    private static DjangoReleases releases;

    @BeforeAll
    static void start() {
        releases = DjangoReleases.startOrSkip(versions, "the Django traffic test", "gunicorn");
    }

    @AfterAll
    static void stop() {
        if (releases != null) {
            releases.close();
        }
    }

    @Test
    void theSafeReleaseSequenceUnderLoadLosesNoRequestAndTheUnsafeRenameStopsOnStaging() throws InterruptedException {
        List<String> images = DjangoReleases.SEQUENCE.stream().map(releases::sequenceVersion).toList();
        String contract = images.get(DjangoReleases.SEQUENCE.indexOf(DjangoReleases.CONTRACT));
        DjangoReleases.Site site = releases.servingSite("traffic");
        InetSocketAddress production = releases.serviceAddress(site, "production");
        awaitServing(production);

        OrdersLoad load = OrdersLoad.start(production, PER_SECOND, SEED, Duration.ofMinutes(8));
        List<DjangoReleases.Released> runs = new ArrayList<>();
        List<Long> marks = new ArrayList<>();
        OrdersLoad.Summary seen;
        try {
            Thread.sleep(1000); // traffic on the old version first
            for (int i = 0; i < images.size(); i++) {
                marks.add(System.nanoTime());
                runs.add(releases.release(site, images.get(i), DjangoReleases.sequenceMigration(DjangoReleases.SEQUENCE.get(i))));
            }
            marks.add(System.nanoTime());
            Thread.sleep(1000); // and on what serves after
        } finally {
            seen = load.stop();
        }

        for (int i = 0; i < 3; i++) {
            assertThat(runs.get(i).report().outcome()).as(runs.get(i).log()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(seen.failures()).as("seed %d: %s", SEED, seen).isEmpty();
        for (int i = 0; i < runs.size(); i++) {
            System.out.println("DjangoTrafficTest seed " + SEED + " " + images.get(i) + ": "
                    + seen.between(marks.get(i), marks.get(i + 1)));
        }
        // the load saw 1.0.0, then 1.1.0 (both columns), then 1.2.0 and 1.3.0 (the new column only): it spanned every rollout
        assertThat(seen.fieldSets()).as(seen.toString()).containsExactly("created_at,customer,id,status",
                "created_at,customer,customer_name,id,status", "created_at,customer_name,id,status");
        assertThat(seen.between(marks.get(0), marks.get(1)).requests()).as("load during the expand").hasSizeGreaterThan(PER_SECOND);

        // the contract dropped the old column after the rollout; every order the load created is there, with its customer
        assertThat(releases.columns(site, "production", "orders_order")).contains("customer_name").doesNotContain("customer");
        long created = seen.requests().stream().filter(r -> r.method().equals("POST")).count();
        assertThat(releases.rows(site, "production", "orders_order")).isEqualTo((int) created);

        // the unsafe rename: the lint vetoed it (exit 9) before any migration ran, on staging or in production
        DjangoReleases.Released unsafe = runs.get(3);
        assertThat(unsafe.report().outcome()).as(unsafe.log()).isEqualTo(RunOutcome.VETOED);
        assertThat(unsafe.log()).contains("rename");
        for (String env : List.of("staging", "production")) {
            assertThat(releases.deployed(site, env)).isEqualTo(contract);
            assertThat(releases.applied(site, env)).last().isEqualTo("orders.0006_remove_order_customer");
            assertThat(releases.columns(site, env, "orders_order")).contains("customer_name").doesNotContain("buyer");
        }
    }

    /** Until the Service answers (its endpoints follow the Pods' readiness a moment later), at most 30 s. */
    private static void awaitServing(InetSocketAddress service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last;
        while ((last = OrdersLoad.probe(service)) != null) {
            assertThat(System.nanoTime()).as("orders-web never answered: %s", last).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}

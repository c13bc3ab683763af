package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.report.RunOutcome;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release under traffic: the Django example served by gunicorn behind a sandbox Service takes a seeded, low-rate load
 * of reads and writes on 127.0.0.1 while a safe expand release (a nullable column, 0003_order_note) migrates staging and
 * production and rolls out behind their migrations, and no request fails. Needs Debian's python3-django,
 * python3-psycopg2 and python3-gunicorn (.ci/run installs them); skipped, saying why, elsewhere.
 */
class DjangoTrafficTest {

    private static final Path RELEASES = Path.of("src", "test", "resources", "django-releases");
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
    void aSafeExpandReleaseUnderLoadLosesNoRequest() throws InterruptedException {
        String image = releases.version("1.1.0-safe", RELEASES.resolve("safe"));
        DjangoReleases.Site site = releases.servingSite("traffic");
        InetSocketAddress production = releases.serviceAddress(site, "production");
        awaitServing(production);

        OrdersLoad load = OrdersLoad.start(production, PER_SECOND, SEED, Duration.ofMinutes(4));
        DjangoReleases.Released run;
        OrdersLoad.Summary seen;
        try {
            Thread.sleep(1000); // traffic on the old version first
            run = releases.release(site, image, UnaryOperator.identity());
            Thread.sleep(1000); // and on the new one after
        } finally {
            seen = load.stop();
        }

        assertThat(run.report().outcome()).as(run.log()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(seen.failures()).as("seed %d: %s", SEED, seen).isEmpty();
        assertThat(seen.requests()).as(seen.toString()).hasSizeGreaterThan(2 * PER_SECOND);
        // the load saw 1.0.0 answer, then 1.1.0 (its model lists the new column): it spanned the whole rollout
        assertThat(seen.fieldSets()).as(seen.toString()).containsExactly("created_at,customer,id,status", "created_at,customer,id,note,status");
        long created = seen.requests().stream().filter(r -> r.method().equals("POST")).count();
        assertThat(releases.rows(site, "production", "orders_order")).isEqualTo((int) created);
        System.out.println("DjangoTrafficTest seed " + SEED + ": " + seen);
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

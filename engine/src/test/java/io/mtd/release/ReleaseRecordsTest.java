package io.mtd.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The release record on a real (sandbox) API server: every write is a compare-and-swap on the ConfigMap's
 * resourceVersion, so concurrent runs get distinct places and never move the record backwards.
 */
@ExtendWith(SandboxExtension.class)
class ReleaseRecordsTest {

    private static SandboxFixture cluster;
    private static final ExecutorService API = Executors.newFixedThreadPool(8);
    private static final ReleaseRecords RECORDS = new ReleaseRecords(API, Clock.systemUTC());

    @AfterAll
    static void stop() {
        API.shutdownNow();
    }

    private static Release release(String run, RunOrder order, Release.State state) {
        return new Release("shop:" + run, run, null, order, null, state, false);
    }

    @Test
    void runsStartingAtOnceGetDistinctConsecutivePlacesAndARunAskingAgainGetsItsOwn() {
        Environment staging = Environment.of("staging", "order-staging", List.of());
        int runs = 24;
        List<CompletableFuture<RunOrder>> orders = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            orders.add(RECORDS.order(cluster.client, "shop", staging, "run-" + i));
        }
        List<Long> numbers = orders.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join().number()).sorted().toList();
        assertThat(numbers).containsExactlyElementsOf(LongStream.rangeClosed(1, runs).boxed().toList());
        assertThat(orders.get(0).join().origin()).isEqualTo("staging/order-staging");

        // a Jenkins build's later step, or the build resumed: one run, one place
        long first = orders.get(5).join().number();
        assertThat(RECORDS.order(cluster.client, "shop", staging, "run-5").join().number()).isEqualTo(first);
        assertThat(RECORDS.order(cluster.client, "shop", staging, "run-new").join().number()).isEqualTo(runs + 1);

        ConfigMap cm = cluster.client.configMaps().inNamespace("order-staging").withName(ReleaseRecords.name("shop", "staging")).get();
        assertThat(cm.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.MANAGER)
                .containsEntry(Labels.COMPONENT, ReleaseRecords.COMPONENT).containsEntry(Labels.ENVIRONMENT, "staging");
    }

    @Test
    void theCounterRemembersABoundedNumberOfRunsAndAForgottenOneGetsALaterPlaceNeverAnEarlierOne() {
        Environment staging = Environment.of("staging", "order-bound", List.of());
        long first = RECORDS.order(cluster.client, "shop", staging, "oldest").join().number();
        for (int i = 0; i < ReleaseRecords.REMEMBERED_RUNS; i++) {
            RECORDS.order(cluster.client, "shop", staging, "run-" + i).join();
        }
        assertThat(RECORDS.order(cluster.client, "shop", staging, "oldest").join().number()).isGreaterThan(first);
    }

    @Test
    void concurrentEntriesNeverMoveTheRecordBackwardsAndTheNewestAlwaysEndsThere() {
        Environment production = Environment.of("production", "record-race", List.of());
        Random random = new Random(24);
        for (int round = 0; round < 5; round++) {
            List<RunOrder> orders = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                orders.add(new RunOrder(round * 100L + i + 1, "staging/x"));
            }
            java.util.Collections.shuffle(orders, random);
            List<CompletableFuture<Passage>> entered = new ArrayList<>();
            for (RunOrder o : orders) {
                entered.add(RECORDS.enter(cluster.client, "shop", production, release("run-" + o.number(), o, Release.State.MIGRATING),
                        false));
            }
            CompletableFuture.allOf(entered.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
            Release now = RECORDS.read(cluster.client, "shop", production).join();
            long newest = orders.stream().mapToLong(RunOrder::number).max().orElseThrow();
            assertThat(now.order().number()).isEqualTo(newest);
            for (int i = 0; i < orders.size(); i++) {
                Passage p = entered.get(i).join();
                // a run that passed found only older ones; one that did not was passed by a newer one
                if (p.passes()) {
                    assertThat(p.before() == null || p.before().order().before(orders.get(i))).isTrue();
                } else {
                    assertThat(p.before().order().after(orders.get(i))).isTrue();
                }
            }
        }
    }

    @Test
    void aSettledStateIsWrittenOnlyWhileTheRecordIsStillTheRunsOwn() {
        Environment production = Environment.of("production", "record-settle", List.of());
        Release a = release("run-a", new RunOrder(1, "staging/x"), Release.State.ROLLING_OUT);
        Release b = release("run-b", new RunOrder(2, "staging/x"), Release.State.MIGRATING);
        assertThat(RECORDS.enter(cluster.client, "shop", production, a, false).join().passes()).isTrue();
        assertThat(RECORDS.enter(cluster.client, "shop", production, b, false).join().passes()).isTrue();

        Release after = RECORDS.settle(cluster.client, "shop", production, a.in(Release.State.ROLLED_OUT)).join();

        assertThat(after).isEqualTo(b);
        assertThat(RECORDS.read(cluster.client, "shop", production).join()).isEqualTo(b);
        assertThat(RECORDS.enter(cluster.client, "shop", production, a, false).join().verdict()).isEqualTo(Passage.Verdict.SUPERSEDED);
    }
}

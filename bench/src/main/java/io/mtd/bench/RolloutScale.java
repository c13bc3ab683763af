package io.mtd.bench;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.DeploymentWatches;
import io.mtd.plan.Environment;
import io.mtd.plan.Rollout;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.report.RolloutReport;
import io.mtd.rollout.RolloutStage;
import io.mtd.rollout.RolloutStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Measure 3b: what waiting on many Deployment rollouts at once costs one engine, beside the migrations' figures: live
 * threads, heap after GC, watch connections. Every Deployment has one Ready replica; the rollout's new image never
 * becomes Ready (the sandbox kubelet's {@code NEVER_READY} fault), so each waits until the measurement cancels it.
 *
 * <p>It drives the engine's rollout stage directly, with the scheduler and shared watches the engine gives it, so that
 * no migration runs first: {@code MigrateThenDeploy} composes the same objects.
 */
final class RolloutScale {

    static final String NAMESPACE = "rollouts";
    private static final String OLD = "bench/web:1";
    private static final String NEVER_READY = "bench/web-never-ready:2";
    private static final Pattern PROGRESS = Pattern.compile("[^:]+: \\d+/\\d+ updated.*");

    /** One size: as {@link Scale.Row}, without latencies (these rollouts never complete). */
    record Row(int waits, int threadsBefore, int threadsWaiting, long heapBeforeBytes, long heapWaitingBytes,
            int engineWatchConnections, int sandboxWatchesOpened, double millisUntilAllWaiting,
            Map<String, Integer> threadsAdded, int engineBacklog) {

        long heapPerWaitBytes() {
            return Math.max(0, heapWaitingBytes - heapBeforeBytes) / waits;
        }
    }

    private final Setup setup;

    RolloutScale(Setup setup) {
        this.setup = setup;
    }

    List<Row> run(int engineThreads, int... sizes) throws Exception {
        setup.sandbox().injectFault("bench/web-never-ready", "NEVER_READY");
        int watchesBefore = setup.sandbox().watchesOpened();
        ExecutorService creators = Scale.creators("bench-deployment-creator");
        ScheduledThreadPoolExecutor scheduler = Scale.engineScheduler(engineThreads);
        List<Row> rows = new ArrayList<>();
        try (KubernetesClient client = setup.sandbox().client(); DeploymentWatches watches = new DeploymentWatches()) {
            RolloutStage stage = new RolloutStage(scheduler, watches);
            for (int size : sizes) {
                rows.add(size(stage, client, watches, scheduler, size, watchesBefore, creators));
            }
        } finally {
            creators.shutdownNow();
            scheduler.shutdownNow();
        }
        return rows;
    }

    private Row size(RolloutStage stage, KubernetesClient client, DeploymentWatches watches, ScheduledThreadPoolExecutor scheduler,
            int n, int watchesBefore, ExecutorService creators) throws Exception {
        List<String> names = new ArrayList<>();
        List<Future<?>> created = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "web-" + n + "-" + i;
            names.add(name);
            created.add(creators.submit(() -> create(name)));
        }
        for (Future<?> f : created) {
            f.get(2, TimeUnit.MINUTES);
        }
        awaitAvailable(names);

        Map<String, Integer> namesBefore = Scale.threadNames();
        int threadsBefore = Scale.liveThreads();
        long heapBefore = Scale.heapAfterGc();
        Set<String> waiting = ConcurrentHashMap.newKeySet();
        CountDownLatch allWaiting = new CountDownLatch(n);
        // a progress note comes from the waiter once the shared watch shows it the Deployment
        ProgressListener listener = event -> {
            if (event instanceof ProgressEvent.Note note && PROGRESS.matcher(note.message()).matches()) {
                String deployment = note.message().substring(0, note.message().indexOf(':'));
                if (waiting.add(deployment)) {
                    allWaiting.countDown();
                }
            }
        };
        Rollout settings = new Rollout("30m", false, null, null);
        List<CompletableFuture<RolloutReport>> rollouts = new ArrayList<>();
        long start = System.nanoTime();
        for (String name : names) {
            rollouts.add(stage.roll(client, Environment.of("bench", NAMESPACE, List.of(name)), NEVER_READY, settings, listener));
        }
        if (!allWaiting.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (n - allWaiting.getCount()) + " of " + n + " rollouts waited within 5 minutes");
        }
        double untilWaiting = Percentiles.millisBetween(start, System.nanoTime());
        Thread.sleep(100);
        int threadsWaiting = Scale.liveThreads();
        Map<String, Integer> added = Scale.threadsAdded(namesBefore);
        long heapWaiting = Scale.heapAfterGc();
        int backlog = Scale.overdueTasks(scheduler);
        Row row = new Row(n, threadsBefore, threadsWaiting, heapBefore, heapWaiting, watches.watchConnections(),
                setup.sandbox().watchesOpened() - watchesBefore, untilWaiting, added, backlog);

        for (CompletableFuture<RolloutReport> r : rollouts) {
            if (r.isDone()) {
                throw new IllegalStateException("a rollout to an image that never becomes Ready ended: " + r.join().reason());
            }
            r.cancel(false);
        }
        client.apps().deployments().inNamespace(NAMESPACE).delete();
        return row;
    }

    private void create(String name) {
        setup.client().apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(OLD).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    private void awaitAvailable(List<String> names) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        Set<String> wanted = Set.copyOf(names);
        while (System.nanoTime() < until) {
            long available = setup.client().apps().deployments().inNamespace(NAMESPACE).list().getItems().stream()
                    .filter(d -> wanted.contains(d.getMetadata().getName()))
                    .filter(RolloutStatus::isComplete)
                    .count();
            if (available == names.size()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the " + names.size() + " Deployments did not all become available within 5 minutes");
    }
}

package io.mtd;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.concurrent.DaemonThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/**
 * An engine on the sandbox that can die as a killed process does ({@link #kill}): no close, no lock released, no
 * Job deleted; its API access, its timers (lease renewals, start windows) and its watches stop at once. Its own client,
 * scheduler and API pool, so that nothing of another engine dies with it.
 */
public final class KillableEngine implements AutoCloseable {

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, DaemonThreads.factory("killable"));
    private final ExecutorService api = Executors.newFixedThreadPool(4, DaemonThreads.factory("killable-api"));
    private final KubernetesClient client;
    private final MigrateThenDeploy engine;
    private volatile long killedAt = -1;

    public KillableEngine(SandboxFixture cluster, RecordingListener listener, String runId) {
        this(cluster, listener, runId, b -> b);
    }

    /** @param settings more settings of the engine (a clock, a ticker) */
    public KillableEngine(SandboxFixture cluster, RecordingListener listener, String runId,
            UnaryOperator<MigrateThenDeploy.Builder> settings) {
        this.client = new KubernetesClientBuilder().withConfig(cluster.sandbox.config()).build();
        this.engine = settings.apply(cluster.builder(listener, runId).clusters(env -> client).scheduler(scheduler).api(api)).build();
    }

    public MigrateThenDeploy engine() {
        return engine;
    }

    /** The process dies: from now on it sends no request, renews nothing and watches nothing. */
    public void kill() {
        if (killedAt < 0) {
            killedAt = System.nanoTime();
        }
        scheduler.shutdownNow();
        api.shutdownNow();
        client.close();
    }

    /** When it was killed ({@link System#nanoTime()}), or -1 while it lives. */
    public long killedAt() {
        return killedAt;
    }

    /** Gives back what a killed engine still holds in this JVM (a real killed process holds nothing). */
    @Override
    public void close() {
        kill();
        engine.close();
    }
}

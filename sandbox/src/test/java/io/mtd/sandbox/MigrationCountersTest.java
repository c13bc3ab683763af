package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationCountersTest {

    private final MigrationCounters counters = new MigrationCounters();

    private static Pod migration(String name, String app, String environment) {
        return new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of(
                "app.kubernetes.io/component", "migration", "app.kubernetes.io/managed-by", "migrate-then-deploy",
                "app.kubernetes.io/name", app, "migrate-then-deploy.io/environment", environment)).endMetadata().build();
    }

    @Test
    void migrationsRunningAtOnceArePeakedPerAppAndEnvironment() {
        Runnable first = counters.started(migration("m-1", "shop", "staging"), "shop:1");
        Runnable second = counters.started(migration("m-2", "shop", "staging"), "shop:1");
        Runnable other = counters.started(migration("m-3", "shop", "production"), "shop:1");
        assertThat(counters.running("shop", "staging")).isEqualTo(2);

        first.run();
        second.run();
        Runnable third = counters.started(migration("m-4", "shop", "staging"), "shop:2");

        assertThat(counters.max("shop", "staging")).isEqualTo(2);
        assertThat(counters.running("shop", "staging")).isEqualTo(1);
        assertThat(counters.max("shop", "production")).isEqualTo(1);
        assertThat(counters.starts("shop:1")).isEqualTo(3);
        assertThat(counters.starts("shop:2")).isEqualTo(1);
        assertThat(counters.history("shop", "staging")).hasSize(5)
                .element(0).asString().contains("+m-1 (1 running)");
        assertThat(counters.history("shop", "staging").get(2)).contains("-m-1");
        other.run();
        third.run();
        assertThat(counters.running("shop", "production")).isZero();
    }

    @Test
    void podsThatAreNoMigrationAreNotCounted() {
        Pod web = new PodBuilder().withNewMetadata().withName("web-1").withLabels(Map.of("app", "web")).endMetadata().build();

        counters.started(web, "shop:1").run();

        assertThat(counters.starts("shop:1")).isZero();
        assertThat(counters.max("shop", "staging")).isZero();
        assertThat(counters.history("shop", "staging")).isEmpty();
    }

    @Test
    void migrationsOfEveryAppInANamespaceArePeakedTogetherAndEachStartIsLogged() {
        Pod web = migration("web-1", "shop", "staging");
        web.getMetadata().setNamespace("shop");
        web.getMetadata().getLabels().put("job-name", "shop-job");
        Pod worker = migration("worker-1", "shop-worker", "staging");
        worker.getMetadata().setNamespace("shop");
        Pod elsewhere = migration("other-1", "shop", "staging");
        elsewhere.getMetadata().setNamespace("other");

        Runnable a = counters.started(web, "shop:1");
        Runnable b = counters.started(worker, "worker:1");
        counters.started(elsewhere, "shop:1");
        a.run();

        assertThat(counters.maxIn("shop")).as("two apps, one namespace").isEqualTo(2);
        assertThat(counters.runningIn("shop")).isEqualTo(1);
        assertThat(counters.maxIn("other")).isEqualTo(1);
        assertThat(counters.max("shop", "staging")).as("per app: shop's in both namespaces").isEqualTo(2);
        assertThat(counters.log()).extracting(SandboxKubelet.ContainerStart::pod).containsExactly("web-1", "worker-1", "other-1");
        assertThat(counters.log().get(0).job()).isEqualTo("shop-job");
        assertThat(counters.log().get(0).nanos()).isLessThanOrEqualTo(counters.log().get(1).nanos());
        b.run();
        assertThat(counters.historyIn("shop")).hasSize(4);
    }
}

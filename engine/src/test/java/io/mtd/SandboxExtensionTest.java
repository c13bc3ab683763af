package io.mtd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sandbox fixture of whole-run suites: one cluster per class, in its static field and in any parameter asking for it. */
@ExtendWith(SandboxExtension.class)
class SandboxExtensionTest {

    private static SandboxFixture cluster;
    private static final AtomicReference<SandboxFixture> seenBeforeAll = new AtomicReference<>();

    @BeforeAll
    static void start(SandboxFixture fixture) {
        seenBeforeAll.set(fixture);
    }

    @AfterAll
    static void stillOpenAfterTheTests() {
        assertThat(cluster.client.namespaces().list()).isNotNull();
    }

    @Test
    void theStaticFieldHoldsTheClassesClusterBeforeAnyTestRuns() {
        assertThat(cluster).isNotNull().isSameAs(seenBeforeAll.get());
        assertThat(cluster.client.namespaces().list()).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void everyTestOfTheClassGetsTheSameCluster(int invocation, SandboxFixture fixture) {
        assertThat(fixture).isSameAs(cluster);
    }
}

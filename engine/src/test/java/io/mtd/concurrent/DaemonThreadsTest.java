package io.mtd.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void aPluginsThreadsAreNumberedDaemonsWithItsClassLoader() throws Exception {
        try (URLClassLoader plugins = new URLClassLoader(new URL[0], getClass().getClassLoader())) {
            ThreadFactory factory = DaemonThreads.factory("mtd-engine", plugins);

            Thread first = factory.newThread(() -> {});
            Thread second = factory.newThread(() -> {});

            assertThat(first.getName()).isEqualTo("mtd-engine-1");
            assertThat(second.getName()).isEqualTo("mtd-engine-2");
            assertThat(first.isDaemon()).isTrue();
            assertThat(first.getContextClassLoader()).isSameAs(plugins);
        }
    }
}

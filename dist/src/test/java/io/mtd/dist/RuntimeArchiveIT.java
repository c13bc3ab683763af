package io.mtd.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Linux x64 archive (-Pruntime): runs on its own jlink-trimmed Java runtime, with no Java installed. */
class RuntimeArchiveIT {

    private static final String BUILD = "./mvnw -B -Pruntime -pl dist -am verify";

    @TempDir
    static Path unpacked;

    private static Installation installation;

    @TempDir
    Path work;

    /** Checked before each test, not once for the class, so that every skipped test is reported with the reason. */
    @BeforeEach
    void unpackTheTarball() throws Exception {
        assumeTrue(System.getProperty("mtd.runtimeDistribution") != null,
                "the Linux x64 archive is built with -Pruntime only: " + BUILD);
        synchronized (RuntimeArchiveIT.class) {
            if (installation == null) {
                installation = Installation.unpack(Installation.archive("mtd.runtimeDistribution", BUILD), unpacked);
            }
        }
    }

    /** No JAVA_HOME, and a PATH with the launcher's few tools but no java. */
    private Map<String, String> noJava() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", null);
        env.put("PATH", Installation.pathWithoutJava(work).toString());
        return env;
    }

    @Test
    void runsWhereNoJavaIsInstalled() throws Exception {
        ProcessRun run = installation.mtd(work, noJava(), "--version");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("mtd " + System.getProperty("mtd.version") + " (");
    }

    @Test
    void thePlanAndTheExpandContractCheckRunOnTheTrimmedRuntime() throws Exception {
        Path plan = installation.home().resolve("examples/inventory/mtd.yaml");

        ProcessRun planned = installation.mtd(work, noJava(), "plan", plan.toString());
        ProcessRun linted = installation.mtd(work, noJava(), "lint", plan.toString());

        assertThat(planned.exitCode()).as(planned.describe()).isZero();
        assertThat(linted.exitCode()).as(linted.describe()).isZero();
        assertThat(linted.stdout()).contains("3 scripts");
    }

    /**
     * The whole demo (sandbox cluster, Vert.x, TLS-less HTTP, PostgreSQL, Flyway in a child JVM of the same runtime):
     * what a module missing from the jlink list would break first.
     */
    @Test
    void theFlywayDemoRunsOnTheTrimmedRuntime() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")),
                "PostgreSQL refuses to run as root: the demo on the trimmed runtime is run as uid 1000 by ContainerImageIT (-Pruntime,image)");
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", null);

        ProcessRun run = installation.mtd(work, env, "demo", "--example", installation.home().resolve("examples/inventory").toString());

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).contains("Summary: inventory succeeded");
    }
}

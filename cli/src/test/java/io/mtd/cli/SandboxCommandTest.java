package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtd sandbox} serves one cluster to separate processes: two {@code mtd run} JVMs started at once against its
 * kubeconfig migrate exactly once between them, and kubectl sees the Job.
 */
class SandboxCommandTest {

    @TempDir
    Path dir;

    @Test
    void twoRunProcessesAndKubectlShareTheSandboxAndTheMigrationRunsOnce() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        Path plan = dir.resolve("mtd.yaml");
        Files.writeString(plan, """
                app: shop
                image: registry.example.com/shop:7
                migration:
                  command: [sh, -c, 'echo migrating in $(basename $(pwd)); sleep 2; echo migrated >> ../migrations.log']
                  skipWhenSucceeded: true   # the run that waited trusts the Job the other one ran
                environments:
                  - {name: staging, namespace: shop-staging}
                """.replace("../migrations.log", dir.resolve("migrations.log").toString()));
        SandboxCommand command = new SandboxCommand();
        command.kubeconfig = dir.resolve("sandbox.kubeconfig");
        command.images = Map.of("registry.example.com/shop", app);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (SandboxCommand.Running sandbox = command.start(null, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            assertThat(printed.toString()).contains("export KUBECONFIG=" + command.kubeconfig.toAbsolutePath(),
                    "kubectl get jobs -A", "  " + Launcher.command() + " run PLAN --no-pin --approve all", "registry.example.com/shop runs as local processes in " + app);

            List<Process> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ProcessBuilder pb = new ProcessBuilder(Processes.mtd("run", plan.toString(), "--no-pin", "--approve", "all"))
                        .redirectErrorStream(true).redirectOutput(dir.resolve("run-" + i + ".log").toFile());
                pb.environment().put("KUBECONFIG", sandbox.kubeconfig().toString());
                runs.add(pb.start());
            }
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).waitFor(120, TimeUnit.SECONDS)).as("run %d ended", i).isTrue();
                assertThat(runs.get(i).exitValue()).as(Files.readString(dir.resolve("run-" + i + ".log"))).isZero();
            }
            String logs = Files.readString(dir.resolve("run-0.log")) + Files.readString(dir.resolve("run-1.log"));
            assertThat(logs).contains("migrating in").doesNotContain("Exception", "SLF4J");
            assertThat(Files.readAllLines(dir.resolve("migrations.log"))).containsExactly("migrated");
            try (KubernetesClient client = sandbox.cluster().sandbox().client()) {
                List<Job> jobs = client.batch().v1().jobs().inNamespace("shop-staging").list().getItems();
                assertThat(jobs).hasSize(1);

                Assumptions.assumeTrue(Processes.installed("kubectl"), "kubectl is not installed (.ci/run installs it): skipping the"
                        + " kubectl part; the two mtd run processes shared the sandbox");
                ProcessBuilder withConfig = new ProcessBuilder("kubectl", "get", "jobs", "-A");
                withConfig.environment().put("KUBECONFIG", sandbox.kubeconfig().toString());
                Process p = withConfig.redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(out).as(out).contains("shop-staging", jobs.get(0).getMetadata().getName());
            }
        }
    }

    @Test
    void aRunThatCannotPinAnImageOnTheSandboxSaysToAddNoPin() throws Exception {
        SandboxCommand command = new SandboxCommand();
        command.kubeconfig = dir.resolve("sandbox.kubeconfig");
        command.images = Map.of("127.0.0.1:1/shop", Files.createDirectories(dir.resolve("app")));
        Path plan = dir.resolve("mtd.yaml");
        Files.writeString(plan, """
                app: shop
                image: 127.0.0.1:1/shop:7
                migration: {command: [sh, -c, 'echo migrating']}
                environments:
                  - {name: staging, namespace: shop-staging, kubeconfig: KUBECONFIG}
                """.replace("KUBECONFIG", command.kubeconfig.toAbsolutePath().toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        try (SandboxCommand.Running sandbox = command.start(null, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))) {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(Mtd.execute("run", plan.toString(), "--approve", "all")).isEqualTo(ExitCode.INFRASTRUCTURE);
            // the same run with --no-pin migrates: the hint is the fix
            assertThat(Mtd.execute("run", plan.toString(), "--approve", "all", "--no-pin")).isEqualTo(ExitCode.OK);
        } finally {
            System.setErr(oldErr);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).containsOnlyOnce("mtd run: environment 'staging' runs on mtd's"
                + " sandbox, whose images are local directories, not in a registry, so the image cannot be pinned by its"
                + " digest: add --no-pin");
    }

    @Test
    void aClusterOtherThanTheSandboxGetsNoSuchHint() {
        io.fabric8.kubernetes.client.Config real = new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("https://k8s.example.com:6443").build();
        assertThat(SandboxSession.reachedBy(real)).isFalse();
    }
}

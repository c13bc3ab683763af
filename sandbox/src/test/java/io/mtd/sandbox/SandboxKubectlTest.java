package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real kubectl against the sandbox; skipped where kubectl is not installed. */
class SandboxKubectlTest {

    private static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    private static Sandbox sandbox;
    @TempDir
    static Path dir;
    private static Path kubeconfig;

    @BeforeAll
    static void startSandbox() {
        assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL + ": skipping the kubectl tests");
        sandbox = Sandbox.start();
        kubeconfig = sandbox.writeKubeconfig(dir.resolve("kubeconfig"));
    }

    @AfterAll
    static void stopSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /** The exit code and merged output of one kubectl invocation. */
    private record Result(int exitCode, String output) {
    }

    private static Result kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void kubectlWaitsForAJobAndFollowsItsLog() throws Exception {
        try (KubernetesClient client = sandbox.client()) {
            client.batch().v1().jobs().resource(SandboxJobTest.job("migrate", "echo one; sleep 0.3; echo two")).create();
        }

        Result wait = kubectl("wait", "--for=condition=complete", "job/migrate", "--timeout=20s");
        assertThat(wait.output()).contains("job.batch/migrate condition met");
        assertThat(wait.exitCode()).isZero();

        Result logs = kubectl("logs", "-f", "job/migrate");
        assertThat(logs.output()).isEqualTo("one\ntwo\n");

        Result get = kubectl("get", "jobs");
        assertThat(get.exitCode()).as(get.output()).isZero();
        assertThat(get.output()).contains("migrate");
    }

    @Test
    void kubectlWaitFailsOnAFailedJobCondition() throws Exception {
        try (KubernetesClient client = sandbox.client()) {
            client.batch().v1().jobs().resource(SandboxJobTest.job("broken", "exit 2")).create();
        }

        Result wait = kubectl("wait", "--for=condition=failed", "job/broken", "--timeout=20s");

        assertThat(wait.exitCode()).as(wait.output()).isZero();
    }

    @Test
    void kubectlRolloutStatusSeesTheRolloutComplete() throws Exception {
        try (KubernetesClient client = sandbox.client()) {
            client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("api").endMetadata()
                    .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "api").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "api").endMetadata()
                    .withNewSpec().addNewContainer().withName("api").withImage("registry.example.com/api:1").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
        }

        Result status = kubectl("rollout", "status", "deployment/api", "--timeout=20s");

        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("successfully rolled out");

        Result set = kubectl("set", "image", "deployment/api", "api=registry.example.com/api:2");
        assertThat(set.exitCode()).as(set.output()).isZero();
        assertThat(kubectl("rollout", "status", "deployment/api", "--timeout=20s").exitCode()).isZero();
        Result undo = kubectl("rollout", "undo", "deployment/api");
        assertThat(undo.exitCode()).as(undo.output()).isZero();
        assertThat(kubectl("rollout", "status", "deployment/api", "--timeout=20s").exitCode()).isZero();
        try (KubernetesClient client = sandbox.client()) {
            var deployment = client.apps().deployments().withName("api").get();
            assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .isEqualTo("registry.example.com/api:1");
            assertThat(deployment.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "3");
        }
    }

    @Test
    void kubectlRolloutStatusFailsWhenTheProgressDeadlineIsExceeded() throws Exception {
        sandbox.kubelet().injectFault("registry.example.com/bad", Fault.CRASH_LOOP);
        try (KubernetesClient client = sandbox.client()) {
            client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("bad").endMetadata()
                    .withNewSpec().withReplicas(1).withProgressDeadlineSeconds(1).withNewSelector().addToMatchLabels("app", "bad")
                    .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "bad").endMetadata()
                    .withNewSpec().addNewContainer().withName("bad").withImage("registry.example.com/bad:1").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
        }

        Result status;
        try {
            status = kubectl("rollout", "status", "deployment/bad", "--timeout=20s");
        } finally {
            sandbox.kubelet().clearFaults();
        }

        assertThat(status.exitCode()).as(status.output()).isNotZero();
        assertThat(status.output()).contains("exceeded its progress deadline");
    }
}

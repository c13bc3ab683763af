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

    /** Creates namespace {@code name} and returns a client to the sandbox, which the caller closes. */
    private static KubernetesClient inNewNamespace(String name) {
        KubernetesClient client = sandbox.client();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(name)
                .endMetadata().build()).create();
        return client;
    }

    private static List<String> lines(Result result) {
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().lines().map(String::strip).toList();
    }

    @Test
    void kubectlGetShowsTheColumnsAnApiServerPrints() throws Exception {
        String ns = "printing";
        try (KubernetesClient client = inNewNamespace(ns)) {
            client.batch().v1().jobs().inNamespace(ns).resource(SandboxJobTest.job("printed", "echo hi")).create();
            var held = SandboxJobTest.job("held", "echo later");
            held.getSpec().setSuspend(true);
            client.batch().v1().jobs().inNamespace(ns).resource(held).create();
            client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata().withName("tabled")
                    .endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "tabled").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "tabled").endMetadata()
                    .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/web:1").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
            client.leases().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                    .withNewMetadata().withName("shop-staging").endMetadata().withNewSpec().withHolderIdentity("run-7")
                    .endSpec().build()).create();
            client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                    .withName("sql").endMetadata().addToData("V1.sql", "select 1").addToData("V2.sql", "select 2").build()).create();
            client.secrets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                    .withName("db").endMetadata().addToStringData("URL", "postgres://db").build()).create();
        }
        assertThat(kubectl("-n", ns, "wait", "--for=condition=complete", "job/printed", "--timeout=20s").exitCode()).isZero();
        assertThat(kubectl("-n", ns, "rollout", "status", "deployment/tabled", "--timeout=20s").exitCode()).isZero();

        List<String> jobs = lines(kubectl("-n", ns, "get", "jobs"));
        assertThat(jobs.get(0)).matches("NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE");
        assertThat(jobs).anyMatch(l -> l.matches("printed\\s+Complete\\s+1/1\\s+\\d+s\\s+\\d+s"))
                .anyMatch(l -> l.matches("held\\s+Suspended\\s+0/1\\s+\\d+s"));
        List<String> wide = lines(kubectl("-n", ns, "get", "jobs", "-o", "wide"));
        assertThat(wide.get(0)).matches("NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR");
        assertThat(wide).anyMatch(l -> l.matches("printed\\s+Complete\\s+1/1\\s+\\S+\\s+\\S+\\s+main\\s+"
                + "registry.example.com/shop:1.0\\s+batch.kubernetes.io/job-name=printed"));
        assertThat(lines(kubectl("get", "jobs", "-A"))).anyMatch(l -> l.matches("printing\\s+printed\\s+Complete\\s+1/1.*"));
        List<String> one = lines(kubectl("-n", ns, "get", "job", "held"));
        assertThat(one).hasSize(2);
        assertThat(one.get(0)).matches("NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE");
        assertThat(one.get(1)).matches("held\\s+Suspended\\s+0/1\\s+\\d+s");

        List<String> pods = lines(kubectl("-n", ns, "get", "pods", "-l", "job-name=printed"));
        assertThat(pods.get(0)).matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE");
        assertThat(pods.get(1)).matches("printed-[a-z0-9]{5}\\s+0/1\\s+Completed\\s+0\\s+\\d+s");
        assertThat(lines(kubectl("-n", ns, "get", "pods", "-l", "app=tabled"))).element(1).asString()
                .matches("tabled-[a-z0-9]+-[a-z0-9]+\\s+1/1\\s+Running\\s+0\\s+\\d+s");

        List<String> deployments = lines(kubectl("-n", ns, "get", "deployments"));
        assertThat(deployments.get(0)).matches("NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE");
        assertThat(deployments.get(1)).matches("tabled\\s+1/1\\s+1\\s+1\\s+\\d+s");
        List<String> replicaSets = lines(kubectl("-n", ns, "get", "replicasets"));
        assertThat(replicaSets.get(0)).matches("NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+AGE");
        assertThat(replicaSets.get(1)).matches("tabled-[a-z0-9]+\\s+1\\s+1\\s+1\\s+\\d+s");
        List<String> leases = lines(kubectl("-n", ns, "get", "leases"));
        assertThat(leases.get(0)).matches("NAME\\s+HOLDER\\s+AGE");
        assertThat(leases.get(1)).matches("shop-staging\\s+run-7\\s+\\d+s");
        assertThat(lines(kubectl("-n", ns, "get", "configmaps")).get(0)).matches("NAME\\s+DATA\\s+AGE");
        assertThat(lines(kubectl("-n", ns, "get", "configmaps"))).element(1).asString().matches("sql\\s+2\\s+\\d+s");
        List<String> secrets = lines(kubectl("-n", ns, "get", "secrets"));
        assertThat(secrets.get(0)).matches("NAME\\s+TYPE\\s+DATA\\s+AGE");
        assertThat(secrets.get(1)).matches("db\\s+Opaque\\s+1\\s+\\d+s");
    }

    @Test
    void kubectlGetWatchPrintsRowsAsJobsChange() throws Exception {
        String ns = "watched";
        try (KubernetesClient client = inNewNamespace(ns)) {
            client.batch().v1().jobs().inNamespace(ns).resource(SandboxJobTest.job("first", "echo 1")).create();
        }
        Process watch = new ProcessBuilder(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString(), "-n", ns, "get", "jobs",
                "--watch").redirectErrorStream(true).start();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(watch.getInputStream(),
                StandardCharsets.UTF_8)).lines().forEach(l -> seen.add(l.strip())));
        reader.start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> seen.stream()
                    .anyMatch(l -> l.matches("NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE")));
            try (KubernetesClient client = sandbox.client()) {
                client.batch().v1().jobs().inNamespace(ns).resource(SandboxJobTest.job("second", "echo 2")).create();
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> seen.stream()
                    .anyMatch(l -> l.matches("second\\s+Complete\\s+1/1\\s+\\d+s\\s+\\d+s")));
            assertThat(seen).anyMatch(l -> l.startsWith("first")).noneMatch(l -> l.contains("error") || l.contains("Error"));
        } finally {
            watch.destroyForcibly();
            reader.join(5000);
        }
    }
}

package io.jenkins.plugins.mtd;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.util.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import hudson.model.Run;
import io.mtd.sandbox.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * The sandbox cluster the tests promote to, and the Jenkins credentials that reach it: a JUnit extension, registered as
 * {@code @RegisterExtension final ClusterFixture cluster = new ClusterFixture()} (a fresh cluster per test, closed after
 * it) or on a static field (one cluster for the class, outliving its Jenkins sessions as a real cluster outlives a
 * controller restart).
 */
final class ClusterFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, AutoCloseable {

    static final String KUBECONFIG_ID = "kube-sandbox";
    static final String TOKEN_ID = "kube-sandbox-token";

    Sandbox sandbox;
    KubernetesClient client;
    /** Started for the whole class (a static field): the tests do not close it. */
    private boolean perClass;

    /** A cluster started now, for one test that closes it itself (try-with-resources). */
    static ClusterFixture started() {
        ClusterFixture f = new ClusterFixture();
        f.start();
        return f;
    }

    private void start() {
        sandbox = Sandbox.start();
        client = sandbox.client();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (sandbox == null) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Stores a Secret file credential holding the sandbox's kubeconfig, as an admin would upload it. */
    void addKubeconfigCredential() throws IOException {
        Path file = Files.createTempFile("sandbox-kubeconfig", ".yaml");
        try {
            byte[] content = Files.readAllBytes(sandbox.writeKubeconfig(file));
            SystemCredentialsProvider.getInstance().getCredentials().add(new FileCredentialsImpl(CredentialsScope.GLOBAL,
                    KUBECONFIG_ID, "sandbox", "kubeconfig", SecretBytes.fromRawBytes(content)));
            SystemCredentialsProvider.getInstance().save();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Stores a Secret text credential holding {@code token} (the sandbox's API server accepts any token). */
    void addTokenCredential(String token) throws IOException {
        SystemCredentialsProvider.getInstance().getCredentials().add(new StringCredentialsImpl(CredentialsScope.GLOBAL,
                TOKEN_ID, "sandbox token", Secret.fromString(token)));
        SystemCredentialsProvider.getInstance().save();
    }

    String serverUrl() {
        return sandbox.config().getMasterUrl();
    }

    void secret(String namespace, String name, Map<String, String> data) {
        client.secrets().inNamespace(namespace).resource(new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(data.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)))))
                .build()).create();
    }

    /** A Deployment {@code name} with one container "web" running {@code image} (the sandbox rolls it out). */
    void deployment(String namespace, String name, String image) {
        Map<String, String> labels = Map.of("app", name);
        client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(1).withProgressDeadlineSeconds(600)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    /** The image the Deployment's container "web" runs now. */
    String deployedImage(String namespace, String name) {
        return client.apps().deployments().inNamespace(namespace).withName(name).get()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    /**
     * Waits until the migration Pod's own log line {@code line} is in the build log, as {@code BuildLog} prints it
     * ({@code [environment/pod] line}): the Job exists, its container runs and the engine follows its log. Not the bare
     * text, which the expand/contract check's "not checked" note prints first, quoting the command, before any Job exists.
     */
    static void waitForPodLog(JenkinsRule r, Run<?, ?> build, String line) throws Exception {
        r.waitForMessage("] " + line, build);
    }

    /**
     * A {@code migrateDatabase} call migrating app shop's image 1.0 in staging (namespace staging, the sandbox's
     * kubeconfig credential) with {@code sh -c script}.
     */
    static String migrateStaging(String script) {
        return "migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "    migration: [command: ['sh', '-c', '" + script + "']],\n"
                + "    environment: [name: 'staging', credentialsId: '" + KUBECONFIG_ID + "', namespace: 'staging'])";
    }

    List<Job> jobs(String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    @Override
    public void close() {
        if (sandbox != null) {
            client.close();
            sandbox.close();
            sandbox = null;
            client = null;
        }
    }
}

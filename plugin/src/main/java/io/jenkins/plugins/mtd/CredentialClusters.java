package io.jenkins.plugins.mtd;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.AbortException;
import hudson.model.Run;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.kube.ClusterConnector;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * Reaches each environment's cluster with the Jenkins credentials its {@code credentialsId} names: a Secret file holding
 * a kubeconfig, or a Secret text holding a bearer token for {@code serverUrl}. Environments without credentials use the
 * controller's own kubeconfig, as the CLI does.
 */
final class CredentialClusters implements ClusterConnector {

    /**
     * How to reach one environment: the client configuration, and what identifies the cluster and credential (a digest of their content, so builds of different jobs share a client only when they use
     * the same credential against the same server, and no secret is kept in the key).
     */
    private record Access(Config config, String key) {}

    private final Map<String, Access> byEnvironment;
    private final Set<String> secrets;

    private CredentialClusters(Map<String, Access> byEnvironment, Set<String> secrets) {
        this.byEnvironment = byEnvironment;
        this.secrets = secrets;
    }

    /** Looks up and tracks every environment's credentials for {@code build}; fails naming the environment and the fix. */
    static CredentialClusters resolve(Plan plan, Run<?, ?> build) throws IOException {
        return resolve(plan, build, true);
    }

    /**
     * Looks up the credentials {@code build} used, to read its environments again (the job's panel): not tracked as a
     * use by the build, which would write its fingerprints on every view of the job page.
     */
    static CredentialClusters resolveForReading(Plan plan, Run<?, ?> build) throws IOException {
        return resolve(plan, build, false);
    }

    @SuppressWarnings("removal") // fabric8 7 has no other way to pick a context from kubeconfig content
    private static CredentialClusters resolve(Plan plan, Run<?, ?> build, boolean track) throws IOException {
        Map<String, Access> access = new HashMap<>();
        Set<String> secrets = new LinkedHashSet<>();
        for (Environment e : plan.environments()) {
            String id = e.credentialsId();
            if (id == null || id.isBlank()) {
                continue;
            }
            StandardCredentials c = CredentialsProvider.findCredentialById(id, StandardCredentials.class, build);
            if (c == null) {
                throw new AbortException(Messages.CredentialClusters_NotFound(e.name(), id));
            }
            if (track) {
                CredentialsProvider.track(build, c);
            }
            if (c instanceof FileCredentials) {
                String kubeconfig;
                try (InputStream in = ((FileCredentials) c).getContent()) {
                    kubeconfig = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                Config config;
                try {
                    // the three-argument form is the only one that picks a context from content (deprecated in 7.x)
                    config = e.context() == null ? Config.fromKubeconfig(kubeconfig)
                            : Config.fromKubeconfig(e.context(), kubeconfig, null);
                } catch (RuntimeException x) {
                    // the parser's message may quote the file; name the credential instead
                    throw new AbortException(Messages.CredentialClusters_BadKubeconfig(e.name(), id));
                }
                secrets.addAll(secretValues(config));
                access.put(e.name(), new Access(config, digest("kubeconfig", kubeconfig, e.context())));
            } else if (c instanceof StringCredentials) {
                if (e.serverUrl() == null || e.serverUrl().isBlank()) {
                    throw new AbortException(Messages.CredentialClusters_TokenNeedsServer(e.name(), id));
                }
                String token = ((StringCredentials) c).getSecret().getPlainText();
                secrets.add(token);
                Config config = new ConfigBuilder(Config.empty()).withMasterUrl(e.serverUrl()).withOauthToken(token).build();
                access.put(e.name(), new Access(config, digest("token", e.serverUrl(), token)));
            } else {
                throw new AbortException(Messages.CredentialClusters_WrongType(e.name(), id, c.getClass().getSimpleName()));
            }
        }
        return new CredentialClusters(access, secrets);
    }

    /** A client on the controller's engine's task executor, so that shutdown can wait for its callbacks to end. */
    @Override
    public KubernetesClient connect(Environment environment) {
        Access a = byEnvironment.get(environment.name());
        Config config = a == null ? KubeconfigClusters.config(environment) : a.config();
        return new KubernetesClientBuilder().withConfig(config).withTaskExecutor(EngineService.get().clientTasks()).build();
    }

    /** One client per cluster and credential for the whole controller; without credentials, the controller's kubeconfig. */
    @Override
    public Object key(Environment environment) {
        Access a = byEnvironment.get(environment.name());
        return a != null ? a.key() : "controller-kubeconfig|" + environment.kubeconfig() + "|" + environment.context();
    }

    private static String digest(String kind, String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return kind + ":" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", x);
        }
    }

    /** Every secret value these credentials hold, for masking. */
    Collection<String> secrets() {
        return secrets;
    }

    private static List<String> secretValues(Config config) {
        List<String> out = new ArrayList<>();
        // a kubeconfig user's token is read into autoOAuthToken, not oauthToken
        for (String s : new String[] {config.getOauthToken(), config.getAutoOAuthToken(), config.getClientKeyData(),
                config.getPassword()}) {
            if (s != null && !s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }
}

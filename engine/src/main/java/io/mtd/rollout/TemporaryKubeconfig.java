package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.api.model.Context;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A kubeconfig file, readable by its owner only, for the cluster a client talks to; deleted on close.
 *
 * <p>Written from the client's resolved {@link Config}, so it works however that client was configured (a
 * kubeconfig context, Jenkins credentials, the sandbox).
 */
public final class TemporaryKubeconfig implements AutoCloseable {

    static final String NAME = "mtd";

    private final Path path;

    private TemporaryKubeconfig(Path path) {
        this.path = path;
    }

    /** Writes a kubeconfig for {@code client}'s cluster, its credentials and {@code namespace}. */
    public static TemporaryKubeconfig write(KubernetesClient client, String namespace) {
        String yaml = client.getKubernetesSerialization().asYaml(model(client.getConfiguration(), namespace));
        try {
            Path file = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempFile("mtd-kubeconfig-", ".yaml",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile("mtd-kubeconfig-", ".yaml");
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            return new TemporaryKubeconfig(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a temporary kubeconfig for the rollout callback: " + e.getMessage(), e);
        }
    }

    static io.fabric8.kubernetes.api.model.Config model(Config config, String namespace) {
        Cluster cluster = new Cluster();
        cluster.setServer(config.getMasterUrl());
        cluster.setCertificateAuthorityData(config.getCaCertData());
        if (config.getCaCertData() == null) {
            cluster.setCertificateAuthority(config.getCaCertFile());
        }
        if (config.isTrustCerts()) {
            cluster.setInsecureSkipTlsVerify(true);
        }
        AuthInfo user = new AuthInfo();
        user.setClientCertificateData(config.getClientCertData());
        user.setClientKeyData(config.getClientKeyData());
        if (config.getClientCertData() == null) {
            user.setClientCertificate(config.getClientCertFile());
        }
        if (config.getClientKeyData() == null) {
            user.setClientKey(config.getClientKeyFile());
        }
        user.setToken(token(config));
        if (user.getToken() == null && config.getUsername() != null) {
            user.setUsername(config.getUsername());
            user.setPassword(config.getPassword());
        }
        Context context = new Context();
        context.setCluster(NAME);
        context.setUser(NAME);
        context.setNamespace(namespace);
        return new ConfigBuilder()
                .withApiVersion("v1")
                .withKind("Config")
                .addNewCluster().withName(NAME).withCluster(cluster).endCluster()
                .addNewUser().withName(NAME).withUser(user).endUser()
                .addNewContext().withName(NAME).withContext(context).endContext()
                .withCurrentContext(NAME)
                .build();
    }

    private static String token(Config config) {
        if (config.getOauthTokenProvider() != null) {
            return config.getOauthTokenProvider().getToken();
        }
        if (config.getOauthToken() != null) {
            return config.getOauthToken();
        }
        return config.getAutoOAuthToken();
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the temporary kubeconfig " + path + ": " + e.getMessage(), e);
        }
    }
}

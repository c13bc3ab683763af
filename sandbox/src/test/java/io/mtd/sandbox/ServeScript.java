package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The traffic tests' HTTP server ({@code traffic/serve.py}) as a Deployment's container, and a client for it. */
final class ServeScript {

    static final int CONTAINER_PORT = 8000;

    private ServeScript() {
    }

    /** Skips the calling test where no python3 is on the PATH. */
    static void assumePython() {
        boolean found;
        try {
            found = new ProcessBuilder("python3", "-c", "import http.server").start().waitFor() == 0;
        } catch (IOException e) {
            found = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            found = false;
        }
        assumeTrue(found, "python3 is not on the PATH (Debian: apt-get install python3); the traffic tests need it");
    }

    static Path script() {
        try {
            return Path.of(ServeScript.class.getResource("/traffic/serve.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A Deployment {@code name} of {@code replicas} Pods whose container "web" runs serve.py with {@code env}, port 8000
     * named "http", labelled {@code app: name}.
     */
    static DeploymentBuilder deployment(String name, int replicas, Map<String, String> env) {
        List<EnvVar> vars = env.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null))
                .collect(Collectors.toList());
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(5L)
                .addNewContainer().withName("web").withImage("registry.example.com/" + name + ":1")
                .withCommand("python3", "-u", script().toString())
                .addNewPort().withName("http").withContainerPort(CONTAINER_PORT).endPort()
                .withEnv(vars)
                .endContainer().endSpec().endTemplate().endSpec();
    }

    /** An HTTP GET probe of {@code path} on the port named "http", every second, failing after one failure. */
    static Probe httpProbe(String path) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString("http")).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(1).build();
    }

    static Deployment withReadiness(Deployment d, Probe probe) {
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setReadinessProbe(probe);
        return d;
    }

    /** The host port the kubelet mapped the Pod's port 8000 to. */
    static int hostPort(Pod pod) {
        Integer port = PodPorts.of(pod).hostPort(CONTAINER_PORT);
        if (port == null) {
            throw new AssertionError("Pod " + pod.getMetadata().getName() + " has no port mapping: "
                    + pod.getMetadata().getAnnotations());
        }
        return port;
    }

    /** The status code and body of a GET of {@code path} on a new connection to 127.0.0.1:{@code port}. */
    static String get(int port, String path) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (response.isEmpty()) {
                throw new IOException("connection closed without a response");
            }
            String status = response.substring(0, response.indexOf("\r\n")).split(" ")[1];
            String body = response.substring(response.indexOf("\r\n\r\n") + 4).strip();
            return status + " " + body;
        }
    }
}

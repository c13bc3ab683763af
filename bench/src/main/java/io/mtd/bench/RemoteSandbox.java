package io.mtd.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The harness's handle on a {@link SandboxHost} child JVM: its API server URL, kubeconfig and control commands. */
final class RemoteSandbox implements AutoCloseable {

    private final Process process;
    private final BufferedReader replies;
    private final PrintWriter commands;
    private final Config config;
    private final Path kubeconfig;

    private RemoteSandbox(Process process, BufferedReader replies, PrintWriter commands, String url, Path kubeconfig) {
        this.process = process;
        this.replies = replies;
        this.commands = commands;
        this.kubeconfig = kubeconfig;
        // as the sandbox's own clients: plain HTTP/1.1 to the loopback API server
        this.config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace("default")
                .withTrustCerts(true).withHttp2Disable(true).build();
    }

    /** Starts a sandbox in a child JVM on the harness's own classpath; its log goes to {@code log}. */
    static RemoteSandbox start(Path kubeconfig, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx2g", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), SandboxHost.class.getName(), kubeconfig.toString()));
        try {
            Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
            BufferedReader replies = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter commands = new PrintWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), true);
            String first = replies.readLine();
            if (first == null || !first.startsWith("ready ")) {
                p.destroyForcibly();
                throw new IllegalStateException("the sandbox JVM did not start (it said " + first + "); see " + log);
            }
            return new RemoteSandbox(p, replies, commands, first.substring("ready ".length()), kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandbox JVM with " + java, e);
        }
    }

    /** A new client to the sandbox; the caller closes it. */
    KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    /** How many watch connections the sandbox's API server accepted so far. */
    synchronized int watchesOpened() {
        return Integer.parseInt(ask("watches"));
    }

    /** How many HTTP requests the sandbox's API server received so far. */
    synchronized long requestsServed() {
        return Long.parseLong(ask("requests"));
    }

    /** Makes the sandbox kubelet fail every new Pod whose image has {@code repository} with {@code fault}. */
    synchronized void injectFault(String repository, String fault) {
        ask("fault " + repository + " " + fault);
    }

    private String ask(String command) {
        commands.println(command);
        try {
            String reply = replies.readLine();
            if (reply == null || reply.startsWith("error")) {
                throw new IllegalStateException("the sandbox JVM answered '" + reply + "' to '" + command + "'");
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException("lost the sandbox JVM", e);
        }
    }

    @Override
    public void close() {
        commands.println("quit");
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

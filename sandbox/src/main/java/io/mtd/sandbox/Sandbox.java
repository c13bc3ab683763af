package io.mtd.sandbox;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes cluster: fabric8's mock API server in CRUD mode (with watches), a kubelet that runs Pods'
 * containers as local processes (a Deployment's Pods each on loopback ports of their own, probed, stopped gracefully),
 * the Job, Deployment, ReplicaSet and endpoint-slice controllers, and a kube-proxy that proxies each Service on a port
 * of 127.0.0.1 ({@link #serviceAddress}) to its ready endpoints. The {@link PostgresImage postgres} image is known from
 * the start.
 */
public final class Sandbox implements AutoCloseable {

    /** The Service annotation the sandbox writes with where it proxies the Service's first port: {@code 127.0.0.1:PORT}. */
    public static final String SERVICE_ADDRESS = SandboxKubeProxy.ADDRESS;
    /** The Service annotation with every proxied port: {@code http=127.0.0.1:41000,metrics=127.0.0.1:41001}. */
    public static final String SERVICE_ADDRESSES = SandboxKubeProxy.ADDRESSES;

    private final SandboxApiServer apiServer;
    private final Config config;
    private final KubernetesClient controlPlane;
    private final SandboxKubelet kubelet;
    private final JobController jobs;
    private final DeploymentController deployments;
    private final EndpointSliceController endpointSlices;
    private final SandboxKubeProxy kubeProxy;
    private final Path workDir;
    private final Thread killOnExit;

    private Sandbox(SandboxApiServer apiServer, Config config, KubernetesClient controlPlane, SandboxKubelet kubelet,
            JobController jobs, DeploymentController deployments, EndpointSliceController endpointSlices,
            SandboxKubeProxy kubeProxy, Path workDir) {
        this.apiServer = apiServer;
        this.config = config;
        this.controlPlane = controlPlane;
        this.kubelet = kubelet;
        this.jobs = jobs;
        this.deployments = deployments;
        this.endpointSlices = endpointSlices;
        this.kubeProxy = kubeProxy;
        this.workDir = workDir;
        // Container processes outlive the JVM unless killed; a forgotten close() must not leave them running.
        this.killOnExit = new Thread(kubelet::killAll, "sandbox-kill-processes");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Starts the API server, the kubelet and the controllers. */
    public static Sandbox start() {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("mtd-sandbox-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox's working directory under java.io.tmpdir", e);
        }
        PodLogs logs = new PodLogs();
        SandboxApiServer apiServer = new SandboxApiServer(new SandboxCrudDispatcher(), logs);
        int port = apiServer.start();
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + port)
                .withNamespace("default")
                .withTrustCerts(true)
                .withHttp2Disable(true)
                .build();
        KubernetesClient controlPlane = new KubernetesClientBuilder().withConfig(config).build();
        SandboxKubelet kubelet = new SandboxKubelet(controlPlane, logs, workDir.resolve("pods"));
        PostgresImage.registerWith(kubelet);
        kubelet.start();
        JobController jobs = new JobController(controlPlane, kubelet);
        jobs.start();
        DeploymentController deployments = new DeploymentController(controlPlane, kubelet);
        deployments.start();
        EndpointSliceController endpointSlices = new EndpointSliceController(controlPlane, kubelet.informer());
        endpointSlices.start();
        SandboxKubeProxy kubeProxy = new SandboxKubeProxy(controlPlane);
        kubeProxy.start();
        kubelet.outOfRotation(pod -> SandboxKubeProxy.outOfRotation(endpointSlices, kubeProxy, pod));
        return new Sandbox(apiServer, config, controlPlane, kubelet, jobs, deployments, endpointSlices, kubeProxy, workDir);
    }

    /**
     * Where the sandbox proxies the first port of Service {@code namespace/name} (of type ClusterIP, with a selector):
     * a port of 127.0.0.1, the same for as long as the Service exists, also written on the Service as its
     * {@value #SERVICE_ADDRESS} annotation ({@code 127.0.0.1:PORT}). Each new connection goes to one of the Service's
     * ready endpoints; waits up to 10 s for the sandbox to see a Service just created.
     *
     * @throws IllegalStateException when the sandbox proxies no such Service within 10 s
     */
    public InetSocketAddress serviceAddress(String namespace, String name) {
        return serviceAddress(namespace, name, null);
    }

    /**
     * As {@link #serviceAddress(String, String)}, for the Service's port {@code port}: its name, or its number when it
     * has no name (all of them are in the Service's {@value #SERVICE_ADDRESSES} annotation).
     */
    public InetSocketAddress serviceAddress(String namespace, String name, String port) {
        try {
            return kubeProxy.address(namespace, name, port).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Service " + namespace + "/" + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the sandbox proxies no Service " + namespace + "/" + name
                    + (port == null ? "" : " port " + port) + " (is it of type ClusterIP, with that port?)", e);
        }
    }

    /** The endpoint-slice controller, for tests that stop it. */
    EndpointSliceController endpointSlices() {
        return endpointSlices;
    }

    /** The kube-proxy, for tests that look at where connections went. */
    SandboxKubeProxy kubeProxy() {
        return kubeProxy;
    }

    /** A new client to the sandbox's API server; the caller closes it. */
    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * The client configuration of the service account {@code namespace/name}: the sandbox then enforces RBAC on its
     * requests as an API server does (the Roles bound to it in each namespace), answering 403 for anything else.
     */
    public Config serviceAccountConfig(String namespace, String name) {
        return new ConfigBuilder(config).withOauthToken(apiServer.serviceAccountToken(namespace, name)).withNamespace(namespace).build();
    }

    /** The client configuration that reaches the sandbox's API server. */
    public Config config() {
        return config;
    }

    /** Writes a kubeconfig whose cluster, user and context are all named "sandbox", and returns its path. */
    public Path writeKubeconfig(Path file) {
        String yaml = "apiVersion: v1\n"
                + "kind: Config\n"
                + "clusters:\n"
                + "- name: sandbox\n"
                + "  cluster:\n"
                + "    server: " + config.getMasterUrl().replaceAll("/+$", "") + "\n"
                + "users:\n"
                + "- name: sandbox\n"
                + "  user:\n"
                + "    token: sandbox\n"
                + "contexts:\n"
                + "- name: sandbox\n"
                + "  context:\n"
                + "    cluster: sandbox\n"
                + "    user: sandbox\n"
                + "    namespace: default\n"
                + "current-context: sandbox\n";
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox kubeconfig to " + file, e);
        }
        return file;
    }

    /** The sandbox's only node. */
    public SandboxKubelet kubelet() {
        return kubelet;
    }

    /** Closes every open watch connection server-side; clients must re-watch and informers relist. */
    public void dropWatches() {
        apiServer.dropWatches();
    }

    /**
     * Answers every request of {@code method} (GET, PUT, PATCH...) whose path matches the regular expression
     * {@code pathRegex} with the HTTP status {@code code}, until {@link #clearRequestFaults()}: an API server that fails.
     */
    public void failRequests(String method, String pathRegex, int code) {
        apiServer.failRequests(new SandboxApiServer.RequestFault(method, java.util.regex.Pattern.compile(pathRegex), code));
    }

    /** Removes every fault {@link #failRequests} injected. */
    public void clearRequestFaults() {
        apiServer.clearRequestFaults();
    }

    /** How many HTTP requests (watches included) the API server has received so far. */
    public long requestsServed() {
        return apiServer.requests();
    }

    /**
     * Stops the Job controller (a controller manager that is down: Pods run on, no Job status or deadline is written)
     * until {@link #resumeJobController()}.
     */
    public void pauseJobController() {
        jobs.pause(true);
    }

    public void resumeJobController() {
        jobs.pause(false);
    }

    /** The Deployment controller, for tests that watch it work. */
    DeploymentController deploymentController() {
        return deployments;
    }

    /**
     * The host directory that holds the files of PersistentVolumeClaim {@code claim} in {@code namespace}: what every Pod
     * mounting it reads and writes, kept until the sandbox closes.
     */
    public Path claimDirectory(String namespace, String claim) {
        return PodVolumes.claimDirectory(workDir.resolve("claims"), namespace, claim);
    }

    /** How many watch connections the API server has accepted so far. */
    public int watchesOpened() {
        return apiServer.watchesOpened();
    }

    /** Stops the controllers and the API server and kills every process the kubelet started. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already exiting and the hook is running.
        }
        jobs.close();
        deployments.close();
        endpointSlices.close();
        kubeProxy.close();
        kubelet.close();
        controlPlane.close();
        apiServer.close();
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Leftover temp files do no harm.
        }
    }

}

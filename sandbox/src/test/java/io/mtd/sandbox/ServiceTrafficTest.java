package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Services in the sandbox: EndpointSlices as the endpoint-slice controller writes them, a proxy per Service that sends
 * each connection to a ready endpoint, a Pod taken out of rotation before it is stopped, and rolling updates behind a
 * Service measured with traffic (with {@code traffic/serve.py}, so python3 is needed).
 */
class ServiceTrafficTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final Sandbox sandbox = CLUSTER.sandbox();
    private final KubernetesClient client = CLUSTER.client();

    @TempDir
    Path reports;

    @BeforeAll
    static void python() {
        ServeScript.assumePython();
    }

    private void service(String name) {
        client.services().resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addToSelector("app", name)
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build()).create();
    }

    private List<Pod> pods(String app) {
        return client.pods().withLabel("app", app).list().getItems();
    }

    private List<Endpoint> endpoints(String service) {
        return client.discovery().v1().endpointSlices().withLabel("kubernetes.io/service-name", service).list().getItems()
                .stream().flatMap(s -> s.getEndpoints().stream()).toList();
    }

    private Optional<Endpoint> endpoint(String service, Pod pod) {
        return endpoints(service).stream().filter(e -> e.getTargetRef().getUid().equals(pod.getMetadata().getUid())).findFirst();
    }

    private static String conditions(Endpoint endpoint) {
        return "ready=" + endpoint.getConditions().getReady() + " serving=" + endpoint.getConditions().getServing()
                + " terminating=" + endpoint.getConditions().getTerminating();
    }

    /** Every event the Pods' serve.py reported (one file per Pod). */
    private List<String> reported() throws IOException {
        List<String> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(reports)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.readAllLines(file).forEach(line -> events.add(file.getFileName() + " " + line));
            }
        }
        return events;
    }

    private Deployment deployment(String name, int replicas, Map<String, String> env, boolean readinessProbe) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("REPORT_DIR", reports.toString());
        Deployment d = ServeScript.deployment(name, replicas, all).build();
        if (readinessProbe) {
            ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"));
        }
        return d;
    }

    @Test
    void aServiceIsProxiedOnALoopbackPortOfItsOwnToItsReadyPodsFromEndpointSlices() throws IOException {
        client.apps().deployments().resource(deployment("echo", 2, Map.of(), true)).create();
        service("echo");
        InetSocketAddress address = sandbox.serviceAddress("default", "echo");
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints("echo").size() == 2
                && endpoints("echo").stream().allMatch(e -> e.getConditions().getReady()));

        assertThat(address.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.services().withName("echo").get().getMetadata()
                .getAnnotations() != null && client.services().withName("echo").get().getMetadata().getAnnotations()
                .containsKey(Sandbox.SERVICE_ADDRESS));
        assertThat(client.services().withName("echo").get().getMetadata().getAnnotations())
                .containsEntry(Sandbox.SERVICE_ADDRESS, "127.0.0.1:" + address.getPort())
                .containsEntry(Sandbox.SERVICE_ADDRESSES, "http=127.0.0.1:" + address.getPort());
        assertThat(sandbox.serviceAddress("default", "echo", "http")).isEqualTo(address);
        List<EndpointSlice> slices = client.discovery().v1().endpointSlices().withLabel("kubernetes.io/service-name", "echo")
                .list().getItems();
        assertThat(slices).allSatisfy(slice -> {
            assertThat(slice.getAddressType()).isEqualTo("IPv4");
            assertThat(slice.getMetadata().getLabels())
                    .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
            assertThat(slice.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("Service/echo"));
        });
        for (Pod pod : pods("echo")) {
            Endpoint endpoint = endpoint("echo", pod).orElseThrow();
            assertThat(endpoint.getAddresses()).containsExactly("127.0.0.1");
            assertThat(conditions(endpoint)).isEqualTo("ready=true serving=true terminating=false");
            assertThat(endpoint.getTargetRef().getName()).isEqualTo(pod.getMetadata().getName());
            EndpointSlice slice = slices.stream().filter(s -> s.getEndpoints().contains(endpoint)).findFirst().orElseThrow();
            assertThat(slice.getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getName()).isEqualTo("http");
                assertThat(p.getPort()).isEqualTo(ServeScript.hostPort(pod));
            });
        }
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answered.add(ServeScript.get(address.getPort(), "/").split(" ")[1]);
        }
        assertThat(answered).as("round robin over both Pods")
                .containsAll(pods("echo").stream().map(p -> p.getMetadata().getName()).toList());
    }

    @Test
    void aPodGetsNoConnectionBeforeItIsReady() throws Exception {
        Path flags = Files.createDirectory(reports.resolve("flags"));
        client.apps().deployments().resource(deployment("late", 1, Map.of("READY_FLAG_DIR", flags.toString(),
                "PROBED", "1"), true)).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> pods("late").size() == 1);
        Pod first = pods("late").get(0);
        Files.writeString(flags.resolve(first.getMetadata().getName()), "");
        service("late");
        InetSocketAddress address = sandbox.serviceAddress("default", "late");
        // ready in the slices, and the proxy routes to it
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> ServeScript.get(address.getPort(), "/").startsWith("200 " + first.getMetadata().getName()));

        Pod second;
        try (Traffic traffic = Traffic.start(address, 40)) {
            client.apps().deployments().withName("late").scale(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> pods("late").size() == 2
                    && pods("late").stream().allMatch(p -> "Running".equals(p.getStatus().getPhase())));
            second = pods("late").stream().filter(p -> !p.getMetadata().getUid().equals(first.getMetadata().getUid()))
                    .findFirst().orElseThrow();
            // running and probed, unready: in the slices as not ready, and no connection reaches it
            await().atMost(Duration.ofSeconds(30)).until(() -> endpoint("late", second).isPresent());
            assertThat(conditions(endpoint("late", second).orElseThrow())).isEqualTo("ready=false serving=false terminating=false");
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.sent() > 40);
            assertThat(traffic.answeredBy()).containsExactly(first.getMetadata().getName());

            Files.writeString(flags.resolve(second.getMetadata().getName()), "");
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.answeredBy().contains(second.getMetadata().getName()));
            assertThat(traffic.failures()).isEmpty();
        }
        assertThat(sandbox.kubeProxy().proxy("default", "late", "http").connectionsPerPod())
                .containsKeys(first.getMetadata().getName(), second.getMetadata().getName());
        assertThat(reported()).noneMatch(e -> e.endsWith("traffic-before-ready"))
                .contains(second.getMetadata().getName() + " ready-ok");
    }

    @Test
    void anExistingConnectionToATerminatingPodIsKeptWhileNewOnesGoToReadyPods() throws Exception {
        Deployment sticky = deployment("sticky", 1, Map.of("KEEP_ALIVE", "1", "IGNORE_SIGTERM", "1"), true);
        sticky.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(20L);
        client.apps().deployments().resource(sticky).create();
        service("sticky");
        InetSocketAddress address = sandbox.serviceAddress("default", "sticky");
        await().atMost(Duration.ofSeconds(30)).until(() -> pods("sticky").size() == 1
                && PodAvailability.isReady(pods("sticky").get(0))
                && endpoint("sticky", pods("sticky").get(0)).map(e -> e.getConditions().getReady()).orElse(false));
        Pod old = pods("sticky").get(0);
        String oldName = old.getMetadata().getName();

        try (Socket kept = new Socket(address.getAddress(), address.getPort())) {
            kept.setSoTimeout(10_000);
            assertThat(keepAliveGet(kept)).isEqualTo(oldName + " 1");

            client.pods().resource(old).delete();

            // out of rotation first (terminating in the slices), then SIGTERM
            await().atMost(Duration.ofSeconds(30)).until(() -> reported().contains(oldName + " sigterm"));
            assertThat(conditions(endpoint("sticky", old).orElseThrow())).isEqualTo("ready=false serving=true terminating=true");
            assertThat(client.pods().resource(old).get().getMetadata().getDeletionTimestamp()).isNotNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    return !ServeScript.get(address.getPort(), "/").contains(oldName);
                } catch (IOException e) {
                    return false;
                }
            });

            assertThat(keepAliveGet(kept)).as("the kept connection still reaches the terminating Pod").startsWith(oldName + " ");
        }
        assertThat(reported()).noneMatch(e -> e.endsWith("traffic-after-sigterm"));
    }

    @Test
    void aDeletedPodGetsSigtermOnlyOnceItIsOutOfRotation() throws Exception {
        Deployment held = deployment("held", 1, Map.of(), true);
        held.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(30L);
        client.apps().deployments().resource(held).create();
        service("held");
        InetSocketAddress address = sandbox.serviceAddress("default", "held");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> ServeScript.get(address.getPort(), "/").startsWith("200 "));
        Pod pod = pods("held").get(0);
        String name = pod.getMetadata().getName();

        sandbox.endpointSlices().pause(true);
        try {
            client.pods().resource(pod).delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().resource(pod).get().getMetadata()
                    .getDeletionTimestamp() != null);
            // the slices still show it ready, so the proxy still sends it connections: no SIGTERM yet
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !reported().contains(name + " sigterm"));
            assertThat(ServeScript.get(address.getPort(), "/")).startsWith("200 " + name);
        } finally {
            sandbox.endpointSlices().pause(false);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> reported().contains(name + " sigterm"));
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().resource(pod).get() == null);
        assertThat(reported()).contains(name + " exit").noneMatch(e -> e.endsWith("traffic-after-sigterm"));
    }

    @Test
    void aRollingUpdateBehindTheServiceLosesNoRequestWithMaxUnavailableZeroAndAReadinessProbe() throws Exception {
        Traffic measured = rollOutUnderTraffic("safe", true, "0.5");

        assertThat(measured.failures()).as(measured.sent() + " requests").isEmpty();
        assertThat(measured.sent()).isGreaterThan(100);
        assertThat(measured.answeredBy()).as("the 3 old and the 3 new Pods answered").hasSize(6);
        assertThat(reported()).noneMatch(e -> e.endsWith("traffic-before-ready") || e.endsWith("traffic-after-sigterm"));
    }

    @Test
    void withoutAReadinessProbeASlowStartingServerLosesRequests() throws Exception {
        Traffic measured = rollOutUnderTraffic("unprobed", false, "1.5");

        assertThat(measured.failures()).as(measured.sent() + " requests").isNotEmpty();
    }

    /**
     * Rolls a 3-replica Deployment (maxSurge 1, maxUnavailable 0) of a server that listens {@code startupDelay} seconds
     * after it starts over to a new version, under 50 requests a second through its Service, and returns what they met.
     */
    private Traffic rollOutUnderTraffic(String name, boolean readinessProbe, String startupDelay) throws Exception {
        Deployment d = deployment(name, 3, Map.of("STARTUP_DELAY", startupDelay, "PROBED", readinessProbe ? "1" : "0"),
                readinessProbe);
        d.getSpec().setStrategy(new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0))
                .endRollingUpdate().build());
        client.apps().deployments().resource(d).create();
        service(name);
        InetSocketAddress address = sandbox.serviceAddress("default", name);
        // without a readiness probe the Pods are ready before they listen: wait until all three answer
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            if (endpoints(name).stream().filter(e -> e.getConditions().getReady()).count() != 3) {
                return false;
            }
            for (int i = 0; i < 3; i++) {
                ServeScript.get(address.getPort(), "/");
            }
            return true;
        });

        Traffic traffic = Traffic.start(address, 50);
        try {
            client.apps().deployments().withName(name).edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec()
                    .editFirstContainer().addNewEnv().withName("VERSION").withValue("2").endEnv().endContainer().endSpec()
                    .endTemplate().endSpec().build());
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                List<Pod> pods = pods(name);
                return pods.size() == 3 && pods.stream().allMatch(p -> PodAvailability.isReady(p) && p.getSpec().getContainers().get(0).getEnv()
                        .stream().anyMatch(e -> "VERSION".equals(e.getName())));
            });
            // until every new Pod answered (without a readiness probe they were Ready long before), then a moment more
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.answeredBy().containsAll(
                    pods(name).stream().map(p -> p.getMetadata().getName()).toList()));
            int before = traffic.sent();
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.sent() > before + 25);
        } finally {
            traffic.close();
        }
        System.out.println("rolling update of " + name + " under traffic: " + traffic.sent() + " requests, "
                + traffic.failures().size() + " failed");
        return traffic;
    }

    /** A GET of {@code /} on a kept-alive connection: the body of the response. */
    private static String keepAliveGet(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after \"" + head + "\"");
            }
            head.append((char) b);
        }
        int length = head.toString().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
        return new String(in.readNBytes(length), StandardCharsets.UTF_8).strip();
    }
}

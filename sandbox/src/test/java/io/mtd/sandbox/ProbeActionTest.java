package io.mtd.sandbox;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeActionTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    @TempDir
    Path work;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("User-Agent") + " "
                    + exchange.getRequestHeaders().getFirst("X-Probe"));
            int code = switch (exchange.getRequestURI().getPath()) {
                case "/ok" -> 200;
                case "/moved" -> 302;
                case "/slow" -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    yield 200;
                }
                default -> 500;
            };
            exchange.getResponseHeaders().add("Location", "/ok");
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    /** A container with port 8000 ("http"), mapped to the test server's port. */
    private ProbeAction.Result probe(Probe probe) {
        Container container = new ContainerBuilder().withName("web").addNewPort().withName("http").withContainerPort(8000)
                .endPort().build();
        PodPorts ports = new PodPorts(Map.of(8000, server.getAddress().getPort()));
        return ProbeAction.of(probe, container, ports, Map.of("PATH", System.getenv("PATH"), "FLAG", "yes"), work).run();
    }

    private static Probe get(String path, IntOrString port) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(port).addNewHttpHeader("X-Probe", "sandbox")
                .endHttpGet().build();
    }

    @Test
    void anHttpGetPassesFor2xxAnd3xxAndFailsOtherwiseOnTheMappedPortByNameOrNumber() {
        assertThat(probe(get("/ok", new IntOrString("http"))).success()).isTrue();
        assertThat(probe(get("/moved", new IntOrString(8000))).success()).isTrue();
        ProbeAction.Result failed = probe(get("/broken", new IntOrString(8000)));
        assertThat(failed.success()).isFalse();
        assertThat(failed.message()).isEqualTo("HTTP probe failed with statuscode: 500");
        assertThat(requests).contains("/ok kube-probe/1.31 sandbox");
    }

    @Test
    void anHttpGetFailsOnAPortTheContainerDoesNotHaveOrThatNobodyListensOn() throws IOException {
        assertThat(probe(get("/ok", new IntOrString("metrics"))).message()).contains("not one of the container's");
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Container container = new ContainerBuilder().withName("web").build();
        ProbeAction.Result refused = ProbeAction.of(get("/ok", new IntOrString(8000)), container,
                new PodPorts(Map.of(8000, closed)), Map.of(), work).run();
        assertThat(refused.success()).isFalse();
        assertThat(refused.message()).startsWith("Get \"http://127.0.0.1:" + closed + "/ok\": ");
    }

    @Test
    void anHttpGetThatOutlastsItsTimeoutFails() {
        Probe slow = get("/slow", new IntOrString(8000));
        slow.setTimeoutSeconds(1);

        ProbeAction.Result result = probe(slow);

        assertThat(result.success()).isFalse();
        assertThat(result.message()).endsWith("context deadline exceeded");
    }

    @Test
    void anAnswerOnAConnectionTheServerKeepsOpenStillCounts() throws Exception {
        try (ServerSocket lingering = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (java.net.Socket connection = lingering.accept()) {
                    connection.getOutputStream().write("HTTP/1.1 204 No Content\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    connection.getOutputStream().flush();
                    release.await(10, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // the test ended
                }
            });
            server.start();
            Probe get = get("/", new IntOrString(8000));
            get.setTimeoutSeconds(1);

            ProbeAction.Result result = ProbeAction.of(get, new ContainerBuilder().withName("web").build(),
                    new PodPorts(Map.of(8000, lingering.getLocalPort())), Map.of(), work).run();

            assertThat(result.success()).isTrue();
            release.countDown();
            server.join(5000);
        }
    }

    @Test
    void aTcpSocketProbePassesWhenSomethingListens() {
        Probe tcp = new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString("http")).endTcpSocket().build();

        assertThat(probe(tcp).success()).isTrue();
        server.stop(0);
        assertThat(probe(tcp).success()).isFalse();
    }

    @Test
    void anExecProbePassesOnExitCodeZeroInTheContainersEnvironmentAndFailsOnTimeout() {
        Probe flagged = new ProbeBuilder().withNewExec().withCommand("sh", "-c", "test \"$FLAG\" = yes").endExec().build();
        Probe failing = new ProbeBuilder().withNewExec().withCommand("sh", "-c", "echo broken; exit 3").endExec().build();
        Probe hanging = new ProbeBuilder().withNewExec().withCommand("sleep", "30").endExec().withTimeoutSeconds(1).build();

        assertThat(probe(flagged).success()).isTrue();
        assertThat(probe(failing).message()).isEqualTo("command [sh, -c, echo broken; exit 3] exited with 3: broken");
        assertThat(probe(hanging).message()).isEqualTo("command [sleep, 30] timed out");
    }

    @Test
    void httpsAndGrpcProbesAreRefusedSayingSo() {
        Probe https = get("/ok", new IntOrString(8000));
        https.getHttpGet().setScheme("HTTPS");
        Probe grpc = new ProbeBuilder().withNewGrpc().withPort(8000).endGrpc().build();

        assertThat(probe(https).message()).isEqualTo("the sandbox kubelet probes only over HTTP, not HTTPS");
        assertThat(probe(grpc).message()).isEqualTo("the sandbox kubelet supports httpGet, tcpSocket and exec probes only");
    }
}

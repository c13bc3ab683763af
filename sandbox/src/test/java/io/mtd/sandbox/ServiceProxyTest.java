package io.mtd.sandbox;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One Service port's proxy, against plain line-echo servers on loopback. */
class ServiceProxyTest {

    private final Vertx vertx = Vertx.vertx();
    private final NetClient client = vertx.createNetClient();
    private final ExecutorService servers = Executors.newCachedThreadPool();
    private final List<ServerSocket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (ServerSocket socket : sockets) {
            socket.close();
        }
        servers.shutdownNow();
        vertx.close();
    }

    /** A server that answers each line with "{@code name}: line", on every connection, until closed. */
    private ServiceProxy.Backend echo(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        sockets.add(server);
        servers.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    servers.execute(() -> {
                        try (connection) {
                            var in = new java.io.BufferedReader(new java.io.InputStreamReader(connection.getInputStream(),
                                    StandardCharsets.UTF_8));
                            String line;
                            while ((line = in.readLine()) != null) {
                                connection.getOutputStream().write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                            }
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return new ServiceProxy.Backend("127.0.0.1", server.getLocalPort(), name, "uid-" + name);
    }

    private static String roundTrip(Socket socket, String line) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder answer = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed by the proxy after \"" + answer + "\"");
            }
            answer.append((char) b);
        }
        return answer.toString();
    }

    private Socket connect(ServiceProxy proxy) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.address().getPort());
        socket.setSoTimeout(5000);
        return socket;
    }

    @Test
    void eachNewConnectionGoesToTheNextReadyEndpoint() throws IOException {
        ServiceProxy proxy = ServiceProxy.open(vertx, client, "shop/web:http");
        proxy.route(List.of(echo("a"), echo("b")));

        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            try (Socket socket = connect(proxy)) {
                answers.add(roundTrip(socket, "hi"));
            }
        }

        assertThat(answers).containsExactly("a: hi", "b: hi", "a: hi", "b: hi");
        assertThat(proxy.connectionsPerPod()).containsEntry("a", 2L).containsEntry("b", 2L);
        proxy.close();
    }

    @Test
    void aConnectionKeepsItsEndpointWhenTheEndpointsChange() throws IOException {
        ServiceProxy proxy = ServiceProxy.open(vertx, client, "shop/web:http");
        ServiceProxy.Backend a = echo("a");
        proxy.route(List.of(a));
        try (Socket kept = connect(proxy)) {
            assertThat(roundTrip(kept, "one")).isEqualTo("a: one");

            proxy.route(List.of(echo("b")));

            try (Socket fresh = connect(proxy)) {
                assertThat(roundTrip(fresh, "two")).isEqualTo("b: two");
            }
            assertThat(roundTrip(kept, "three")).isEqualTo("a: three");
        }
        proxy.close();
    }

    @Test
    void withoutAReadyEndpointOrWhenItRefusesTheConnectionIsClosedAtOnce() throws IOException {
        ServiceProxy proxy = ServiceProxy.open(vertx, client, "shop/web:http");
        try (Socket socket = connect(proxy)) {
            assertThatThrownBy(() -> roundTrip(socket, "anyone?")).isInstanceOf(IOException.class);
        }
        int closed;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = gone.getLocalPort();
        }
        proxy.route(List.of(new ServiceProxy.Backend("127.0.0.1", closed, "gone", "uid-gone")));
        try (Socket socket = connect(proxy)) {
            assertThatThrownBy(() -> roundTrip(socket, "anyone?")).isInstanceOf(IOException.class);
        }

        assertThat(proxy.dropped()).isEqualTo(2);
        proxy.close();
    }
}

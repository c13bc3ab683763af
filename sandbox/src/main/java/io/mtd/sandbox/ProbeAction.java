package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.Probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One attempt of a container's probe, as the kubelet's prober makes it against the container on 127.0.0.1: an HTTP GET
 * (success for a status from 200 to 399, the request ending with {@code Connection: close} as the kubelet's does), a
 * TCP connect, or an exec of a command in the container's environment and working directory (success for exit code
 * 0), each bounded by {@code timeoutSeconds}. HTTPS and gRPC probes are not supported and fail, saying so.
 */
interface ProbeAction {

    /** How much of a probe's response is read. */
    int BODY_LIMIT = 10 * 1024;

    /** What one attempt found. */
    record Result(boolean success, String message) {
        static Result ok() {
            return new Result(true, null);
        }

        static Result failure(String message) {
            return new Result(false, message);
        }
    }

    /** Runs the attempt on the calling thread, within the probe's timeout. */
    Result run();

    /** The action of {@code probe} for {@code container}, whose ports are mapped by {@code ports}. */
    static ProbeAction of(Probe probe, Container container, PodPorts ports, Map<String, String> environment,
            Path workingDir) {
        int timeoutMillis = 1000 * Math.max(1, probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds());
        if (probe.getHttpGet() != null) {
            HTTPGetAction get = probe.getHttpGet();
            Integer port = ports.resolve(get.getPort(), container);
            if (get.getScheme() != null && !"HTTP".equalsIgnoreCase(get.getScheme())) {
                return () -> Result.failure("the sandbox kubelet probes only over HTTP, not " + get.getScheme());
            }
            return () -> port == null ? Result.failure("port " + get.getPort().toString() + " is not one of the container's")
                    : httpGet(port, get.getPath(), get.getHttpHeaders(), timeoutMillis);
        }
        if (probe.getTcpSocket() != null) {
            Integer port = ports.resolve(probe.getTcpSocket().getPort(), container);
            return () -> port == null ? Result.failure("port " + probe.getTcpSocket().getPort().toString()
                    + " is not one of the container's") : tcpConnect(port, timeoutMillis);
        }
        if (probe.getExec() != null && probe.getExec().getCommand() != null && !probe.getExec().getCommand().isEmpty()) {
            List<String> command = List.copyOf(probe.getExec().getCommand());
            return () -> exec(command, environment, workingDir, timeoutMillis);
        }
        return () -> Result.failure("the sandbox kubelet supports httpGet, tcpSocket and exec probes only");
    }

    private static Result httpGet(int port, String path, List<HTTPHeader> headers, int timeoutMillis) {
        StringBuilder request = new StringBuilder("GET ").append(path == null || path.isEmpty() ? "/" : path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n");
        boolean userAgent = false;
        if (headers != null) {
            for (HTTPHeader header : headers) {
                request.append(header.getName()).append(": ").append(header.getValue()).append("\r\n");
                userAgent |= "User-Agent".equalsIgnoreCase(header.getName());
            }
        }
        if (!userAgent) {
            request.append("User-Agent: kube-probe/1.31\r\n");
        }
        request.append("Accept: */*\r\nConnection: close\r\n\r\n");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String statusLine = readResponse(socket.getInputStream(), deadline);
            String[] parts = statusLine.split(" ", 3);
            int code;
            try {
                code = Integer.parseInt(parts.length > 1 ? parts[1] : "");
            } catch (NumberFormatException e) {
                return Result.failure("HTTP probe failed: malformed response \"" + statusLine + "\"");
            }
            return code >= 200 && code < 400 ? Result.ok() : Result.failure("HTTP probe failed with statuscode: " + code);
        } catch (SocketTimeoutException e) {
            return Result.failure("Get \"http://127.0.0.1:" + port + path + "\": context deadline exceeded");
        } catch (IOException e) {
            return Result.failure("Get \"http://127.0.0.1:" + port + path + "\": " + e.getMessage());
        }
    }

    /**
     * The status line, after reading the rest of the response (up to {@value #BODY_LIMIT} bytes, as the kubelet reads a
     * probe's body) so that the server sees no reset; a server that keeps the connection open past the deadline after
     * its status line still answered.
     */
    private static String readResponse(InputStream in, long deadline) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        String statusLine = null;
        byte[] buffer = new byte[4096];
        int total = 0;
        try {
            int n;
            while (total < BODY_LIMIT && (n = in.read(buffer)) >= 0) {
                total += n;
                if (statusLine == null) {
                    head.write(buffer, 0, n);
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n");
                    if (end >= 0) {
                        statusLine = text.substring(0, end);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SocketTimeoutException();
                }
            }
        } catch (SocketTimeoutException e) {
            if (statusLine == null) {
                throw e;
            }
        }
        return statusLine == null ? head.toString(StandardCharsets.ISO_8859_1) : statusLine;
    }

    private static Result tcpConnect(int port, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMillis);
            return Result.ok();
        } catch (IOException e) {
            return Result.failure("dial tcp 127.0.0.1:" + port + ": " + e.getMessage());
        }
    }

    private static Result exec(List<String> command, Map<String, String> environment, Path workingDir, int timeoutMillis) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process;
        try {
            Files.createDirectories(workingDir);
            builder.directory(workingDir.toFile());
            process = builder.start();
        } catch (IOException e) {
            return Result.failure("exec probe failed to start: " + e.getMessage());
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return Result.failure("command " + command + " timed out");
            }
            if (process.exitValue() == 0) {
                return Result.ok();
            }
            byte[] output = process.getInputStream().readNBytes(1024);
            return Result.failure(("command " + command + " exited with " + process.exitValue() + ": "
                    + new String(output, StandardCharsets.UTF_8)).strip());
        } catch (IOException e) {
            return Result.failure("exec probe failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return Result.failure("exec probe interrupted");
        }
    }
}

package io.mtd.migration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Follows one Pod's log and hands it on in batches of whole lines, in order, nothing lost; the last line is handed on
 * at the end even without its newline.
 *
 * <p>Reads the log request's body as the HTTP client delivers it, without a thread of its own: the I/O thread only
 * appends each block and asks for the next, and whatever arrived meanwhile is cut into lines in one go on the
 * executor. That is what makes it keep up with {@code kubectl logs -f}: fabric8's {@code watchLog} hands every chunk
 * (one line, from an API server that writes line by line) to another thread and waits for it before reading on.
 */
final class PodLogStream implements AutoCloseable {

    /** Bytes read but not yet cut into lines beyond which reading waits for the executor (back pressure). */
    static final int MAX_PENDING = 4 << 20;

    private final Lines lines;
    private final CompletableFuture<AsyncBody> body = new CompletableFuture<>();

    private PodLogStream(Lines lines) {
        this.lines = lines;
    }

    /**
     * Starts following the log of {@code container} in {@code pod}; call once the container runs or ran.
     *
     * @param executor cuts and hands on the lines; one batch at a time, so {@code batches} needs no locking
     */
    static PodLogStream follow(KubernetesClient client, String namespace, String pod, String container, Executor executor,
            Consumer<List<String>> batches) {
        PodLogStream stream = new PodLogStream(new Lines(executor, batches));
        HttpClient http = client.getHttpClient();
        HttpRequest request;
        try {
            request = http.newHttpRequestBuilder().url(new URL(URLUtils.join(client.getMasterUrl().toString(), "api", "v1",
                    "namespaces", namespace, "pods", pod, "log?pretty=false&follow=true&container="
                            + URLEncoder.encode(container, StandardCharsets.UTF_8)))).build();
        } catch (MalformedURLException e) {
            stream.lines.end();
            return stream;
        }
        http.consumeBytes(request, (List<ByteBuffer> buffers, AsyncBody a) -> stream.lines.write(buffers, a::consume))
                .whenComplete((response, e) -> {
                    if (e != null) {
                        stream.lines.end();
                        return;
                    }
                    AsyncBody b = response.body();
                    stream.body.complete(b);
                    if (!response.isSuccessful()) {
                        // e.g. 400 while the container is not running (any more): no log to follow, and the
                        // API server's message is not the migration's output
                        b.cancel();
                        stream.lines.end();
                        return;
                    }
                    b.done().whenComplete((v, t) -> stream.lines.end());
                    if (stream.lines.ended()) {
                        b.cancel();
                    } else {
                        b.consume();
                    }
                });
        return stream;
    }

    /** Completes when the log ended (the container exited), the stream broke or it was closed, and every line is out. */
    CompletableFuture<Void> done() {
        return lines.done;
    }

    /** Stops reading; what was read is still handed on, then {@link #done()} completes. */
    @Override
    public void close() {
        lines.end();
        body.thenAccept(b -> {
            // cancelling resets the connection: once the response ended, the pool may already have lent it to another
            // request, which the reset would break
            if (!b.done().isDone()) {
                b.cancel();
            }
        });
    }

    /**
     * Cuts blocks of UTF-8 bytes into lines: {@link #write} on the reading thread, the cutting and handing on on the
     * executor, one drain at a time, each taking every byte that arrived since the last.
     */
    static final class Lines {
        private final Executor executor;
        private final Consumer<List<String>> batches;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        // guarded by this: what the reader appended, and the drain's state
        private byte[] pending = new byte[8192];
        private int pendingLength;
        private boolean draining;
        private boolean ended;
        private Runnable readMore;

        // the drain's own: the buffer the reader gets next, and the bytes of a line whose newline has not arrived yet
        private byte[] spare = new byte[8192];
        private byte[] partial = new byte[256];
        private int partialLength;

        Lines(Executor executor, Consumer<List<String>> batches) {
            this.executor = executor;
            this.batches = batches;
        }

        /** Appends the bytes; runs {@code more} (asks for the next block) now, or once the backlog is drained. */
        void write(List<ByteBuffer> buffers, Runnable more) {
            boolean wait;
            synchronized (this) {
                if (ended) {
                    return;
                }
                for (ByteBuffer b : buffers) {
                    int n = b.remaining();
                    if (pendingLength + n > pending.length) {
                        byte[] bigger = new byte[Math.max(pending.length * 2, pendingLength + n)];
                        System.arraycopy(pending, 0, bigger, 0, pendingLength);
                        pending = bigger;
                    }
                    b.get(pending, pendingLength, n);
                    pendingLength += n;
                }
                wait = pendingLength >= MAX_PENDING;
                if (wait) {
                    readMore = more;
                }
                scheduleDrain();
            }
            if (!wait) {
                more.run();
            }
        }

        /** No more bytes will come: once the last are out, the partial last line follows and {@link #done} completes. */
        void end() {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                scheduleDrain();
            }
        }

        synchronized boolean ended() {
            return ended;
        }

        private void scheduleDrain() {
            if (draining) {
                return;
            }
            draining = true;
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // the engine is closing: nobody is left to read the lines
                draining = false;
                done.complete(null);
            }
        }

        private void drain() {
            while (true) {
                byte[] block;
                int length;
                boolean last;
                Runnable resume;
                synchronized (this) {
                    if (pendingLength == 0 && !ended) {
                        draining = false;
                        return;
                    }
                    block = pending;
                    length = pendingLength;
                    pending = spare;
                    pendingLength = 0;
                    last = ended;
                    resume = readMore;
                    readMore = null;
                }
                if (resume != null) {
                    resume.run();
                }
                List<String> out = cut(block, length, last);
                if (!out.isEmpty()) {
                    try {
                        batches.accept(out);
                    } catch (RuntimeException e) {
                        // a listener's failure must not stop the lines that follow
                    }
                }
                spare = block;
                if (last) {
                    synchronized (this) {
                        if (pendingLength == 0) {
                            done.complete(null);
                            return;
                        }
                    }
                }
            }
        }

        private List<String> cut(byte[] block, int length, boolean last) {
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < length; i++) {
                if (block[i] == '\n') {
                    if (partialLength > 0) {
                        appendPartial(block, start, i - start);
                        out.add(line(partial, 0, partialLength));
                        partialLength = 0;
                    } else {
                        out.add(line(block, start, i - start));
                    }
                    start = i + 1;
                }
            }
            appendPartial(block, start, length - start);
            if (last && partialLength > 0) {
                out.add(line(partial, 0, partialLength));
                partialLength = 0;
            }
            return out;
        }

        private void appendPartial(byte[] b, int off, int len) {
            if (partialLength + len > partial.length) {
                byte[] bigger = new byte[Math.max(partial.length * 2, partialLength + len)];
                System.arraycopy(partial, 0, bigger, 0, partialLength);
                partial = bigger;
            }
            System.arraycopy(b, off, partial, partialLength, len);
            partialLength += len;
        }

        private static String line(byte[] b, int off, int len) {
            int n = len > 0 && b[off + len - 1] == '\r' ? len - 1 : len;
            return new String(b, off, n, StandardCharsets.UTF_8);
        }
    }
}

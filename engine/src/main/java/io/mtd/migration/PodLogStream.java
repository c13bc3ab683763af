package io.mtd.migration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Follows one Pod's log and hands it on line by line as it arrives; the HTTP client's I/O thread delivers the bytes,
 * so following costs no thread of its own.
 */
final class PodLogStream implements AutoCloseable {

    private final LogWatch watch;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private PodLogStream(LogWatch watch, LineSplitter splitter) {
        this.watch = watch;
        watch.onClose().whenComplete((error, t) -> {
            splitter.flush0();
            done.complete(null);
        });
    }

    /** Starts following the log of {@code container} in {@code pod}; call once the container runs or ran. */
    static PodLogStream follow(KubernetesClient client, String namespace, String pod, String container, Consumer<String> lines) {
        LineSplitter splitter = new LineSplitter(lines);
        // the Pod already runs or ran: do not let fabric8 wait for it to become ready first
        LogWatch watch = client.pods().inNamespace(namespace).withName(pod).inContainer(container)
                .withReadyWaitTimeout(0)
                .watchLog(splitter);
        return new PodLogStream(watch, splitter);
    }

    /** Completes when the log ended (the container exited) or the stream broke. */
    CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void close() {
        watch.close();
    }

    /** Cuts a byte stream into UTF-8 lines. */
    static final class LineSplitter extends OutputStream {
        private final Consumer<String> lines;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineSplitter(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                emit();
            } else {
                current.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    current.write(b, start, i - start);
                    emit();
                    start = i + 1;
                }
            }
            current.write(b, start, off + len - start);
        }

        synchronized void flush0() {
            if (current.size() > 0) {
                emit();
            }
        }

        @Override
        public void flush() {
            // fabric8 flushes after each chunk; only a final partial line is emitted, at close
        }

        @Override
        public void close() {
            flush0();
        }

        private void emit() {
            String line = current.toString(StandardCharsets.UTF_8);
            current.reset();
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            lines.accept(line);
        }
    }
}

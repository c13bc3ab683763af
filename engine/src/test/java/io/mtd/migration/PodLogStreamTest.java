package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.SecretMasker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The log stream's cutting of blocks into lines, and its masking, apart from any HTTP. */
class PodLogStreamTest {

    /**
     * Random logs with random secrets in them, cut into random blocks (through multi-byte characters, between a
     * carriage return and its newline, inside secrets), drained by a real thread: every line arrives once, in order,
     * masked exactly as masking each whole line naively would, and the last line without its newline too.
     */
    @Test
    void randomBlocksGiveTheLinesOfTheWholeTextMaskedAsTheNaiveMaskerWould() throws Exception {
        Random random = new Random(42);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 300; round++) {
                List<String> secrets = new ArrayList<>();
                SecretMasker masker = new SecretMasker();
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    String s = word(random, 4 + random.nextInt(12));
                    secrets.add(s);
                    masker.add(s);
                }
                StringBuilder text = new StringBuilder();
                for (int line = 0, n = random.nextInt(60); line < n; line++) {
                    for (int w = 0, words = random.nextInt(6); w < words; w++) {
                        text.append(random.nextInt(4) == 0 ? secrets.get(random.nextInt(secrets.size())) : word(random, 1 + random.nextInt(9)))
                                .append(random.nextBoolean() ? " " : "");
                    }
                    text.append(random.nextInt(5) == 0 ? "\r\n" : "\n");
                }
                boolean partialLast = random.nextBoolean();
                if (partialLast) {
                    text.append("tail ").append(secrets.get(0));
                }
                List<String> expected = naiveLines(text.toString(), secrets);

                List<String> got = new ArrayList<>();
                PodLogStream.Lines lines = new PodLogStream.Lines(executor, batch -> got.addAll(masker.maskLines(batch)));
                byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                for (int at = 0; at < bytes.length; ) {
                    int size = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 4 : 300));
                    // sometimes several buffers at once, as the HTTP client may hand them
                    List<ByteBuffer> buffers = new ArrayList<>();
                    int split = random.nextInt(size + 1);
                    buffers.add(ByteBuffer.wrap(Arrays.copyOfRange(bytes, at, at + split)));
                    buffers.add(ByteBuffer.wrap(Arrays.copyOfRange(bytes, at + split, at + size)));
                    lines.write(buffers, () -> { });
                    at += size;
                }
                lines.end();
                lines.done.get(30, TimeUnit.SECONDS);

                assertThat(got).as("round %d: %s", round, text).containsExactlyElementsOf(expected);
                for (String line : got) {
                    for (String s : secrets) {
                        assertThat(line).doesNotContain(s);
                    }
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void readingWaitsWhileTooMuchIsPendingAndResumesOnceItIsDrained() {
        Deque<Runnable> queued = new ArrayDeque<>();
        List<String> got = new ArrayList<>();
        PodLogStream.Lines lines = new PodLogStream.Lines(queued::add, got::addAll);
        AtomicInteger reads = new AtomicInteger();
        byte[] block = "0123456789abcdef\n".repeat(4096).getBytes(StandardCharsets.UTF_8);
        int blocks = PodLogStream.MAX_PENDING / block.length + 1;
        for (int i = 0; i < blocks; i++) {
            lines.write(List.of(ByteBuffer.wrap(block)), reads::incrementAndGet);
        }

        assertThat(reads.get()).as("the last block did not ask for more").isEqualTo(blocks - 1);
        assertThat(queued).as("one drain for all of them").hasSize(1);

        queued.poll().run();

        assertThat(reads.get()).as("draining asked for more").isEqualTo(blocks);
        assertThat(got).hasSize(blocks * 4096).allMatch("0123456789abcdef"::equals);
        lines.end();
        queued.poll().run();
        assertThat(lines.done).isCompleted();
    }

    @Test
    void aFailingListenerDoesNotStopTheLinesAfterIt() throws Exception {
        Deque<Runnable> queued = new ArrayDeque<>();
        List<String> got = new ArrayList<>();
        PodLogStream.Lines lines = new PodLogStream.Lines(queued::add, batch -> {
            got.addAll(batch);
            if (got.size() == 1) {
                throw new IllegalStateException("listener broke");
            }
        });
        lines.write(List.of(ByteBuffer.wrap("one\n".getBytes(StandardCharsets.UTF_8))), () -> { });
        queued.poll().run();
        lines.write(List.of(ByteBuffer.wrap("two\nthree".getBytes(StandardCharsets.UTF_8))), () -> { });
        lines.end();
        queued.poll().run();

        assertThat(got).containsExactly("one", "two", "three");
        assertThat(lines.done).isCompleted();
    }

    private static String word(Random random, int length) {
        String alphabet = "abcdefgé中🙂";
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            int cp = alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length()))));
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    /** The whole text cut at each newline (a carriage return before it dropped), each line masked value by value. */
    private static List<String> naiveLines(String text, List<String> secrets) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            out.add(text.substring(start, i));
            start = i + 1;
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out.stream().map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l)
                .map(l -> io.mtd.progress.SecretMaskerTest.naiveMask(l, secrets)).toList();
    }
}

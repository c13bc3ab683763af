package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void aBatchOfLinesPrintsAsTheLinesOneByOneWould() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        ByteArrayOutputStream batched = new ByteArrayOutputStream();
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        List<String> lines = List.of("Migrating schema to version 2", "", "done");

        new ConsoleProgress(new PrintStream(batched, true, StandardCharsets.UTF_8), clock)
                .onLines(Stage.MIGRATION, "staging", "pod-1", lines);
        ConsoleProgress one = new ConsoleProgress(new PrintStream(single, true, StandardCharsets.UTF_8), clock);
        lines.forEach(l -> one.on(new ProgressEvent.LogLine(Stage.MIGRATION, "staging", "pod-1", l)));

        assertThat(batched.toString(StandardCharsets.UTF_8)).isEqualTo(single.toString(StandardCharsets.UTF_8))
                .contains("staging | Migrating schema to version 2");
    }

    @Test
    void anImageBuildLogThatOpensABraceItNeverClosesIsPrintedWhenTheStageEnds() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(out, true, StandardCharsets.UTF_8), clock);

        // an image build has no environment: its log goes by the builder's name, like a Flyway JSON result that never ends
        List.of("STEP 2/3: RUN ./print-config", "{", "error: exit status 1").forEach(line ->
                console.on(new ProgressEvent.LogLine(Stage.IMAGE, null, "docker", line)));
        console.on(new ProgressEvent.StageFinished(Stage.IMAGE, null, StageOutcome.FAILED, Duration.ofSeconds(3), null));

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("docker | STEP 2/3: RUN ./print-config")
                .contains("docker | {").contains("docker | error: exit status 1")
                .doesNotContain("null |");
    }
}

package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How each tool's output lines are read for the step that failed; docker's cannot run here (no daemon), so its lines are given. */
class BuilderOutputTest {

    private static String step(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        return m.matches() ? m.group(1) : null;
    }

    @Test
    void buildahAndPodmanStepsIncludingMultiStageOnes() {
        assertThat(step(BuildahBuilder.STEP, "STEP 2/3: RUN make")).isEqualTo("STEP 2/3: RUN make");
        assertThat(step(BuildahBuilder.STEP, "[1/2] STEP 3/5: RUN go build ./...")).isEqualTo("[1/2] STEP 3/5: RUN go build ./...");
        assertThat(step(BuildahBuilder.STEP, "make: *** [Makefile:3: all] Error 2")).isNull();
        assertThat(step(BuildahBuilder.STEP, "COMMIT registry.example.com/shop:1")).isNull();
    }

    @Test
    void dockerBuildKitAndClassicBuilderSteps() {
        assertThat(step(DockerBuilder.STEP, "#6 [2/3] RUN make")).isEqualTo("[2/3] RUN make");
        assertThat(step(DockerBuilder.STEP, "#9 [build 4/6] RUN go build ./...")).isEqualTo("[build 4/6] RUN go build ./...");
        assertThat(step(DockerBuilder.STEP, "Step 2/3 : RUN make")).isEqualTo("Step 2/3 : RUN make");
        assertThat(step(DockerBuilder.STEP, "#6 0.412 make: *** [Makefile:3: all] Error 2")).isNull();
        assertThat(step(DockerBuilder.STEP, "#6 DONE 0.5s")).isNull();
    }

    @Test
    void longErrorsKeepTheirRootCauseAndLoseGoStructDumps() {
        String unknown = "Error: building at STEP \"FROBNICATE \": Build error: Unknown instruction: \"FROBNICATE\" "
                + "&imagebuilder.Step{Env:[]string{\"PATH=/usr/bin\"}, Command:\"frobnicate\"}";
        assertThat(CliImageBuilder.shortened(unknown))
                .isEqualTo("Error: building at STEP \"FROBNICATE \": Build error: Unknown instruction: \"FROBNICATE\"");

        String chain = "Error: pushing image \"r/x:1\" to \"docker://r/x:1\": " + "trying to reuse blob sha256:abc at destination: ".repeat(10)
                + "dial tcp 127.0.0.1:5000: connect: connection refused";
        assertThat(CliImageBuilder.shortened(chain))
                .startsWith("Error: pushing image \"r/x:1\"")
                .contains(" ... ")
                .endsWith("connect: connection refused")
                .hasSizeLessThan(400);
    }
}

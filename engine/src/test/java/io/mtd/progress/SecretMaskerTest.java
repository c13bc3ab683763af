package io.mtd.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {

    @Test
    void masksEveryKnownValueLongestFirstAndLineByLine() {
        SecretMasker m = new SecretMasker();
        m.add("hunter2hunter2");
        m.add("hunter2");
        m.add("-----BEGIN KEY-----\nabcdefgh\n-----END KEY-----");
        m.add("ab"); // too short to mask without hiding the log
        assertThat(m.mask("pw=hunter2hunter2 and hunter2")).isEqualTo("pw=**** and ****");
        assertThat(m.mask("line: abcdefgh")).isEqualTo("line: ****");
        assertThat(m.mask("ab stays")).isEqualTo("ab stays");
    }

    @Test
    void theMaskingListenerMasksEveryKindOfEvent() {
        SecretMasker m = new SecretMasker();
        m.add("s3cr3t-value");
        StringBuilder seen = new StringBuilder();
        ProgressListener l = new MaskingListener(e -> seen.append(e).append('\n'), m);
        l.on(new ProgressEvent.StageStarted(Stage.MIGRATION, "staging", "s3cr3t-value"));
        l.on(new ProgressEvent.Note(Stage.MIGRATION, "staging", "s3cr3t-value"));
        l.on(new ProgressEvent.LogLine(Stage.MIGRATION, "staging", "pod", "s3cr3t-value"));
        l.on(new ProgressEvent.StageFinished(Stage.MIGRATION, "staging", StageOutcome.FAILED, Duration.ZERO, "s3cr3t-value"));
        assertThat(seen.toString()).doesNotContain("s3cr3t-value").contains(SecretMasker.MASK);
    }
}

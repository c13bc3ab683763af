package io.mtd.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.lint.Allowance;
import io.mtd.lint.Finding;
import io.mtd.lint.LintReport;
import io.mtd.lint.Phase;
import io.mtd.lint.Severity;
import io.mtd.lint.VerifiedStatement;
import io.mtd.promotion.ApprovalBrief;
import io.mtd.report.ApprovalReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.FlywayReport;
import io.mtd.report.ImageReport;
import io.mtd.report.MigrationReport;
import io.mtd.report.RolloutReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

public class SecretMaskerTest {

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
        l.onLines(Stage.MIGRATION, "staging", "pod", List.of("first", "pw=s3cr3t-value", "last"));
        assertThat(seen.toString()).doesNotContain("s3cr3t-value").contains(SecretMasker.MASK)
                .contains("LogLine[stage=MIGRATION, environment=staging, source=pod, line=first]")
                .contains("line=pw=****]").contains("line=last]");
    }
    @Test
    void overlappingValuesAreHiddenWhole() {
        SecretMasker m = new SecretMasker();
        m.add("abcdef");
        m.add("defghi");
        m.add("xyzw");
        assertThat(m.mask("1abcdefghi2")).isEqualTo("1****2");
        assertThat(m.mask("xyzwxyzw")).as("adjacent, as replacing each would").isEqualTo("********");
        assertThat(m.maskLines(List.of("abcdef", "plain", "xyzw"))).containsExactly("****", "plain", "****");
        List<String> untouched = List.of("plain", "text");
        assertThat(m.maskLines(untouched)).isSameAs(untouched);
    }

    /** Random values over a small alphabet, so that they overlap, nest and repeat; the one pass must hide what a search for each value finds. */
    @Test
    void onePassMasksWhatSearchingForEachValueFinds() {
        Random random = new Random(20261202L);
        for (int round = 0; round < 2000; round++) {
            SecretMasker m = new SecretMasker();
            List<String> values = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
                String v = randomText(random, "abcé\u4e2dx", 4 + random.nextInt(6));
                values.add(v);
                m.add(v);
            }
            StringBuilder text = new StringBuilder();
            while (text.length() < 200) {
                text.append(random.nextInt(3) == 0 ? values.get(random.nextInt(values.size())) : randomText(random, "abcé\u4e2dxyz ", 1 + random.nextInt(8)));
            }
            String t = text.toString();
            String masked = m.mask(t);
            assertThat(masked).as("round %d, values %s, text %s", round, values, t).isEqualTo(naiveMask(t, values));
            for (String v : values) {
                assertThat(masked).doesNotContain(v);
            }
        }
    }

    private static String randomText(Random random, String alphabet, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void aValueIsMaskedInItsBase64FormsToo() {
        SecretMasker m = new SecretMasker();
        m.add("s3cr3t?>value");
        byte[] bytes = "s3cr3t?>value".getBytes(StandardCharsets.UTF_8);
        String standard = Base64.getEncoder().encodeToString(bytes);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(standard).isNotEqualTo(urlSafe + "=").as("the value was chosen so that the two forms differ");
        assertThat(m.mask("data: {password: " + standard + "} url=" + urlSafe))
                .isEqualTo("data: {password: " + SecretMasker.MASK + "==} url=" + SecretMasker.MASK);
    }

    /** A report with every kind of field: nested records, lists, enums, times, durations, numbers, booleans. */
    private static RunReport report(String secret) {
        Finding finding = new Finding("ban-drop-column", Severity.ERROR, "V2__drop.sql", 3, "alter table t drop column " + secret,
                "drops column " + secret, "the running version reads it", "stop reading it first", Phase.PRE_ROLLOUT,
                new Allowance("ban-drop-column", "v1.3 stopped reading " + secret, "plan"), Finding.Verification.CONFIRMED);
        LintReport lint = new LintReport(List.of(finding), List.of(finding.acknowledged()), List.of("migration '" + secret + "' was not checked"),
                List.of(), 2, 5, LintReport.Rollback.UNSAFE, List.of(new VerifiedStatement("V2__drop.sql", 3, 3, "alter ... " + secret,
                        List.of("AccessExclusiveLock on t"), List.of(), List.of("t"), List.of("dropped t." + secret), "0",
                        "ERROR: " + secret, null)));
        MigrationReport migration = new MigrationReport("shop-staging-migrate-0123456789", StageOutcome.FAILED, "Error",
                "exit 1: bad password " + secret, 1, 1, Duration.ofMillis(3400), new FlywayReport(null, "3",
                        List.of(new FlywayReport.AppliedMigration("1", "create " + secret, "V1__create.sql", 14L)), null, null));
        RolloutReport rollout = new RolloutReport("deployments", StageOutcome.SUCCEEDED, null, Duration.ofMillis(600),
                List.of(new RolloutReport.DeploymentReport("shop-web", StageOutcome.SUCCEEDED, null, 1L, 2L, false, true)));
        return new RunReport("shop", "run-1", new ImageReport("shop:1", "shop@sha256:" + "a".repeat(64), "sha256:" + "a".repeat(64),
                true, Duration.ofSeconds(12)),
                List.of(new EnvironmentReport("staging", "shop-staging", StageOutcome.FAILED,
                        new ApprovalReport(StageOutcome.SUCCEEDED, "bob", "ok " + secret, Instant.parse("2026-11-22T10:00:00Z")),
                        migration, rollout, migration)),
                RunOutcome.MIGRATION_FAILED, "staging: " + secret, Instant.parse("2026-11-22T09:59:00.123456789Z"),
                Duration.ofSeconds(75), lint);
    }

    @Test
    void maskAllMasksEveryStringOfARecordAndKeepsEverythingElseAsItWas() {
        SecretMasker m = new SecretMasker();
        m.add("hunter2-value");
        assertThat(m.maskAll(report("hunter2-value"), RunReport.class))
                .as("every string masked, every other field read back as it was").isEqualTo(report(SecretMasker.MASK));
        RunReport clean = report("nothing-here");
        assertThat(m.maskAll(clean, RunReport.class)).as("nothing to mask: the same report").isSameAs(clean);
        assertThat(new SecretMasker().maskAll(clean, RunReport.class)).isSameAs(clean);
    }

    @Test
    void anApprovalBriefLeavesTheEngineMaskedWithWhatEarlierEnvironmentsDid() {
        SecretMasker m = new SecretMasker();
        m.add("hunter2-value");

        ApprovalBrief masked = m.maskAll(brief("hunter2-value"), ApprovalBrief.class);

        assertThat(masked).isEqualTo(brief(SecretMasker.MASK));
        assertThat(String.join("\n", masked.lines())).doesNotContain("hunter2-value").contains("--password=" + SecretMasker.MASK);
    }

    private static ApprovalBrief brief(String secret) {
        RunReport earlier = report(secret);
        return new ApprovalBrief(earlier.image(), earlier.environments(), earlier.lint(),
                new ApprovalBrief.PlannedMigration("shop-production-migrate-0123456789", "shop-production",
                        List.of("migrate", "--password=" + secret), null, null, "note " + secret),
                "deployments", List.of(new ApprovalBrief.RolloutTarget("shop-web", null)), Instant.parse("2026-11-22T10:01:00Z"));
    }

    /** Every occurrence of every value (overlapping ones too) found by indexOf; overlapping occurrences hidden as one. */
    public static String naiveMask(String text, List<String> values) {
        List<int[]> found = new ArrayList<>();
        for (String v : values) {
            if (v.length() < 4) {
                continue;
            }
            for (int i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1)) {
                found.add(new int[] {i, i + v.length() - 1});
            }
        }
        found.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        StringBuilder out = new StringBuilder();
        int copied = 0;
        for (int k = 0; k < found.size(); ) {
            int start = found.get(k)[0];
            int end = found.get(k)[1];
            while (++k < found.size() && found.get(k)[0] <= end) {
                end = Math.max(end, found.get(k)[1]);
            }
            out.append(text, copied, start).append(SecretMasker.MASK);
            copied = end + 1;
        }
        return out.append(text.substring(copied)).toString();
    }
}

package io.mtd.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.release.Passage.Verdict;
import org.junit.jupiter.api.Test;

/** Whether a run's release passes an environment, judged from the record alone (no clock anywhere). */
class PassageTest {

    private static final String STAGING = "staging/shop-staging";

    private static Release release(String run, long order, String image) {
        return new Release(image, run, null, new RunOrder(order, STAGING), null, Release.State.ROLLED_OUT, false);
    }

    @Test
    void anOlderRunIsSupersededByTheNewerRunsReleaseAndTheMessageNamesBoth() {
        Release b = release("job#8", 8, "shop@sha256:bbb");
        Release a = release("job#7", 7, "shop@sha256:aaa");

        Passage p = Passage.judge(b, a, false);

        assertThat(p.verdict()).isEqualTo(Verdict.SUPERSEDED);
        assertThat(p.passes()).isFalse();
        assertThat(p.supersededBecause("production", a)).contains("run job#8", "#8 of " + STAGING, "took production to shop@sha256:bbb",
                "shop@sha256:aaa is older", "--rollback");
    }

    @Test
    void aNewerRunPassesTheSameRunPassesAndTheFirstRunPasses() {
        Release a = release("job#7", 7, "shop@sha256:aaa");
        Release b = release("job#8", 8, "shop@sha256:bbb");

        assertThat(Passage.judge(a, b, false).verdict()).isEqualTo(Verdict.AHEAD);
        assertThat(Passage.judge(null, b, false).verdict()).isEqualTo(Verdict.FIRST);
        // a later step of the same Jenkins build: its own record, whatever state it reached
        assertThat(Passage.judge(b.in(Release.State.MIGRATED), b.in(Release.State.ROLLING_OUT), false).verdict())
                .isEqualTo(Verdict.SAME_RUN);
        // the image names nothing about age: a newer run of an image with a lower tag moves forward
        assertThat(Passage.judge(release("job#9", 9, "shop:2.0"), release("job#10", 10, "shop:1.0"), false).passes()).isTrue();
    }

    @Test
    void anOlderRunOfTheSameImageGoesOnWithoutRecordingItselfOverTheNewerRun() {
        Passage p = Passage.judge(release("job#8", 8, "shop@sha256:aaa"), release("job#7", 7, "shop@sha256:aaa"), false);

        assertThat(p.verdict()).isEqualTo(Verdict.SAME_IMAGE);
        assertThat(p.passes()).isTrue();
        assertThat(p.records()).isFalse();
    }

    @Test
    void aRollbackPassesAnyRecordAndSaysItGoesBackOnPurpose() {
        Release b = release("job#8", 8, "shop@sha256:bbb");
        Release r = release("job#7", 7, "shop@sha256:aaa").asRollback();

        Passage p = Passage.judge(b, r, true);

        assertThat(p.verdict()).isEqualTo(Verdict.ROLLBACK);
        assertThat(p.passes()).isTrue();
        assertThat(p.note("production")).startsWith("rolling production back on purpose (rollback: true) from shop@sha256:bbb");
    }

    @Test
    void ordersOfAnotherCounterCannotBeComparedSoTheRunGoesOnAndSaysWhy() {
        Release other = new Release("shop:9", "job#3", null, new RunOrder(99, "qa/shop-qa"), null, Release.State.ROLLED_OUT, false);

        Passage p = Passage.judge(other, release("job#4", 4, "shop:1"), false);

        assertThat(p.verdict()).isEqualTo(Verdict.UNORDERED);
        assertThat(p.note("production")).contains("ordered by another counter", "same first environment");
    }
}

package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.mtd.promotion.ApprovalGate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The approval form's deadline: the approval timeout from the moment it was asked, in minutes left rounded up. */
class PendingApprovalTest {

    private static final Instant ASKED = Instant.parse("2026-12-07T20:00:00Z");

    @Test
    void theDeadlineIsTheTimeoutAfterTheRequestAndTheMinutesLeftRoundUp() {
        MigrateThenDeployAction.PendingApproval p = pending(Duration.ofMinutes(30));
        assertThat(p.getDeadline(), is(Instant.parse("2026-12-07T20:30:00Z")));
        assertThat(p.timeLeft(ASKED), is("in 30 min"));
        assertThat(p.timeLeft(ASKED.plusSeconds(61)), is("in 29 min"));
        assertThat(p.timeLeft(ASKED.plus(Duration.ofMinutes(29)).plusSeconds(1)), is("in less than 1 min"));
    }

    @Test
    void withoutATimeoutThereIsNoDeadline() {
        MigrateThenDeployAction.PendingApproval p = pending(null);
        assertThat(p.getDeadline(), nullValue());
        assertThat(p.timeLeft(ASKED), nullValue());
        assertThat("a build that does not say where it comes from has no commit", p.getOrigin().commit(), nullValue());
    }

    @Test
    void aLongCommitIsShortenedForThePageOnly() {
        BuildOrigin o = new BuildOrigin(List.of("Started by user alice"), "0123456789abcdef0123", "GIT_COMMIT");
        assertThat(o.shortCommit(), is("0123456789ab"));
        assertThat(o.commit(), is("0123456789abcdef0123"));
        assertThat(new BuildOrigin(List.of(), "r42", "SVN_REVISION").shortCommit(), is("r42"));
    }

    private static MigrateThenDeployAction.PendingApproval pending(Duration timeout) {
        return new MigrateThenDeployAction.PendingApproval(
                new ApprovalGate.Request("shop", "production", "production", "registry.example.com/shop:1.0", List.of(), timeout),
                null, ASKED);
    }
}

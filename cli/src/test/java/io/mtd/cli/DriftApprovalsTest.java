package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.promotion.ApprovalGate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A schema drift is accepted up front only by its own fingerprint: approving the environment never accepts it. */
class DriftApprovalsTest {

    private static final ApprovalGate.Drift DRIFT = new ApprovalGate.Drift(
            "production has drifted from the schema staging was tested on", "staging before its migration",
            List.of("+ index public.customer.customer_name_hotfix: USING btree(name)"), "3f2a9c1b0d4e");

    private static ApprovalGate.Request request(ApprovalGate.Drift drift) {
        return new ApprovalGate.Request("shop", "production", "shop", "shop:2", List.of(), Duration.ofMinutes(1), drift);
    }

    @Test
    void approvingTheEnvironmentOrAllPromotesButAcceptsNoDrift() {
        TerminalApprovals approvals = new TerminalApprovals(Set.of("production", "all"), Set.of(), Optional::empty, null);

        assertThat(approvals.approvedUpFront(request(null))).contains("--approve production");
        assertThat(approvals.approvedUpFront(request(DRIFT))).isNull();
        ApprovalGate.Decision d = approvals.request(request(DRIFT)).toCompletableFuture().join();
        assertThat(d.approved()).isFalse();
        assertThat(d.comment()).contains("--accept-drift 3f2a9c1b0d4e").doesNotContain("--approve");
    }

    @Test
    void onlyTheVeryFingerprintAcceptsADriftUpFrontAndTheAcceptanceSaysWhich() {
        TerminalApprovals other = new TerminalApprovals(Set.of(), Set.of("0000aaaa1111"), Optional::empty, null);
        assertThat(other.approvedUpFront(request(DRIFT))).isNull();
        assertThat(other.request(request(DRIFT)).toCompletableFuture().join().approved()).isFalse();

        TerminalApprovals same = new TerminalApprovals(Set.of(), Set.of("3f2a9c1b0d4e"), Optional::empty, null);
        assertThat(same.approvedUpFront(request(DRIFT))).endsWith("(--accept-drift 3f2a9c1b0d4e)");
        assertThat(same.approvedUpFront(request(null))).isNull(); // the promotion itself is still asked
        ApprovalGate.Decision d = same.request(request(DRIFT)).toCompletableFuture().join();
        assertThat(d.approved()).isTrue();
        assertThat(d.by()).contains("--accept-drift 3f2a9c1b0d4e");
    }
}

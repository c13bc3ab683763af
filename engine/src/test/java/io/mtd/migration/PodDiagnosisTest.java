package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PodDiagnosisTest {

    private static Pod waiting(String reason, String message) {
        return new PodBuilder().withNewMetadata().withName("shop-migrate-x").endMetadata().withNewStatus().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withImage("shop:1").withRestartCount(0)
                        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build())
                .endStatus().build();
    }

    @Test
    void aRootImageUnderRunAsNonRootIsItsOwnReasonWithThePodSecurityFix() {
        PodDiagnosis.Problem p = PodDiagnosis.stuck(waiting("CreateContainerConfigError",
                "container has runAsNonRoot and image will run as root"), Duration.ZERO, Duration.ofMinutes(1)).orElseThrow();

        assertThat(p.reason()).isEqualTo(MigrationReason.Kubernetes.RUN_AS_NON_ROOT.value());
        assertThat(p.hint()).contains("migration.podSecurity: {runAsUser: 1000}").contains("USER 1000")
                .doesNotContain("Secret");
    }

    @Test
    void aMissingSecretKeepsItsReasonAndTheSecretHint() {
        PodDiagnosis.Problem p = PodDiagnosis.stuck(waiting("CreateContainerConfigError", "secret \"shop-db\" not found"),
                Duration.ZERO, Duration.ofMinutes(1)).orElseThrow();

        assertThat(p.reason()).isEqualTo("CreateContainerConfigError");
        assertThat(p.hint()).doesNotContain("runAsUser");
    }
}

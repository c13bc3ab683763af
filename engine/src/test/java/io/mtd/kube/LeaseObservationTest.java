package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** Another run's lease as a waiter judges it: by how long it saw the record unchanged, never by the record's times. */
class LeaseObservationTest {

    private static final Duration FALLBACK = Duration.ofSeconds(30);
    private static final long S = 1_000_000_000L;

    private static LeaseRecord record(String renewTime, String version) {
        return new LeaseRecord("run-a", 10, null, ZonedDateTime.parse(renewTime), 0, version);
    }

    @Test
    void aLeaseRenewedLongAgoByAnotherClockIsNotExpiredUntilTheWaiterSawItUnchangedForAFullLease() {
        LeaseRecord longAgo = record("2001-01-01T00:00:00Z", "7");
        LeaseObservation seen = LeaseObservation.next(null, longAgo, 100 * S);

        assertThat(seen.expired(100 * S, FALLBACK)).as("first seen just now").isFalse();
        assertThat(seen.expired(109 * S, FALLBACK)).isFalse();
        assertThat(seen.expiresIn(104 * S, FALLBACK)).isEqualTo(Duration.ofSeconds(6));
        assertThat(LeaseObservation.next(seen, longAgo, 110 * S).expired(110 * S, FALLBACK))
                .as("unchanged for its 10s, as seen here").isTrue();
    }

    @Test
    void anyChangeOfTheRecordStartsTheCountAgainWhateverItsRenewTimeSays() {
        LeaseObservation seen = LeaseObservation.next(null, record("2030-01-01T00:00:00Z", "7"), 0);
        // a renewal by a holder whose clock is behind: an older renewTime, but a new version of the Lease
        LeaseObservation renewed = LeaseObservation.next(seen, record("2029-12-31T23:58:30Z", "8"), 9 * S);

        assertThat(renewed.observedAt()).isEqualTo(9 * S);
        assertThat(renewed.expired(18 * S, FALLBACK)).isFalse();
        assertThat(renewed.expired(19 * S, FALLBACK)).isTrue();
        assertThat(LeaseObservation.next(renewed, record("2029-12-31T23:58:30Z", "8"), 15 * S)).isSameAs(renewed);
    }

    @Test
    void aRecordWithoutADurationLastsTheWaitersOwn() {
        LeaseObservation seen = LeaseObservation.next(null, new LeaseRecord("run-a", null, null, null, 0, "1"), 0);

        assertThat(seen.leaseDuration(FALLBACK)).isEqualTo(FALLBACK);
        assertThat(seen.expired(29 * S, FALLBACK)).isFalse();
        assertThat(seen.expired(30 * S, FALLBACK)).isTrue();
    }
}

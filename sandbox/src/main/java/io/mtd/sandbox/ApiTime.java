package io.mtd.sandbox;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Timestamps as the API server stores them: RFC 3339 in UTC, whole seconds. */
final class ApiTime {

    private ApiTime() {
    }

    static String now() {
        return format(Instant.now());
    }

    static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}

package io.mtd.cli;

import io.mtd.plan.Migration;
import io.mtd.plan.Plan;

/** Command-line overrides of a loaded plan. */
final class Plans {

    private Plans() {}

    static Plan withRetry(Plan p) {
        Migration m = p.migration();
        Migration retrying = m.toBuilder().retry(true).build();
        return new Plan(p.app(), p.image(), p.build(), retrying, p.rollout(), p.environments());
    }
}

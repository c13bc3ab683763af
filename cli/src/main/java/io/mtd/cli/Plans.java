package io.mtd.cli;

import io.mtd.plan.Migration;
import io.mtd.plan.Plan;

/** Command-line overrides of a loaded plan. */
final class Plans {

    private Plans() {}

    static Plan withRetry(Plan p) {
        Migration m = p.migration();
        Migration retrying = new Migration(m.command(), m.flyway(), m.env(), m.envFromSecret(), m.envFromConfigMap(), m.secretEnv(),
                m.timeout(), m.backoffLimit(), true, m.ttlAfterFinished(), m.onCancel(), m.serviceAccount(), m.resources(),
                m.podSecurity(), m.lock(), m.lint(), m.postRollout());
        return new Plan(p.app(), p.image(), p.build(), retrying, p.rollout(), p.environments());
    }
}

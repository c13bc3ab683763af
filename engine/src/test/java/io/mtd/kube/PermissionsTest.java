package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionsTest {

    @Test
    void aForbiddenFailureBecomesOneLineWithTheAccountVerbResourceNamespaceAndTheHint() {
        String raw = "staging: rollout failed: could not update Deployment shop-web in namespace shop: Failure executing: PATCH at:"
                + " https://k8s/apis/apps/v1/namespaces/shop/deployments/shop-web. Message: deployments.apps \"shop-web\" is"
                + " forbidden: User \"system:serviceaccount:ci:deployer\" cannot patch resource \"deployments\" in API group"
                + " \"apps\" in the namespace \"shop\". Received status: Status(apiVersion=v1, code=403, ...)";
        assertThat(Permissions.explainForbidden(raw)).isEqualTo("staging: rollout failed: forbidden: the account"
                + " system:serviceaccount:ci:deployer may not patch apps/deployments in namespace shop (the API server answered"
                + " 403): grant it with the Role that `mtd rbac PLAN --service-account NAME` prints");
        assertThat(Permissions.explainForbidden("staging: migration failed: exit 3")).isEqualTo("staging: migration failed: exit 3");
    }

    @Test
    void theRulesFollowThePlan() {
        Migration command = Migration.ofCommand(List.of("migrate"));
        Plan plain = new Plan("shop", "shop:1", null, command, null, List.of(Environment.of("staging", "s", List.of())));
        assertThat(Permissions.required(plain, plain.environments().get(0))).extracting(Permissions.Rule::resource)
                .containsExactly("jobs", "pods", "pods/log", "leases", "configmaps");
        // every plan: a never-started Job and its Pods are deleted, and the lock is waited on by watch
        List<Permissions.Rule> plainRules = Permissions.required(plain, plain.environments().get(0));
        assertThat(plainRules.get(0).verbs()).contains("delete");
        assertThat(plainRules.get(1).verbs()).contains("deletecollection");
        assertThat(plainRules.get(3).verbs()).contains("list", "watch");
        // every plan: the environment's release record is read and written with its resourceVersion
        assertThat(plainRules.get(4).verbs()).containsExactly("get", "create", "update");
        Migration flyway = Migration.builder()
                .flyway(new Flyway(List.of("db"), null, null, null, "db", null, null, null, null, null)).retry(true).build();
        Plan rolling = new Plan("shop", "shop:1", null, flyway, null, List.of(Environment.of("staging", "s", List.of("web"))));
        List<Permissions.Rule> rules = Permissions.required(rolling, rolling.environments().get(0));
        assertThat(rules).extracting(Permissions.Rule::resource)
                .containsExactly("jobs", "pods", "pods/log", "leases", "configmaps", "deployments", "replicasets");
        assertThat(rules.get(0).verbs()).contains("delete"); // retry replaces a failed Job
        assertThat(Permissions.role(rolling, rolling.environments().get(0), "shop-mtd", true).getRules())
                .anySatisfy(r -> assertThat(r.getResources()).containsExactly("secrets"));
    }
}

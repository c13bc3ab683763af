package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Role {@code mtd rbac} prints is exactly what a run needs: with it (on a sandbox that enforces RBAC as an API server
 * does) a whole run succeeds; without any one of its verbs the run fails promptly, naming the verb, the resource, the
 * namespace and the account, with the {@code mtd rbac} hint; without reading Secrets it still succeeds and says why
 * values cannot be masked.
 */
@ExtendWith(SandboxExtension.class)
class LeastPrivilegeTest {

    private static final String ACCOUNT = "deployer";
    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture fixture;
    private static int namespaces;

    /** A plan with a Secret, a Deployment and a Flyway-free command, in a namespace of its own. */
    private static Plan plan(String namespace) {
        Migration m = Migration.builder().command("sh", "-c", "echo migrating with $PASSWORD")
                .envFromSecret(List.of("shop-db")).timeout("2m").build();
        return new Plan("shop", "shop:2", null, m, null,
                List.of(Environment.of("staging", namespace, List.of("shop-web"))));
    }

    private static RunReport run(Plan plan, Role role, RecordingListener listener) {
        String ns = plan.environments().get(0).namespace();
        fixture.secret(ns, "shop-db", Map.of("PASSWORD", "s3cret-value"));
        fixture.deployment(ns, "shop-web", "shop:1");
        fixture.client.resource(role).create();
        fixture.client.resource(Permissions.binding(plan.environments().get(0), role.getMetadata().getName(), ACCOUNT, null)).create();
        try (MigrateThenDeploy engine = fixture.builder(listener, "rbac-" + ns)
                .clusters(env -> new KubernetesClientBuilder().withConfig(fixture.sandbox.serviceAccountConfig(ns, ACCOUNT)).build())
                .build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static String namespace() {
        return "rbac-" + namespaces++;
    }

    @Test
    void aRunWithExactlyTheRoleSucceedsAndMasksTheSecret() {
        Plan plan = plan(namespace());
        RecordingListener listener = new RecordingListener();
        RunReport report = run(plan, Permissions.role(plan, plan.environments().get(0), "shop-mtd", true), listener);
        assertThat(report.outcome()).as(listener.text() + report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(listener.text()).contains("migrating with ****").doesNotContain("s3cret-value");
    }

    @Test
    void withoutReadingSecretsTheRunStillWorksAndSaysOnceWhichValuesCannotBeMasked() {
        Plan plan = plan(namespace());
        RecordingListener listener = new RecordingListener();
        RunReport report = run(plan, Permissions.role(plan, plan.environments().get(0), "shop-mtd", false), listener);
        assertThat(report.outcome()).as(listener.text()).isEqualTo(RunOutcome.SUCCEEDED);
        List<String> notes = listener.events.stream().filter(e -> e instanceof ProgressEvent.Note)
                .map(e -> ((ProgressEvent.Note) e).message()).filter(m -> m.contains("cannot be masked")).toList();
        assertThat(notes).singleElement().satisfies(n -> assertThat(n).contains("Secret shop-db", ACCOUNT, "may not get secrets",
                "mtd rbac").contains("cannot be masked in the log: the account ").doesNotContain("forbidden"));
    }

    @Test
    void withoutAnyOneVerbTheRunFailsNamingTheVerbResourceNamespaceAndAccount() {
        Plan template = plan("x");
        List<String> failures = new ArrayList<>();
        for (Permissions.Rule rule : Permissions.required(template, template.environments().get(0))) {
            for (String verb : rule.verbs()) {
                Plan plan = plan(namespace());
                Role role = Permissions.role(plan, plan.environments().get(0), "shop-mtd", true);
                for (PolicyRule r : role.getRules()) {
                    if (r.getResources().contains(rule.resource())) {
                        List<String> verbs = new ArrayList<>(r.getVerbs());
                        verbs.remove(verb);
                        r.setVerbs(verbs);
                    }
                }
                RecordingListener listener = new RecordingListener();
                long started = System.nanoTime();
                RunReport report = run(plan, role, listener);
                String ns = plan.environments().get(0).namespace();
                String what = rule.resource() + " " + verb;
                if (report.outcome() == RunOutcome.SUCCEEDED) {
                    failures.add(what + ": the run succeeded without it");
                    continue;
                }
                String failure = String.valueOf(report.failure());
                String resource = (rule.apiGroup().isEmpty() ? "" : rule.apiGroup() + "/") + rule.resource();
                if (!(failure.contains("may not " + verb + " " + resource + " in namespace " + ns)
                        && failure.contains("system:serviceaccount:" + ns + ":" + ACCOUNT) && failure.contains("mtd rbac"))) {
                    failures.add(what + ": " + report.outcome() + ": " + failure);
                }
                if (Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(45)) > 0) {
                    failures.add(what + ": took " + Duration.ofNanos(System.nanoTime() - started).toSeconds() + "s to fail");
                }
            }
        }
        assertThat(failures).isEmpty();
    }

}

package io.mtd.bench;

import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measure 5: a whole two-environment plan (staging then production) with instant migrations and a two-replica
 * Deployment rolled out after each, run by the engine, beside a shell script doing the same with kubectl: apply the
 * Job, wait for it, print its log, set the Deployment's image, wait for the rollout, per environment in order.
 */
final class EndToEnd {

    private static final String[] ENVIRONMENTS = {"staging", "production"};
    private static final String SCRIPT = "echo migrating; echo migrated";
    private static final String DEPLOYMENT = "shop-web";
    private static final String CONTAINER = "web";

    /** Wall-clock milliseconds of whole runs. */
    record Result(int repetitions, Percentiles engine, Percentiles script) {}

    private final Setup setup;

    EndToEnd(Setup setup) {
        this.setup = setup;
    }

    Result run(int repetitions) throws Exception {
        List<Double> engine = new ArrayList<>();
        List<Double> script = new ArrayList<>();
        for (String env : ENVIRONMENTS) {
            deploy("e2e-" + env);
            deploy("e2e-kubectl-" + env);
        }
        for (int r = 0; r < repetitions; r++) {
            engine.add(engineOnce(r));
            if (setup.kubectl().isPresent()) {
                script.add(scriptOnce(r));
            }
        }
        for (String env : ENVIRONMENTS) {
            for (String ns : List.of("e2e-" + env, "e2e-kubectl-" + env)) {
                setup.jobs().clear(ns);
                setup.client().apps().deployments().inNamespace(ns).delete();
            }
        }
        return new Result(repetitions, Percentiles.of(engine), script.isEmpty() ? null : Percentiles.of(script));
    }

    private double engineOnce(int r) throws Exception {
        Plan plan = MigrationJobs.plan("shop", "bench/shop:" + r, SCRIPT, environments("e2e-"));
        setup.events().route(e -> { });
        long start = System.nanoTime();
        RunReport report = setup.engine().start(plan).report().get(2, TimeUnit.MINUTES);
        double millis = Percentiles.millisBetween(start, System.nanoTime());
        if (!report.succeeded()) {
            throw new IllegalStateException("the two-environment plan ended " + report.outcome() + ": " + report.failure());
        }
        for (io.mtd.report.EnvironmentReport e : report.environments()) {
            if (e.migration() == null || e.migration().outcome() != io.mtd.progress.StageOutcome.SUCCEEDED) {
                throw new IllegalStateException("the migration in " + e.name() + " did not run: " + e.migration());
            }
            if (e.rollout() == null || e.rollout().outcome() != io.mtd.progress.StageOutcome.SUCCEEDED) {
                throw new IllegalStateException("the rollout in " + e.name() + " did not succeed: " + e.rollout());
            }
        }
        return millis;
    }

    private double scriptOnce(int r) throws IOException, InterruptedException {
        Plan plan = MigrationJobs.plan("shop", "bench/shop-kubectl:" + r, SCRIPT, environments("e2e-kubectl-"));
        StringBuilder sh = new StringBuilder("#!/usr/bin/env bash\nset -euo pipefail\n");
        for (Environment env : plan.environments()) {
            String name = MigrationJob.nameFor(plan.app(), env.name(), plan.image());
            Path manifest = setup.work().resolve(name + ".yaml");
            Files.writeString(manifest, MigrationJobs.asKubectlYaml(plan, env, name, env.namespaceOrDefault()), StandardCharsets.UTF_8);
            String ns = env.namespaceOrDefault();
            sh.append("echo \"== ").append(env.name()).append("\"\n")
                    .append("kubectl apply --validate=false -f ").append(manifest).append('\n')
                    .append("kubectl wait --for=condition=complete --timeout=60s -n ").append(ns).append(" job/").append(name).append('\n')
                    .append("kubectl logs -n ").append(ns).append(" job/").append(name).append('\n')
                    .append("kubectl set image -n ").append(ns).append(" deployment/").append(DEPLOYMENT).append(' ')
                    .append(CONTAINER).append('=').append(plan.image()).append('\n')
                    .append("kubectl rollout status --timeout=60s -n ").append(ns).append(" deployment/").append(DEPLOYMENT).append('\n');
        }
        Path file = Files.writeString(setup.work().resolve("migrate-" + r + ".sh"), sh.toString(), StandardCharsets.UTF_8);
        Kubectl kubectl = setup.kubectl().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubectl.kubeconfig().toString());
        pb.environment().put("PATH", kubectl.binary().getParent() + java.io.File.pathSeparator + System.getenv("PATH"));
        long start = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the kubectl script failed: " + new String(out, StandardCharsets.UTF_8));
        }
        double millis = Percentiles.millisBetween(start, System.nanoTime());
        String log = new String(out, StandardCharsets.UTF_8);
        if (!log.contains("migrated")) {
            throw new IllegalStateException("the kubectl script printed no migration log: " + log);
        }
        return millis;
    }

    private static Environment[] environments(String namespacePrefix) {
        Environment[] envs = new Environment[ENVIRONMENTS.length];
        for (int i = 0; i < envs.length; i++) {
            envs[i] = Environment.of(ENVIRONMENTS[i], namespacePrefix + ENVIRONMENTS[i], List.of(DEPLOYMENT));
        }
        return envs;
    }

    /** Creates the two-replica Deployment in {@code namespace} and waits until it is available (not timed). */
    private void deploy(String namespace) throws InterruptedException {
        setup.client().apps().deployments().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                .withNewMetadata().withName(DEPLOYMENT).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", DEPLOYMENT).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", DEPLOYMENT).endMetadata()
                .withNewSpec().addNewContainer().withName(CONTAINER).withImage("bench/shop:before").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            io.fabric8.kubernetes.api.model.apps.Deployment d = setup.client().apps().deployments().inNamespace(namespace)
                    .withName(DEPLOYMENT).get();
            if (d.getStatus() != null && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas())
                    && Integer.valueOf(2).equals(d.getStatus().getUpdatedReplicas())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the Deployment " + DEPLOYMENT + " in " + namespace + " did not become available within 60s");
    }
}

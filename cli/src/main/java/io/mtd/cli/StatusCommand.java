package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.PlanStatus;
import io.mtd.kube.ClusterProbe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code mtd status PLAN}: what each environment runs and holds now, read from its cluster (the facts the Jenkins job's
 * panel shows): the image its Deployments run, its latest migration Job, and whether its migration lock is held or an
 * unfinished migration Job occupies it.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show, for each environment of the plan, the image its Deployments run, its latest migration Job,"
                + " and whether its migration lock is held or an unfinished migration Job occupies it. Reads only.",
        footer = ExitCode.HELP)
final class StatusCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Override
    public Integer call() {
        CheckedPlan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        PlanStatus status;
        Map<String, ClusterProbe.Unreachable> unreachable;
        try (MigrateThenDeploy engine = planFile.engine()) {
            // an environment whose cluster cannot be reached is named with its kubeconfig and the fix, as `mtd run` does
            List<ClusterProbe.Unreachable> probed = engine.unreachable(plan, Duration.ofSeconds(5));
            if (probed.size() == plan.plan().environments().size()) {
                ClusterProbe.lines(probed).forEach(line -> System.err.println("mtd status: " + line));
                return ExitCode.INFRASTRUCTURE;
            }
            unreachable = probed.stream().collect(Collectors.toMap(ClusterProbe.Unreachable::environment, Function.identity()));
            status = engine.status(plan, Duration.ofSeconds(10));
        }
        List<PlanStatus.EnvironmentStatus> environments = status.environments().stream()
                .map(e -> unreachable.containsKey(e.name())
                        ? new PlanStatus.EnvironmentStatus(e.name(), e.namespace(), List.of(), null, unreachable.get(e.name()).problem())
                        : e)
                .toList();
        status = new PlanStatus(status.app(), status.at(), environments);
        System.out.print(status.render());
        List<String> unread = environments.stream().filter(e -> e.problem() != null).map(e -> "'" + e.name() + "'").toList();
        if (!unread.isEmpty()) {
            System.err.println("mtd status: environment" + (unread.size() > 1 ? "s " : " ") + String.join(", ", unread)
                    + " could not be read (see why above)");
            return ExitCode.INFRASTRUCTURE;
        }
        return ExitCode.OK;
    }
}

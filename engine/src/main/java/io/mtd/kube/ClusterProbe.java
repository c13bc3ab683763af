package io.mtd.kube;

import io.mtd.concurrent.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks, before a run builds an image or touches anything, that every environment's cluster is configured and answers,
 * and says for each one that is not which environment, which kubeconfig and context, and what to do.
 */
public final class ClusterProbe {

    /** One environment whose cluster cannot be used, with the cause and the fix in one line. */
    public record Unreachable(String environment, String cause, String fix) {
        /** The cause and the fix, without the environment's name. */
        public String problem() {
            return cause + ": " + fix;
        }

        @Override
        public String toString() {
            return "environment '" + environment + "': " + problem();
        }
    }

    private static final String TRY_SANDBOX = "to try mtd without a cluster, run with --sandbox, or start one with `mtd sandbox`";

    private ClusterProbe() {}

    /**
     * Every environment of {@code plan} whose cluster cannot be reached through kubeconfig, each checked with short
     * timeouts and all at once, so that the answer comes within {@code timeout}.
     */
    public static List<Unreachable> kubeconfig(Plan plan, long timeout, TimeUnit unit) {
        Map<String, CompletableFuture<Optional<Unreachable>>> checks = new LinkedHashMap<>();
        for (Environment env : plan.environments()) {
            CompletableFuture<Optional<Unreachable>> check = new CompletableFuture<>();
            // a thread each (not the common pool, one thread on a small machine): all environments are checked at once
            DaemonThreads.start("mtd-cluster-probe-" + env.name(), () -> {
                try {
                    check.complete(check(env, unit.toMillis(timeout)));
                } catch (RuntimeException | Error e) {
                    check.completeExceptionally(e);
                }
            });
            checks.put(env.name(), check);
        }
        // the network waits are bounded by timeout itself; this outer bound only catches a client that hangs, and leaves
        // room for a cold JVM on a busy machine to load the client
        long deadline = System.nanoTime() + 4 * unit.toNanos(timeout);
        List<Unreachable> problems = new ArrayList<>();
        checks.forEach((name, check) -> {
            try {
                check.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).ifPresent(problems::add);
            } catch (TimeoutException e) {
                problems.add(new Unreachable(name, "its cluster did not answer within " + 4 * unit.toSeconds(timeout) + "s ("
                        + where(plan.environments().stream().filter(e2 -> e2.name().equals(name)).findFirst().orElseThrow())
                        + ")", "check that the API server is up and reachable from here"));
            } catch (Exception e) {
                problems.add(new Unreachable(name, "cannot check its cluster: " + e.getMessage(), "run again with --debug"));
            }
        });
        return problems;
    }

    /**
     * The problems of {@code unreachable}, one line each ({@code environments 'staging', 'production': CAUSE: FIX}):
     * environments that share a kubeconfig share its problem, which is said once, naming them all.
     */
    public static List<String> lines(List<Unreachable> unreachable) {
        Map<String, List<String>> byProblem = new LinkedHashMap<>();
        unreachable.forEach(u -> byProblem.computeIfAbsent(u.problem(), k -> new ArrayList<>()).add("'" + u.environment() + "'"));
        List<String> lines = new ArrayList<>();
        byProblem.forEach((problem, envs) -> lines.add("environment" + (envs.size() > 1 ? "s " : " ") + String.join(", ", envs) + ": " + problem));
        return lines;
    }

    private static Optional<Unreachable> check(Environment env, long timeoutMillis) {
        Optional<Unreachable> missing = configurationProblem(env);
        if (missing.isPresent()) {
            return missing;
        }
        Config config;
        try {
            config = KubeconfigClusters.config(env);
        } catch (RuntimeException e) {
            return Optional.of(new Unreachable(env.name(), "cannot read its kubeconfig (" + where(env) + "): " + e.getMessage(),
                    "fix that kubeconfig (kubectl config view shows what it holds)"));
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis);
        config.setConnectionTimeout(millis);
        config.setRequestTimeout(millis);
        config.setRequestRetryBackoffLimit(0);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            client.getKubernetesVersion();
            return Optional.empty();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401) {
                return Optional.of(new Unreachable(env.name(), "the API server " + config.getMasterUrl() + " rejected the"
                        + " credentials of " + where(env) + " (401 Unauthorized)", "renew the token or certificate in that kubeconfig"));
            }
            if (e.getCode() > 0) {
                return Optional.empty(); // it answered: permissions are checked where they are needed
            }
            return Optional.of(new Unreachable(env.name(), cause(e, config.getMasterUrl()) + " (" + where(env) + ")",
                    "check the server address and your network, or point KUBECONFIG (or the environment's kubeconfig and"
                    + " context) at a cluster you can reach; " + TRY_SANDBOX));
        } catch (RuntimeException e) {
            return Optional.of(new Unreachable(env.name(), "cannot reach its cluster " + config.getMasterUrl() + " ("
                    + where(env) + "): " + e.getMessage(), "run again with --debug for details"));
        }
    }

    /** Why kubeconfig cannot name {@code env}'s cluster at all: no file, a missing file, an unknown context. */
    static Optional<Unreachable> configurationProblem(Environment env) {
        List<Path> files = new ArrayList<>();
        String source;
        if (env.kubeconfig() != null) {
            files.add(Path.of(env.kubeconfig()));
            source = "its kubeconfig " + env.kubeconfig();
        } else if (System.getenv("KUBECONFIG") != null && !System.getenv("KUBECONFIG").isBlank()) {
            for (String f : System.getenv("KUBECONFIG").split(File.pathSeparator)) {
                if (!f.isBlank()) {
                    files.add(Path.of(f));
                }
            }
            source = "KUBECONFIG=" + System.getenv("KUBECONFIG");
        } else {
            Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
            if (!Files.isRegularFile(home)) {
                if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
                    return Optional.empty(); // inside a Pod: the service account's cluster
                }
                return Optional.of(new Unreachable(env.name(), "no cluster configured (KUBECONFIG is not set and " + home
                        + " does not exist)", "point KUBECONFIG at your cluster's kubeconfig (or give the environment"
                        + " kubeconfig: FILE); " + TRY_SANDBOX));
            }
            files.add(home);
            source = home.toString();
        }
        List<Path> readable = files.stream().filter(Files::isReadable).toList();
        if (readable.isEmpty()) {
            return Optional.of(new Unreachable(env.name(), "no cluster configured (" + source + " names " + (files.size() == 1
                    ? "a file that does not exist or cannot be read" : "no file that exists") + ")", "fix the path; " + TRY_SANDBOX));
        }
        if (env.context() != null) {
            List<String> contexts = new ArrayList<>();
            for (Path f : readable) {
                contexts.addAll(contexts(f));
            }
            if (!contexts.isEmpty() && !contexts.contains(env.context())) {
                return Optional.of(new Unreachable(env.name(), "context '" + env.context() + "' is not in " + source
                        + " (its contexts: " + String.join(", ", contexts) + ")", "fix the environment's context, or add it"
                        + " with `kubectl config set-context " + env.context() + " ...`"));
            }
        }
        return Optional.empty();
    }

    private static List<String> contexts(Path kubeconfig) {
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(kubeconfig.toFile());
            List<String> names = new ArrayList<>();
            if (tree != null) {
                tree.path("contexts").forEach(c -> names.add(c.path("name").asText()));
            }
            return names;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Which kubeconfig and context reach {@code env}, as a user would look them up. */
    public static String where(Environment env) {
        String file = env.kubeconfig() != null ? env.kubeconfig()
                : System.getenv("KUBECONFIG") != null && !System.getenv("KUBECONFIG").isBlank() ? "KUBECONFIG=" + System.getenv("KUBECONFIG")
                : Path.of(System.getProperty("user.home"), ".kube", "config").toString();
        return "kubeconfig " + file + ", " + (env.context() != null ? "context " + env.context() : "its current context");
    }

    private static String cause(Throwable e, String url) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException) {
                return "cannot resolve the API server's host in " + url;
            }
            if (c instanceof ConnectException && !c.getClass().getSimpleName().contains("Timeout")) {
                return "nothing answers at " + url + " (connection refused)";
            }
            if (c.getClass().getSimpleName().contains("Timeout") || c instanceof java.io.InterruptedIOException) {
                return "the API server " + url + " did not answer in time";
            }
        }
        return "the API server " + url + " did not answer";
    }
}

package io.mtd.bench;

import io.mtd.lint.LintReport;
import io.mtd.lint.Linter;
import io.mtd.lint.Phase;
import io.mtd.lint.SqlSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The expand/contract lint's speed, in one JVM, beside squawk's CLI on the same files in the same run.
 *
 * <p>The corpus is {@code bench/lint-corpus}: a shop's migration history written for this bench with the statement
 * shapes real histories have (functions with dollar-quoted bodies, multi-action ALTERs, CREATE TABLE AS, materialized
 * views, enums, triggers, DO blocks, Django's and Prisma's output), copied as {@code --histories} separate histories.
 * {@code --corpus DIR} (repeatable) lints other histories instead: each DIR holds one history's {@code V*.sql}.
 * {@code --squawk PATH} names squawk's executable ({@code bench/run} installs squawk-cli from npm).
 */
public final class LintSpeed {

    private LintSpeed() {}

    /** One history: its scripts in Flyway order. */
    private record History(List<Path> files, List<SqlSource> sources) {}

    public static void main(String[] args) throws Exception {
        int copies = 24;
        String squawk = null;
        List<Path> corpora = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--histories" -> copies = Integer.parseInt(args[++i]);
                case "--squawk" -> squawk = args[++i];
                case "--corpus" -> corpora.add(Path.of(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --histories N, --squawk PATH, --corpus DIR)");
            }
        }
        String what;
        if (corpora.isEmpty()) {
            Path tmp = Files.createTempDirectory("mtd-bench-lint-");
            Path source = Path.of("bench/lint-corpus/db/migration");
            for (int k = 1; k <= copies; k++) {
                Path dir = Files.createDirectories(tmp.resolve("history-" + k));
                try (Stream<Path> files = Files.list(source)) {
                    for (Path f : files.toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()));
                    }
                }
                corpora.add(dir);
            }
            what = "bench/lint-corpus × " + copies;
        } else {
            what = corpora.size() + " histor" + (corpora.size() == 1 ? "y" : "ies") + " given with --corpus";
        }
        List<History> histories = new ArrayList<>();
        for (Path dir : corpora) {
            histories.add(load(dir));
        }
        int scripts = histories.stream().mapToInt(h -> h.files().size()).sum();

        // the first lint in a fresh JVM: what one `mtd lint` pays, class loading and JIT warm-up included
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Totals cold = lint(histories);
        double coldWall = (System.nanoTime() - t0) / 1e6;
        double coldCpu = (processCpuNanos() - cpu0) / 1e6;
        double warmWall = Double.MAX_VALUE;
        double warmCpu = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            cpu0 = processCpuNanos();
            t0 = System.nanoTime();
            lint(histories);
            warmWall = Math.min(warmWall, (System.nanoTime() - t0) / 1e6);
            warmCpu = Math.min(warmCpu, (processCpuNanos() - cpu0) / 1e6);
        }
        Optional<double[]> peer = squawk(squawk, histories);

        System.out.println();
        System.out.printf(Locale.ROOT, "| lint: %s, %d scripts, %d statements | wall | CPU | findings | not understood |%n", what, scripts,
                cold.statements);
        System.out.println("| --- | --- | --- | --- | --- |");
        System.out.printf(Locale.ROOT, "| mtd lint (engine), first run in a fresh JVM | %.0f ms | %.0f ms | %d | %d (%.2f%%) |%n", coldWall,
                coldCpu, cold.findings, cold.notChecked, 100.0 * cold.notChecked / Math.max(1, cold.statements));
        System.out.printf(Locale.ROOT, "| mtd lint (engine), warm, best of 5 | %.0f ms | %.0f ms | %d | |%n", warmWall, warmCpu, cold.findings);
        if (peer.isPresent()) {
            double[] s = peer.get();
            System.out.printf(Locale.ROOT, "| squawk CLI %s, one process, best of 3 | %.0f ms | %s | %.0f | |%n", squawkVersion(squawk), s[0],
                    s[1] < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f ms", s[1]), s[2]);
            System.out.printf(Locale.ROOT, "| ratio (wall) | first run: %s; warm: %s | | | |%n", ratio(coldWall, s[0]), ratio(warmWall, s[0]));
        } else {
            System.out.println("| squawk CLI | skipped: no squawk (bench/run installs squawk-cli from npm; or give --squawk PATH) | | | |");
        }
    }

    private record Totals(int statements, int findings, int notChecked) {}

    private static Totals lint(List<History> histories) {
        int statements = 0;
        int findings = 0;
        int notChecked = 0;
        for (History h : histories) {
            LintReport r = new Linter(List.of()).lint(h.sources(), List.of(), false);
            statements += r.statements();
            findings += r.findings().size();
            notChecked += (int) r.findings().stream().filter(f -> f.rule().equals("not-checked")).count();
        }
        return new Totals(statements, findings, notChecked);
    }

    private static History load(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().matches("V\\d+(_\\d+)*__.*\\.sql"))
                    .sorted(Comparator.comparing(LintSpeed::version, LintSpeed::compareVersions)).toList();
        }
        List<SqlSource> sources = new ArrayList<>();
        for (Path f : files) {
            Path conf = f.resolveSibling(f.getFileName() + ".conf");
            boolean transactional = !Files.isRegularFile(conf) || !Files.readString(conf).contains("executeInTransaction=false");
            sources.add(new SqlSource("db/migration/" + f.getFileName(), Files.readString(f, StandardCharsets.UTF_8), Phase.PRE_ROLLOUT,
                    transactional));
        }
        return new History(files, sources);
    }

    private static String version(Path f) {
        String n = f.getFileName().toString();
        return n.substring(1, n.indexOf("__"));
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("[._]");
        String[] y = b.split("[._]");
        for (int k = 0; k < Math.min(x.length, y.length); k++) {
            int c = Long.compare(Long.parseLong(x[k]), Long.parseLong(y[k]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static String ratio(double mtd, double squawk) {
        return mtd <= squawk ? String.format(Locale.ROOT, "mtd %.1f× faster", squawk / mtd)
                : String.format(Locale.ROOT, "squawk %.1f× faster", mtd / squawk);
    }

    /** Best wall time (ms), its CPU time (ms, -1 where it cannot be read) and its findings, of squawk over every file. */
    private static Optional<double[]> squawk(String exe, List<History> histories) throws IOException, InterruptedException {
        if (exe == null || !Files.isExecutable(Path.of(exe))) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of(exe, "--reporter", "json", "--assume-in-transaction"));
        histories.forEach(h -> h.files().forEach(f -> command.add(f.toString())));
        double best = Double.MAX_VALUE;
        double cpu = -1;
        double findings = 0;
        for (int round = 0; round < 3; round++) {
            Path out = Files.createTempFile("squawk-", ".json");
            long children = childrenCpuNanos();
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(out.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            double wall = (System.nanoTime() - start) / 1e6;
            if (wall < best) {
                best = wall;
                long after = childrenCpuNanos();
                cpu = children < 0 || after < 0 ? -1 : (after - children) / 1e6;
                String json = Files.readString(out);
                findings = json.split("\"rule_name\"", -1).length - 1;
            }
            Files.delete(out);
        }
        return Optional.of(new double[] {best, cpu, findings});
    }

    private static String squawkVersion(String exe) {
        try {
            Process p = new ProcessBuilder(exe, "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(30, TimeUnit.SECONDS);
            return v.replace("squawk ", "");
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time of this process's finished children (Linux: cutime and cstime of /proc/self/stat), or -1. */
    private static long childrenCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here
            long ticks = Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

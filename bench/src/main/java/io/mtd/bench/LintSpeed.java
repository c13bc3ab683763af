package io.mtd.bench;

import io.mtd.lint.LintReport;
import io.mtd.lint.Linter;
import io.mtd.lint.Phase;
import io.mtd.lint.SqlSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Time to lint 1,000 migration scripts on one thread, beside squawk's CLI on the same files when {@code squawk} is on
 * the PATH ({@code npm install -g squawk-cli}).
 */
public final class LintSpeed {

    private static final String[] TEMPLATES = {
        "CREATE TABLE t%1$d (id bigserial PRIMARY KEY, name text NOT NULL, created timestamptz NOT NULL DEFAULT now());\n"
                + "CREATE INDEX t%1$d_name_idx ON t%1$d (name);\n",
        "SET lock_timeout = '5s';\nALTER TABLE customer ADD COLUMN c%1$d text;\n"
                + "ALTER TABLE customer ADD CONSTRAINT c%1$d_len CHECK (length(c%1$d) < 200) NOT VALID;\n"
                + "ALTER TABLE customer VALIDATE CONSTRAINT c%1$d_len;\n",
        "CREATE INDEX CONCURRENTLY orders_c%1$d_idx ON orders (customer_id, created);\n",
        "ALTER TABLE orders ALTER COLUMN total%1$d TYPE numeric(12,2);\nALTER TABLE orders DROP COLUMN legacy%1$d;\n",
        "INSERT INTO setting (name, value) VALUES ('s%1$d', 'on');\nUPDATE customer SET c%1$d = 'x' WHERE id < 100;\n"
                + "ALTER TABLE customer RENAME COLUMN a%1$d TO b%1$d;\n",
    };

    private LintSpeed() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path dir = Files.createTempDirectory("mtd-bench-lint-");
        List<Path> files = new ArrayList<>();
        List<SqlSource> sources = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Path f = dir.resolve(String.format(Locale.ROOT, "V%d__change_%d.sql", i, i));
            String sql = String.format(Locale.ROOT, TEMPLATES[i % TEMPLATES.length], i);
            Files.writeString(f, sql);
            files.add(f);
        }
        System.err.println("bench: lint of " + count + " scripts in " + dir);
        long best = Long.MAX_VALUE;
        LintReport report = null;
        for (int round = 0; round < 4; round++) { // the first round warms the JIT up; the best of the others counts
            long start = System.nanoTime();
            sources.clear();
            for (Path f : files) {
                sources.add(new SqlSource(f.getFileName().toString(), Files.readString(f), Phase.PRE_ROLLOUT, true));
            }
            report = new Linter(List.of()).lint(sources, List.of(), false);
            long took = System.nanoTime() - start;
            if (round > 0) {
                best = Math.min(best, took);
            }
        }
        double mtdMs = best / 1e6;
        Optional<Double> squawkMs = squawk(files);
        System.out.println();
        System.out.println("| lint, one thread | " + count + " scripts, " + report.statements() + " statements | findings |");
        System.out.println("| --- | --- | --- |");
        System.out.printf(Locale.ROOT, "| mtd lint (engine) | %.0f ms | %d |%n", mtdMs, report.findings().size());
        if (squawkMs.isPresent()) {
            double s = squawkMs.get();
            System.out.printf(Locale.ROOT, "| squawk CLI | %.0f ms | |%n", s);
            System.out.printf(Locale.ROOT, "| ratio | %s | |%n", mtdMs <= s
                    ? String.format(Locale.ROOT, "mtd %.1fx faster", s / mtdMs)
                    : String.format(Locale.ROOT, "squawk %.1fx faster", mtdMs / s));
        } else {
            System.out.println("| squawk CLI | skipped: `squawk` is not on the PATH (npm install -g squawk-cli) | |");
        }
    }

    /** Wall time of one squawk run over the same files (its process start included), if squawk is installed. */
    private static Optional<Double> squawk(List<Path> files) throws IOException, InterruptedException {
        Optional<Path> exe = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(p -> Path.of(p, "squawk")).filter(Files::isExecutable).findFirst();
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(exe.get().toString());
        files.forEach(f -> command.add(f.toString()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return Optional.empty();
        }
        return Optional.of((System.nanoTime() - start) / 1e6);
    }
}

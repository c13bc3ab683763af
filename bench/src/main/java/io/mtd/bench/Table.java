package io.mtd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders the results as the Markdown table for the README's Performance section. */
final class Table {

    private Table() {}

    static String render(Bench.Results r) {
        List<String[]> rows = new ArrayList<>();
        String none = Kubectl.ABSENT;

        CompletionLatency.Result c = r.completion();
        boolean hasKubectl = c != null && c.kubectl() != null;
        if (c != null) {
            rows.add(new String[] {
                "Job completion noticed, p50 / p99 of " + c.jobs() + " Jobs, from the start of the status write (which itself takes "
                        + ms(c.statusWrite().p50()) + " here)",
                ms(c.engine().p50()) + " / " + ms(c.engine().p99()),
                hasKubectl ? "`kubectl wait`: " + ms(c.kubectl().p50()) + " / " + ms(c.kubectl().p99()) : none,
                hasKubectl ? sooner(c.kubectl().p50(), c.engine().p50()) + " (p50)" : "",
            });
        }
        for (FailureDetection.Row f : r.failures()) {
            String kubectl = none;
            String ratio = "";
            if (f.kubectlWait() != null) {
                kubectl = "`kubectl wait --timeout=20s`: " + s(f.kubectlWait()) + ", " + f.kubectlWaitResult()
                        + "; 2 s poller: " + s(f.poller().p50()) + " (saw " + f.pollerSaw() + ")";
                ratio = "engine " + ratio(f.kubectlWait(), f.engine().p50()) + " sooner than the wait, "
                        + ratio(f.poller().p50(), f.engine().p50()) + " than the poller";
            }
            rows.add(new String[] {
                "Failure reported: " + f.failure().what + ", p50 of " + f.engine().count(),
                s(f.engine().p50()) + " (" + f.engineReason() + ")",
                kubectl,
                ratio,
            });
        }
        boolean first = true;
        for (Scale.Row s : r.scale()) {
            // one kubectl wait's footprint is measured with the completion latency
            String kubectl = c == null && !Kubectl.ABSENT.equals(r.kubectl()) ? "not measured (run `completion` too)" : none;
            if (c != null && c.kubectlRssBytes() != null) {
                kubectl = String.format(Locale.ROOT, "%,d process%s, %,d watch%s, %s RSS, %,d OS threads (1 measured × %,d)",
                        s.waits(), s.waits() == 1 ? "" : "es", s.waits(), s.waits() == 1 ? "" : "es",
                        mib(c.kubectlRssBytes() * s.waits()), c.kubectlThreads() * s.waits(), s.waits());
            }
            rows.add(new String[] {
                String.format(Locale.ROOT, "%,d migration%s waited on at once: threads, heap, watches; p50 / p99 noticed%s",
                        s.waits(), s.waits() == 1 ? "" : "s", first ? " (the first size opens the client and watches)" : ""),
                String.format(Locale.ROOT, "%+d threads, %s heap (%s per wait), %d watch connections (sandbox accepted %d); %s / %s%s",
                        s.threadsWaiting() - s.threadsBefore(), mib(Math.max(0, s.heapWaitingBytes() - s.heapBeforeBytes())),
                        kib(s.heapPerWaitBytes()), s.engineWatchConnections(), s.sandboxWatchesOpened(),
                        ms(s.latency().p50()), ms(s.latency().p99()),
                        s.engineBacklog() == 0 ? "" : String.format(Locale.ROOT,
                                " (engine scheduler %,d tasks behind while waiting)", s.engineBacklog())),
                kubectl,
                "",
            });
            first = false;
        }
        first = true;
        for (RolloutScale.Row s : r.rolloutScale()) {
            rows.add(new String[] {
                String.format(Locale.ROOT, "%,d rollout%s waited on at once: threads, heap, watches%s",
                        s.waits(), s.waits() == 1 ? "" : "s", first ? " (the first size opens the client and watches)" : ""),
                String.format(Locale.ROOT, "%+d threads, %s heap (%s per wait), %d watch connections (sandbox accepted %d); "
                                + "all waiting after %s%s",
                        s.threadsWaiting() - s.threadsBefore(), mib(Math.max(0, s.heapWaitingBytes() - s.heapBeforeBytes())),
                        kib(s.heapPerWaitBytes()), s.engineWatchConnections(), s.sandboxWatchesOpened(),
                        s(s.millisUntilAllWaiting()),
                        s.engineBacklog() == 0 ? "" : String.format(Locale.ROOT,
                                " (engine scheduler %,d tasks behind while waiting)", s.engineBacklog())),
                String.format(Locale.ROOT, "`kubectl rollout status`: %,d process%s, %,d watch%s (not measured)",
                        s.waits(), s.waits() == 1 ? "" : "es", s.waits(), s.waits() == 1 ? "" : "es"),
                "",
            });
            first = false;
        }
        LogStreaming.Result l = r.logs();
        if (l != null) {
            rows.add(new String[] {
                String.format(Locale.ROOT, "Log streaming, `seq 1 %,d`: lines/s, lines lost", l.lines()),
                String.format(Locale.ROOT, "%,.0f lines/s, %,d lost%s (fabric8's own `watchLog` follower, alone: %,.0f lines/s)",
                        l.engine().linesPerSecond(), l.engine().lost(),
                        l.engine().lost() == 0 ? "" : String.format(Locale.ROOT, " from line %,d on", l.engine().firstLost()),
                        l.fabric8().linesPerSecond()),
                l.kubectl() == null ? none : String.format(Locale.ROOT, "`kubectl logs -f`: %,.0f lines/s, %,d lost",
                        l.kubectl().linesPerSecond(), l.kubectl().lost()),
                l.kubectl() == null ? "" : "engine at " + ratio(l.engine().linesPerSecond(), l.kubectl().linesPerSecond())
                        + " kubectl's rate",
            });
        }
        EndToEnd.Result e = r.endToEnd();
        if (e != null) {
            rows.add(new String[] {
                "Two-environment plan: instant migration, then a 2-replica rollout, per environment; p50 of " + e.repetitions(),
                s(e.engine().p50()),
                e.script() == null ? none : "kubectl script (apply, wait, logs, set image, rollout status; ×2): " + s(e.script().p50()),
                e.script() == null ? "" : sooner(e.script().p50(), e.engine().p50()).replace("sooner", "faster"),
            });
        }
        if (r.lock() != null) {
            rows.addAll(LockHandover.rows(r.lock()));
        }
        SnapshotCost.Result snap = r.snapshot();
        if (snap != null && snap.skipped() != null) {
            rows.add(new String[] {"Schema snapshot", "skipped: " + snap.skipped(), "", ""});
        }
        for (SnapshotCost.Row t : snap == null ? List.<SnapshotCost.Row>of() : snap.rows()) {
            rows.add(new String[] {
                String.format(Locale.ROOT, "Schema snapshot of %,d tables (%,d objects): the engine's snapshot Job under the lock,"
                        + " start to fingerprint; bytes dumped, normalized, kept (before + after, gzip'd, base64); reading the"
                        + " Job's output in-process; p50 of %d", t.tables(), t.objects(), t.engine().count()),
                String.format(Locale.ROOT, "%s; %s dumped, %s normalized, %s kept in the ConfigMap (of 1 MiB); reading %s",
                        s(t.engine().p50()), kib(t.dumpBytes()), kib(t.normalizedBytes()), kib(t.keptBytes()),
                        ms(t.normalizing().p50())),
                "bare `pg_dump --schema-only` (same flags, by the harness): " + s(t.pgDump().p50()),
                "engine " + ratio(t.engine().p50(), t.pgDump().p50()) + " the bare dump's time; reading "
                        + ratio(t.normalizing().p50(), t.pgDump().p50()) + " of it",
            });
        }

        StringBuilder out = new StringBuilder();
        out.append("Sandbox API server on 127.0.0.1, ").append(r.machine()).append(", Java ").append(r.java())
                .append(", ").append(r.kubectl()).append(", ").append(r.date()).append("\n\n");
        out.append("| Measure | mtd engine | kubectl | Ratio |\n|---|---|---|---|\n");
        for (String[] row : rows) {
            out.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return out.toString();
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.1f ms" : "%,.0f ms", millis);
    }

    static String s(double millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    /** Which side took less time and how many times less, e.g. "engine 3.2× sooner". */
    static String sooner(double kubectlMillis, double engineMillis) {
        return kubectlMillis >= engineMillis ? "engine " + ratio(kubectlMillis, engineMillis) + " sooner"
                : "kubectl " + ratio(engineMillis, kubectlMillis) + " sooner";
    }

    /** How many times {@code a} is {@code b}, e.g. "3.2×". */
    static String ratio(double a, double b) {
        if (b <= 0) {
            return "n/a";
        }
        double x = a / b;
        return String.format(Locale.ROOT, x >= 10 ? "%.0f×" : "%.1f×", x);
    }
}

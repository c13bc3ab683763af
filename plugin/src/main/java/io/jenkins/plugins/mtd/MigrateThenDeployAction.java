package io.jenkins.plugins.mtd;

import hudson.Util;
import hudson.model.Failure;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.User;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.lint.LintReport;
import io.mtd.plan.Durations;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportJson;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import io.mtd.report.SchemaReport;
import io.mtd.report.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.IdStrategy;
import jenkins.model.Jenkins;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.HttpResponse;
import org.kohsuke.stapler.HttpResponses;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.interceptor.RequirePOST;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * The build page's view of a run: live progress per environment while it runs, the report once it ended, and the
 * approval form of every environment waiting for one.
 */
public final class MigrateThenDeployAction implements RunAction2 {

    private static final DateTimeFormatter DEADLINE_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT);

    private static final Logger LOGGER = Logger.getLogger(MigrateThenDeployAction.class.getName());

    private transient Run<?, ?> run;
    private transient volatile List<RunReport> reports;
    private transient Map<String, PendingApproval> pending;

    /**
     * Each run's report as the engine writes it (records cannot be written by XStream, and JSON is what the CLI writes
     * too), in the order they ended: one for {@code migrateThenDeploy}, one per {@code migrateDatabase} stage.
     */
    private List<String> reportsJson = new CopyOnWriteArrayList<>();
    /**
     * The checked plan of each run started in this build, as JSON, oldest first (a {@code migrateDatabase} stage's has
     * its one environment): what the job's panel reads each environment's cluster with.
     */
    private List<String> plansJson = new CopyOnWriteArrayList<>();
    /** Image references pinned in this build, so that every later stage runs the image the first one pinned. */
    private Map<String, ImageSource.PinnedImage> pinnedImages = new ConcurrentHashMap<>();
    /** The latest line per environment (the run-wide stages under the empty name), kept in order of first appearance. */
    private final Map<String, String> progress = new LinkedHashMap<>();

    /** The action of {@code run}, added if it has none yet. */
    static MigrateThenDeployAction of(Run<?, ?> run) {
        synchronized (MigrateThenDeployAction.class) {
            MigrateThenDeployAction a = run.getAction(MigrateThenDeployAction.class);
            if (a == null) {
                a = new MigrateThenDeployAction();
                run.addAction(a);
            }
            return a;
        }
    }

    @Override
    public String getIconFileName() {
        return "symbol-cube";
    }

    @Override
    public String getDisplayName() {
        return Messages.MigrateThenDeployAction_DisplayName();
    }

    @Override
    public String getUrlName() {
        return "migrate-then-deploy";
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    void progress(String environment, String line) {
        synchronized (progress) {
            progress.put(environment == null ? "" : environment, line);
        }
    }

    /** Latest progress line per environment, for the page while the run is going. */
    public Map<String, String> getProgress() {
        synchronized (progress) {
            return new LinkedHashMap<>(progress);
        }
    }

    /** XStream leaves the fields an older build.xml lacks unset. */
    protected Object readResolve() {
        // concurrent collections: parallel stages add to them while the build is being saved
        reportsJson = reportsJson == null ? new CopyOnWriteArrayList<>() : new CopyOnWriteArrayList<>(reportsJson);
        pinnedImages = pinnedImages == null ? new ConcurrentHashMap<>() : new ConcurrentHashMap<>(pinnedImages);
        plansJson = plansJson == null ? new CopyOnWriteArrayList<>() : new CopyOnWriteArrayList<>(plansJson);
        return this;
    }

    /** The image pinned earlier in this build for {@code reference}, or null. */
    synchronized ImageSource.PinnedImage pinnedImage(String reference) {
        return reference == null ? null : pinnedImages.get(reference);
    }

    /** Remembers the image a run pinned, for the build's later stages (saved with the next report). */
    synchronized void recordPinned(ImageSource.PinnedImage image) {
        pinnedImages.putIfAbsent(image.reference(), image);
    }

    /**
     * Records the plan a run of this build starts with, as {@link MigrateThenDeploy#keepable} gives it (saved with the
     * build's next save); a run resumed after a restart records the same plan again, kept once.
     */
    void recordPlan(String keepableJson) {
        if (!plansJson.contains(keepableJson)) {
            plansJson.add(keepableJson);
        }
    }

    /** Whether a run of this build recorded its plan (cheap: nothing is parsed). */
    boolean hasPlans() {
        return !plansJson.isEmpty();
    }

    /**
     * Per environment, the latest plan of this build that reaches it (narrowed to that environment), in the order the
     * environments were first reached; a plan that no longer reads (an older version's) is left out.
     */
    Map<String, CheckedPlan> environmentPlans() {
        Map<String, CheckedPlan> out = new LinkedHashMap<>();
        for (String json : plansJson) {
            CheckedPlan plan;
            try {
                plan = MigrateThenDeploy.restore(json);
            } catch (RuntimeException e) {
                LOGGER.log(Level.FINE, "Unreadable migrate-then-deploy plan in " + run, e);
                continue;
            }
            for (var env : plan.plan().environments()) {
                out.put(env.name(), plan.plan().environments().size() == 1 ? plan : plan.onlyEnvironment(env.name()));
            }
        }
        return out;
    }

    /** Records a run's report and saves the build so the page shows it after a restart. */
    void complete(RunReport finished) {
        synchronized (this) {
            reportsJson.add(ReportJson.write(finished));
            reports = null;
        }
        try {
            if (run != null) {
                run.save();
            }
        } catch (IOException e) {
            LOGGER.log(Level.WARNING, "Could not save the migrate-then-deploy report of " + run, e);
        }
    }

    /** The reports of the runs that ended in this build, oldest first. */
    public synchronized List<RunReport> getReports() {
        List<RunReport> r = reports;
        if (r == null) {
            r = new ArrayList<>();
            for (String json : reportsJson) {
                try {
                    r.add(ReportJson.read(json));
                } catch (UncheckedIOException e) {
                    LOGGER.log(Level.WARNING, "Unreadable migrate-then-deploy report in " + run, e);
                }
            }
            reports = r;
        }
        return r;
    }

    /** The latest report, or null while the first run is going. */
    public RunReport getReport() {
        List<RunReport> r = getReports();
        return r.isEmpty() ? null : r.get(r.size() - 1);
    }


    /**
     * For the page: what a report is about, as its heading when the build has several ("shop → staging", one per
     * {@code migrateDatabase} stage), in the words Graph View uses for the step.
     */
    public String heading(RunReport report) {
        List<String> names = report.environments().stream().map(e -> e.name()).toList();
        return names.isEmpty() ? report.app() : report.app() + " → " + String.join(", ", names);
    }

    /** For the Status page: " " and the report's heading when the build has several reports, else nothing. */
    public String summaryHeading(RunReport report) {
        return getReports().size() > 1 ? " " + heading(report) : "";
    }

    /**
     * For the page: the report's expand/contract check, or null when the build's page already shows the same one with an
     * earlier report (every {@code migrateDatabase} stage checks the same release's SQL: the page shows it once).
     */
    public LintReport lintOnce(RunReport report) {
        LintReport lint = report.lint();
        if (lint == null) {
            return null;
        }
        for (RunReport earlier : getReports()) {
            if (earlier == report) {
                return lint;
            }
            if (lint.equals(earlier.lint())) {
                return null;
            }
        }
        return lint;
    }

    /**
     * For the page: an image reference with its digest cut to 12 hexadecimal digits ("shop@sha256:0123456789ab…"); the
     * page gives the full reference on hover and to copy. A reference without a digest is returned whole.
     */
    public static String shortImage(String reference) {
        if (reference == null) {
            return null;
        }
        int at = reference.indexOf("@sha256:");
        int keep = "@sha256:".length() + 12;
        return at < 0 || reference.length() <= at + keep + 1 ? reference : reference.substring(0, at + keep) + "…";
    }

    /** For the page: a duration as the console and the command line write it ({@code 1m14s}, {@code 975ms}). */
    public String duration(Duration d) {
        return d == null ? "" : Durations.format(d);
    }

    /** For the page: how the run ended, in words ("succeeded", "migration failed"). */
    public String outcome(RunReport report) {
        return ReportSummary.outcome(report);
    }

    /** For the page: each environment's stages in order, with status, duration, what they did and a failure's log tail. */
    public List<Timeline> timelines(RunReport report) {
        return report.environments().stream().map(Timeline::of).toList();
    }

    /** For the page: the run's failure, unless an environment's stage already says why (then it is not repeated). */
    public String failure(RunReport report) {
        return ReportSummary.unexplainedFailure(report);
    }

    /** For the page: the schema snapshots of {@code environment} in {@code report} (null: none were taken). */
    public SchemaReport schema(RunReport report, String environment) {
        return report.environments().stream().filter(e -> e.name().equals(environment)).map(e -> e.schema()).filter(Objects::nonNull)
                .findFirst().orElse(null);
    }

    /** For the page: an environment's schema comparisons with the first environment's, before then after its migration. */
    public List<SchemaReport.Drift> drifts(SchemaReport schema) {
        List<SchemaReport.Drift> drifts = new ArrayList<>();
        if (schema != null && schema.drift() != null) {
            drifts.add(schema.drift());
        }
        if (schema != null && schema.driftAfter() != null) {
            drifts.add(schema.driftAfter());
        }
        return drifts;
    }

    /** For the page: whether rolling the code back after the pre-rollout migrations is safe, in words. */
    public String rollback(LintReport lint) {
        if (lint == null || lint.rollback() == null) {
            return Messages.MigrateThenDeployAction_Rollback_UNKNOWN();
        }
        return switch (lint.rollback()) {
            case SAFE -> Messages.MigrateThenDeployAction_Rollback_SAFE();
            case UNSAFE -> Messages.MigrateThenDeployAction_Rollback_UNSAFE();
            case UNKNOWN -> Messages.MigrateThenDeployAction_Rollback_UNKNOWN();
        };
    }

    /** For the page: the check's errors, warnings and acknowledgements, counted. */
    public String lintCounts(LintReport lint) {
        return Messages.MigrateThenDeployAction_LintCounts(lint.blocking().size(), lint.warnings().size(), lint.acknowledgements().size());
    }

    private synchronized Map<String, PendingApproval> pending() {
        if (pending == null) {
            pending = new ConcurrentHashMap<>();
        }
        return pending;
    }

    /** Approvals waiting for an answer on this page. */
    public List<PendingApproval> getPendingApprovals() {
        return new ArrayList<>(pending().values());
    }

    /**
     * Asks for an approval on this page; the future completes when someone allowed to answers, and is dropped from the
     * page when the engine cancels it (run aborted, approval timed out).
     */
    CompletionStage<ApprovalGate.Decision> request(ApprovalGate.Request request, BuildOrigin origin) {
        PendingApproval p = new PendingApproval(request, origin, Instant.now());
        if (request.timeout() != null) {
            // the engine times out its own copy; drop this one from the page at the same moment
            p.future.orTimeout(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        pending().put(p.getKey(), p);
        p.future.whenComplete((d, e) -> pending().remove(p.getKey(), p));
        return p.future;
    }

    /** Cancels every approval still waiting, when the run is stopped. */
    void cancelPending() {
        for (PendingApproval p : getPendingApprovals()) {
            p.future.cancel(false);
        }
    }

    /** Whether the current user may answer {@code p}: the plan's approvers (user or group ids), else anyone who may build the job. */
    public boolean canDecide(PendingApproval p) {
        if (run == null) {
            return false;
        }
        if (p.getApprovers().isEmpty()) {
            return run.getParent().hasPermission(Item.BUILD);
        }
        Jenkins j = Jenkins.get();
        if (j.hasPermission(Jenkins.ADMINISTER)) {
            return true;
        }
        Authentication a = Jenkins.getAuthentication2();
        IdStrategy users = j.getSecurityRealm().getUserIdStrategy();
        IdStrategy groups = j.getSecurityRealm().getGroupIdStrategy();
        for (String approver : p.getApprovers()) {
            if (users.equals(a.getName(), approver)) {
                return true;
            }
            for (GrantedAuthority g : a.getAuthorities()) {
                if (groups.equals(g.getAuthority(), approver)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What an approval is known by, on the form and in a build's recorded decisions: the environment for its promotion,
     * the environment and the difference's fingerprint for a schema drift, so that approving a promotion never accepts a
     * drift, nor accepting one drift another.
     */
    static String key(ApprovalGate.Request request) {
        return request.drift() == null ? request.environment()
                : request.environment() + "-drift-" + request.drift().fingerprint();
    }

    /**
     * Approves ({@code approve} present, the button's name) or rejects an environment's promotion or a schema drift
     * there, recording who; {@code environment} is the approval's {@link PendingApproval#getKey() key}.
     */
    @RequirePOST
    public HttpResponse doSubmit(@QueryParameter String environment, @QueryParameter String comment,
            @QueryParameter String approve) {
        PendingApproval p = pending().get(Util.fixNull(environment));
        if (p == null) {
            throw new Failure(Messages.MigrateThenDeployAction_NothingToApprove(environment));
        }
        if (!canDecide(p)) {
            // 403, not an error page with 200, so that scripts and proxies see a refusal
            throw HttpResponses.errorWithoutStack(403, p.getApprovers().isEmpty()
                    ? Messages.MigrateThenDeployAction_NeedBuildPermission()
                    : Messages.MigrateThenDeployAction_NotAnApprover(String.join(", ", p.getApprovers())));
        }
        User user = User.current();
        String by = user != null ? user.getId() : Jenkins.getAuthentication2().getName();
        String note = Util.fixEmptyAndTrim(comment);
        p.future.complete(approve != null
                ? new ApprovalGate.Decision(true, by, note)
                : ApprovalGate.Decision.denied(by, note));
        return HttpResponses.redirectToDot();
    }

    /**
     * An environment waiting for someone to approve its migration (and rollout, unless the step only migrates), or to
     * accept a drift of its schema knowingly.
     */
    public static final class PendingApproval {
        private final ApprovalGate.Request request;
        private final BuildOrigin origin;
        private final Instant asked;
        private final CompletableFuture<ApprovalGate.Decision> future = new CompletableFuture<>();

        PendingApproval(ApprovalGate.Request request, BuildOrigin origin, Instant asked) {
            this.request = request;
            this.origin = origin == null ? new BuildOrigin(List.of(), null, null) : origin;
            this.asked = asked;
        }

        /** Who or what started the build, and the commit it built (null when the build does not say). */
        public BuildOrigin getOrigin() {
            return origin;
        }

        /** When the wait ends unanswered (the approval timeout from the moment it was asked), or null: it waits until answered. */
        public Instant getDeadline() {
            return request.timeout() == null ? null : asked.plus(request.timeout());
        }

        /** The deadline as a time of day on the controller's clock, with its zone ("21:05:30 UTC"), or null. */
        public String getDeadlineText() {
            Instant deadline = getDeadline();
            return deadline == null ? null : DEADLINE_FORMAT.format(deadline.atZone(ZoneId.systemDefault()));
        }

        /** How long until the deadline, in whole minutes rounded up ("in 5 min", "in less than 1 min"), or null. */
        public String getTimeLeft() {
            return timeLeft(Instant.now());
        }

        String timeLeft(Instant now) {
            Instant deadline = getDeadline();
            if (deadline == null) {
                return null;
            }
            long seconds = Duration.between(now, deadline).toSeconds();
            if (seconds < 60) {
                return Messages.MigrateThenDeployAction_TimeLeftUnderAMinute();
            }
            return Messages.MigrateThenDeployAction_TimeLeft((seconds + 59) / 60);
        }

        /** What the form answers: {@link MigrateThenDeployAction#key}. */
        public String getKey() {
            return key(request);
        }

        /** The schema difference to accept (its summary, lines and fingerprint), or null for a promotion. */
        public ApprovalGate.Drift getDrift() {
            return request.drift();
        }

        /** The difference's lines as the form shows them, one a line (the rest is in the report). */
        public String getDriftText() {
            return request.drift() == null ? "" : String.join("\n", request.drift().lines());
        }

        public String getEnvironment() {
            return request.environment();
        }

        public String getNamespace() {
            return request.namespace();
        }

        public String getImage() {
            return request.image();
        }

        public List<String> getApprovers() {
            return request.approvers() == null ? List.of() : request.approvers();
        }

        /** What approving does ("promote IMAGE to ENV"; a {@code migrateDatabase} step only migrates, and says so). */
        public String getAction() {
            return request.action();
        }

        /** The page's question: "Promote IMAGE to ENV?". */
        public String getQuestion() {
            String action = request.action();
            return Character.toUpperCase(action.charAt(0)) + action.substring(1) + "?";
        }

        /** What the approver decides on, one fact a line: the image, what earlier environments did, what runs here. */
        public List<String> getBrief() {
            return request.brief() == null ? List.of() : request.brief().lines();
        }

        /** What the environment runs now: its Deployments' images and its recorded release. */
        public String getRunsNow() {
            return request.now();
        }

        /** What it runs after the approval. */
        public String getRunsAfter() {
            return request.next();
        }
    }
}

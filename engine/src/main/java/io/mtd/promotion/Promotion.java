package io.mtd.promotion;

import static io.mtd.concurrent.Futures.unwrap;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.compatibility.CompatibilityVerdict;
import io.mtd.compatibility.RunningVersions;
import io.mtd.flyway.FlywayOutput;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.mtd.image.ImageResolver;
import io.mtd.kube.NamespaceWatch;
import io.mtd.kube.Permissions;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseGate;
import io.mtd.lint.ReleaseSql;
import io.mtd.migration.AppliedMigrations;
import io.mtd.migration.MigrationJob;
import io.mtd.migration.MigrationReason;
import io.mtd.migration.MigrationStage;
import io.mtd.migration.JobKind;
import io.mtd.migration.SlotClaim;
import io.mtd.plan.DatabaseJob;
import io.mtd.report.SchemaReport;
import io.mtd.schema.SchemaDiff;
import io.mtd.schema.SchemaDrift;
import io.mtd.schema.SchemaSnapshot;
import io.mtd.schema.SnapshotJob;
import io.mtd.schema.SnapshotJob.Taken;
import io.mtd.schema.SnapshotStore;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.release.Passage;
import io.mtd.release.Release;
import io.mtd.release.ReleaseRecords;
import io.mtd.release.RunOrder;
import io.mtd.report.ApprovalReport;
import io.mtd.report.CheckReport;
import io.mtd.report.CompatibilityReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.ImageReport;
import io.mtd.report.MigrationReport;
import io.mtd.report.ReleaseReport;
import io.mtd.report.RolloutReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.rollout.CallbackRollout;
import io.mtd.rollout.RolloutCallback;
import io.mtd.rollout.RolloutStage;
import io.mtd.rollout.RolloutTargets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One run of a plan, the one place that orders the stages: the image, then for each environment in turn cluster access,
 * the check of what the rollout will touch, the environment's release record (a run older than one that already passed
 * stops there: superseded), approval, the printed SQL's lint, the migration (slot and lock), the compatibility check,
 * the rollout, the post-rollout migration and its compatibility check; and the one place that builds each
 * environment's report. Never blocks a thread; {@link #report()} never fails.
 *
 * <p>Never backwards: the run takes its place among the app's runs when it starts ({@link ReleaseRecords#order}), and
 * records its release in each environment right before the migration (under the migration lock) and right before the
 * rollout, each time in one compare-and-swap with the check that no newer run passed: approval waits can last hours.
 */
public final class Promotion {

    /** The stages and shared resources a promotion runs with; the engine owns them. */
    public record Stages(
            ImageResolver images,
            ApprovalStage approvals,
            MigrationStage migrations,
            RolloutStage rollouts,
            RolloutCallback rolloutCallback,
            RunIdentity identity,
            Path workspace,
            ScheduledExecutorService scheduler,
            Clock clock,
            Function<Environment, KubernetesClient> clients,
            BiFunction<KubernetesClient, String, NamespaceWatch> watches,
            ReleaseRecords releases) {}

    private final Stages stages;
    private final Plan plan;
    private final ProgressListener events;
    private final SecretMasker masker;
    private final boolean withoutRollout;
    private final Environment origin;
    private final Instant started;
    /** This run's place among the app's runs, taken when it starts. */
    private volatile CompletableFuture<RunOrder> order;
    private final CompletableFuture<String> cancelled = new CompletableFuture<>();
    private final CompletableFuture<RunReport> report = new CompletableFuture<>();
    private final List<EnvironmentReport> environments = new ArrayList<>();
    private volatile ImageReport image;
    private volatile LintReport lint;
    /** The first environment's schema before and after its migration, once it has both. */
    private volatile Reference reference;

    /**
     * @param withoutRollout run each environment up to its migration only (the caller rolls out with its own tools)
     * @param lint the release gate's report, checked before the promotion was started (null: none, for a rollback)
     * @param origin the app's first environment, whose record counts the app's runs (the plan's first, also when only
     *     a later one runs here)
     */
    public Promotion(Stages stages, Plan plan, ProgressListener events, SecretMasker masker, boolean withoutRollout,
            LintReport lint, Environment origin) {
        this.stages = stages;
        this.plan = plan;
        this.events = events;
        this.masker = masker;
        this.withoutRollout = withoutRollout;
        this.lint = lint;
        this.origin = Objects.requireNonNull(origin);
        this.started = stages.clock().instant();
    }

    /** Completes with the report when the run ends; never completes exceptionally. */
    public CompletableFuture<RunReport> report() {
        return report;
    }

    /** Stops waiting on whatever the run waits for; a running migration Job is left to finish unless the plan says otherwise. */
    public void cancel(String why) {
        cancelled.complete(why == null ? "cancelled" : why);
    }

    /** Starts the run: its place among the app's runs and the image, then the environments in order. */
    public void begin() {
        // the run's place is taken as it starts, whatever comes first: the image build may take minutes
        try {
            order = stages.releases().order(stages.clients().apply(origin), plan.app(), origin, stages.identity().key());
        } catch (RuntimeException e) { // the first environment's cluster cannot be reached: said when an environment needs it
            order = CompletableFuture.failedFuture(e);
        }
        ImageResolver images = stages.images();
        CompletableFuture<ImageReport> resolved;
        try {
            resolved = announced(Stage.IMAGE, null, images.describe(plan), () -> images.resolve(plan, events),
                    img -> img.digest() == null
                            ? new Ended(StageOutcome.SKIPPED, "not pinned by digest: every environment runs " + img.pinned() + " as written")
                            : new Ended(StageOutcome.SUCCEEDED, "Pinned " + img.pinned()));
        } catch (RuntimeException e) { // describing the image failed: the run must end all the same
            resolved = CompletableFuture.failedFuture(e);
        }
        resolved.whenCompleteAsync((img, error) -> {
            if (error != null) {
                image = ImageReport.unresolved(plan.image());
                finish(RunOutcome.IMAGE_FAILED, "image: " + message(unwrap(error)));
                return;
            }
            image = img;
            environment(0);
        }, stages.scheduler());
    }

    private void environment(int index) {
        if (cancelled.isDone()) {
            finish(RunOutcome.CANCELLED, cancelled.getNow("cancelled"));
            return;
        }
        if (index >= plan.environments().size()) {
            finish(RunOutcome.SUCCEEDED, null);
            return;
        }
        promote(new Step(plan.environments().get(index))).whenCompleteAsync((step, error) -> {
            if (error != null) { // a bug in a stage: the run must end all the same
                step = new Step(plan.environments().get(index)).stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE,
                        message(unwrap(error)));
            }
            environments.add(step.report());
            if (step.stop != null) {
                finish(step.stop, step.env.name() + ": " + step.failure);
                return;
            }
            environment(index + 1);
        }, stages.scheduler());
    }

    /** One environment, stage by stage; a stage that stops the run leaves the later ones out. */
    private CompletableFuture<Step> promote(Step step) {
        return stage(step, this::connect)
                .thenComposeAsync(s -> stage(s, this::checkTargets), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::checkRelease), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::approve), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::snapshotBefore), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::checkPrintedSql), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::backUp), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::migrate), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::checkCompatibility), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::snapshotAfter), stages.scheduler())
                .whenComplete((s, e) -> step.releaseSlot()) // the Jobs before the rollout are done: the next run may migrate
                .thenComposeAsync(s -> stage(s, this::acceptDriftAfter), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::rollOut), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::postRollout), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::snapshotEnd), stages.scheduler())
                .thenComposeAsync(s -> stage(s, this::checkPostRolloutCompatibility), stages.scheduler())
                .whenComplete((s, e) -> step.releasePostRolloutSlot()) // the post-rollout Job, its snapshot and check shared a claim
                .thenComposeAsync(s -> stage(s, this::keepSchema), stages.scheduler());
    }

    private static CompletableFuture<Step> stage(Step step, Function<Step, CompletableFuture<Step>> stage) {
        if (step.stop != null) {
            return CompletableFuture.completedFuture(step);
        }
        try {
            return stage.apply(step);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The environment's approval, for the change it shows (what the environment runs now, what it runs after). An
     * approval given after the environment moved on is refused: the run stops if a newer run passed, and asks again for
     * the change as it now is otherwise.
     */
    private CompletableFuture<Step> approve(Step s) {
        if (!s.env.requiresApproval()) {
            return CompletableFuture.completedFuture(s);
        }
        ApprovalStage.Target target = new ApprovalStage.Target(plan, s.env, image.pinned(), !withoutRollout, () -> brief(s.env),
                cancelled, s.before, s.running);
        return announced(Stage.APPROVAL, s.env.name(), stages.approvals().describe(target), () -> stages.approvals().approve(target),
                        approval -> new Ended(approval.outcome(), ApprovalStage.summary(approval)))
                .handle((approval, error) -> {
                    if (error != null) {
                        return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "approval: " + message(unwrap(error)));
                    }
                    s.approval = approval;
                    if (approval.outcome() != StageOutcome.SUCCEEDED) {
                        return s.stop(approval.outcome(), approval.outcome() == StageOutcome.CANCELLED ? RunOutcome.CANCELLED
                                : RunOutcome.DENIED, "not approved" + (approval.comment() == null ? "" : ": " + approval.comment()));
                    }
                    return s;
                })
                .thenComposeAsync(st -> st.stop != null ? CompletableFuture.completedFuture(st) : stillCurrent(st), stages.scheduler());
    }

    /** After an approval: whether the environment is still where the approval saw it; if not, what that means. */
    private CompletableFuture<Step> stillCurrent(Step s) {
        return stages.releases().read(s.client, plan.app(), s.env).handleAsync((now, error) -> {
            if (error != null) {
                return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE,
                        "reading the release record after the approval failed: " + message(unwrap(error))));
            }
            if (sameRelease(now, s.before)) {
                return CompletableFuture.completedFuture(s);
            }
            Passage p = Passage.judge(now, mine(s, null), plan.rollsBack());
            String moved = s.env.name() + " moved on while the approval waited: from "
                    + (s.before == null ? "no recorded release" : s.before.image()) + " to " + now.describe();
            if (!p.passes()) {
                return CompletableFuture.completedFuture(superseded(s, p, "the approval came too late: " + moved + "; "));
            }
            events.on(new ProgressEvent.Note(Stage.APPROVAL, s.env.name(), moved + ": the approval was for the change from "
                    + (s.before == null ? "no recorded release" : s.before.image()) + ", so it is refused and asked again"));
            s.before = now;
            s.approval = null;
            // asked again for the change as it now is: what the Deployments run now too
            return checkTargets(s).thenCompose(st -> st.stop != null ? CompletableFuture.completedFuture(st) : approve(st));
        }, stages.scheduler()).thenCompose(f -> f);
    }

    /** Whether two records show one release (whatever state it reached), or both none. */
    private static boolean sameRelease(Release a, Release b) {
        return a == null ? b == null : a.sameRun(b) && a.image().equals(b.image());
    }

    /**
     * What the approver of {@code env} is shown: what this run did so far, the check, and what will run there. Reading
     * the Flyway scripts still pending there asks its database through its Secret, as the release gate did for the last
     * environment; anything that cannot be read is said, never a reason to fail the run.
     */
    private ApprovalBrief brief(Environment env) {
        ApprovalBrief.PlannedMigration next;
        try {
            MigrationJob job = MigrationJob.of(JobKind.MIGRATION, plan, env, image.pinned(), stages.identity(), stages.workspace());
            Migration m = job.migration();
            List<String> pending = null;
            String note = null;
            if (m.flyway() != null && m.flyway().shipsFromWorkspace()) {
                Preflight preflight = FlywayPreflight.check(m.flyway(), stages.workspace(), stages.clients().apply(env),
                        env.namespaceOrDefault());
                pending = preflight.pending().map(p -> p.stream().map(x -> "V" + x.version() + " " + x.description()).toList())
                        .orElse(null);
                note = preflight.pending().isPresent() ? "per the schema history of " + env.name() : preflight.note();
            } else if (m.flyway() != null) {
                note = "the scripts inside the application image (source: image), pending per " + env.name() + "'s schema history";
            }
            next = new ApprovalBrief.PlannedMigration(job.name(), job.namespace(), m.flyway() == null ? m.command() : List.of(),
                    m.flyway() == null ? null : m.flyway().imageOrDefault(), pending, note);
        } catch (RuntimeException e) { // the approver is told what is not known; the migration stage reports the error itself
            next = new ApprovalBrief.PlannedMigration(null, env.namespaceOrDefault(), plan.migration().command(), null, null,
                    "the migration Job cannot be prepared: " + message(e));
        }
        String mode = withoutRollout ? null : stages.rolloutCallback() != null ? CallbackRollout.MODE
                : env.deployments().isEmpty() ? null : RolloutStage.MODE;
        List<ApprovalBrief.RolloutTarget> targets = RolloutStage.MODE.equals(mode)
                ? env.deployments().stream().map(d -> new ApprovalBrief.RolloutTarget(d, env.container())).toList() : List.of();
        // what the approver reads leaves the engine: the log tails and notes in it are masked as the report is
        return masker.maskAll(new ApprovalBrief(image, List.copyOf(environments), lint, next, mode, targets, stages.clock().instant()),
                ApprovalBrief.class);
    }

    /** The environment's client and watch, once the account may do all the run needs there. */
    private CompletableFuture<Step> connect(Step s) {
        try {
            s.client = stages.clients().apply(s.env);
            // before anything is touched there: may this account do all the run needs? (one line naming what not)
            Optional<String> refused = Permissions.refused(s.client, plan, s.env);
            if (refused.isPresent()) {
                return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, refused.get()));
            }
            s.watch = stages.watches().apply(s.client, s.env.namespaceOrDefault());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE,
                    "cannot reach the cluster: " + message(e)));
        }
        return CompletableFuture.completedFuture(s);
    }

    /** Whether this run rolls out in {@code s}'s environment (the caller's rollout, or the engine's own of its Deployments). */
    private boolean rollsOut(Step s) {
        return !withoutRollout && (stages.rolloutCallback() != null || !s.env.deployments().isEmpty());
    }

    /**
     * Before anything migrates: every Deployment the engine will roll out exists, is not paused, and has the container
     * the image goes into; what they run now is what the approval shows.
     */
    private CompletableFuture<Step> checkTargets(Step s) {
        if (withoutRollout || stages.rolloutCallback() != null || s.env.deployments().isEmpty()) {
            return CompletableFuture.completedFuture(s);
        }
        RolloutTargets.Checked checked = RolloutTargets.check(s.client, s.env);
        s.running = checked.running();
        if (!checked.problems().isEmpty()) {
            return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INVALID_PLAN,
                    String.join("; ", checked.problems()) + "; nothing was migrated in " + s.env.name()));
        }
        return CompletableFuture.completedFuture(s);
    }

    /**
     * What the environment's record says, before its approval: a run older than the one that took the environment to its
     * release stops here, superseded.
     */
    private CompletableFuture<Step> checkRelease(Step s) {
        return order.handleAsync((o, error) -> {
            if (error != null) {
                return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE,
                        "cannot take this run's place among " + plan.app() + "'s runs in " + origin.name() + " (namespace "
                                + origin.namespaceOrDefault() + "): " + message(unwrap(error))));
            }
            s.order = o;
            return stages.releases().read(s.client, plan.app(), s.env).handle((current, e) -> {
                if (e != null) {
                    return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "reading the release record of " + s.env.name()
                            + " failed: " + message(unwrap(e)));
                }
                s.before = current;
                return passed(s, Passage.judge(current, mine(s, null), plan.rollsBack()), "");
            });
        }, stages.scheduler()).thenCompose(f -> f);
    }

    /** Records {@code state} of this run's release in the environment if no newer run passed; else stops superseded. */
    private CompletableFuture<Step> enter(Step s, Release.State state, String when) {
        Release mine = mine(s, state);
        return stages.releases().enter(s.client, plan.app(), s.env, mine, plan.rollsBack()).handle((p, error) -> {
            if (error != null) {
                return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "recording the release in " + s.env.name()
                        + " failed: " + message(unwrap(error)) + "; nothing more was changed there");
            }
            if (p.records()) {
                s.recorded = mine;
            }
            return passed(s, p, when);
        });
    }

    /** Records that this run's release reached {@code state}, if the record is still this run's; never stops the run. */
    private CompletableFuture<Step> settle(Step s, Release.State state) {
        if (s.recorded == null) {
            return CompletableFuture.completedFuture(s);
        }
        Release mine = mine(s, state);
        return stages.releases().settle(s.client, plan.app(), s.env, mine).handle((now, error) -> {
            if (error != null) {
                note(Stage.RELEASE, s, "could not record that " + mine.image() + " is " + state.words() + ": "
                        + message(unwrap(error)) + " (the record still names this run, so older runs still stop here)");
            } else if (now != null && now.sameRun(mine)) {
                s.recorded = mine;
            } else {
                note(Stage.RELEASE, s, "a newer run took " + s.env.name() + " over meanwhile: "
                        + (now == null ? "its record is gone" : now.describe()));
            }
            return s;
        });
    }

    /** Goes on when {@code p} passes (saying what the environment is at), else stops the run superseded. */
    private Step passed(Step s, Passage p, String when) {
        if (p.passes()) {
            String note = p.note(s.env.name());
            if (note != null && !p.equals(s.noted)) {
                note(Stage.RELEASE, s, note);
            }
            s.noted = p;
            return s;
        }
        return superseded(s, p, when);
    }

    private Step superseded(Step s, Passage p, String context) {
        s.supersededBy = p.before();
        String why = context + p.supersededBecause(s.env.name(), mine(s, null));
        note(Stage.RELEASE, s, why);
        return s.stop(StageOutcome.SUPERSEDED, RunOutcome.SUPERSEDED, why);
    }

    /** This run's release in {@code state}. */
    private Release mine(Step s, Release.State state) {
        return new Release(image.pinned(), stages.identity().id(), stages.identity().url(), s.order, started, state,
                plan.rollsBack());
    }

    private void note(Stage stage, Step s, String message) {
        events.on(new ProgressEvent.Note(stage, s.env.name(), message));
    }

    /**
     * For a command migration with {@code migration.lint.sqlCommand}: prints the SQL it will run with a short Job from
     * the same image and lints it; an unacknowledged error stops the run before anything is migrated.
     */
    private CompletableFuture<Step> checkPrintedSql(Step s) {
        if (plan.rollsBack()) {
            return CompletableFuture.completedFuture(s); // nothing migrates: nothing to check
        }
        Migration m = plan.migration();
        List<String> pre = m.flyway() == null ? m.lintOrDefaults().sqlCommand() : List.of();
        List<String> post = m.flyway() == null && m.hasPostRollout() ? m.postRollout().sqlCommand() : List.of();
        if (pre.isEmpty() && post.isEmpty()) {
            if (lint != null) {
                s.checks.add(CheckReport.lint(lint)); // the run's check of every script covers this environment's
            }
            return CompletableFuture.completedFuture(s);
        }
        return printSql(s, JobKind.PRINT_SQL, pre).thenCompose(p -> printSql(s, JobKind.PRINT_POST_ROLLOUT_SQL, post)
                        .thenApply(q -> List.of(p, q)))
                .handleAsync((printed, error) -> {
                    String failed = error != null ? message(unwrap(error)) : null;
                    LintReport checked = null;
                    if (failed == null) {
                        try {
                            checked = ReleaseGate.lint(plan, ReleaseSql.gather(plan, stages.workspace(), Optional.empty(),
                                    printed.get(0), printed.get(1)), s.env.name(), events);
                        } catch (RuntimeException e) { // the run must end, whatever the check throws
                            return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "checking the printed SQL failed: " + message(e));
                        }
                        lint = checked;
                        s.checks.add(CheckReport.lint(checked));
                    }
                    if (failed != null || !checked.passed()) {
                        return s.stop(StageOutcome.FAILED, failed != null ? RunOutcome.MIGRATION_FAILED : RunOutcome.VETOED,
                                (failed != null ? "printing the migration's SQL failed: " + failed
                                        : new LintFailedException(checked).getMessage()) + "; nothing was migrated");
                    }
                    return s;
                }, stages.scheduler());
    }

    /** The SQL {@code sqlCommand} printed in its Job (of that {@code kind}), or empty when there is no command. */
    private CompletableFuture<Optional<String>> printSql(Step s, JobKind kind, List<String> sqlCommand) {
        if (sqlCommand.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        events.on(new ProgressEvent.Note(Stage.LINT, s.env.name(), "printing the migration's SQL: " + String.join(" ", sqlCommand)));
        return migration(s, kind).thenApply(outcome -> {
            MigrationReport r = outcome.report();
            // skipped: printed before for this image, its log read again
            if (!r.ok()) {
                throw new CompletionException(new IllegalStateException("Job " + r.job() + " " + r.outcome().words() + ": "
                        + r.explanation()));
            }
            return Optional.of(String.join("\n", outcome.log()));
        });
    }

    /**
     * The environment's migration, under the claim of its slot: right before it, with the lock held, the record is
     * checked again and this run's release recorded there, so that no older run migrates after a newer one.
     */
    private CompletableFuture<Step> migrate(Step s) {
        if (plan.rollsBack()) {
            s.migration = new MigrationReport(null, StageOutcome.SKIPPED, null, "rollback: the migration is skipped; the schema"
                    + " stays where " + (s.before == null ? "the environment's last release" : s.before.image()) + " left it",
                    null, 0, Duration.ZERO, null);
            note(Stage.MIGRATION, s, s.migration.message());
            return CompletableFuture.completedFuture(s);
        }
        return s.slot(claim(s)).handle((claim, error) -> error == null)
                // not claimed (lock timeout, cancel): the migration's own report says why
                .thenCompose(claimed -> claimed ? enter(s, Release.State.MIGRATING, "right before its migration: ")
                        : CompletableFuture.completedFuture(s))
                .thenCompose(st -> st.stop != null ? CompletableFuture.completedFuture(st) : migration(st, JobKind.MIGRATION)
                        .handle((outcome, error) -> {
            if (error != null) {
                return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "migration: " + message(unwrap(error)));
            }
            MigrationReport migration = withOutput(outcome);
            s.migration = migration;
            StageOutcome mo = migration.outcome();
            if (!migration.ok()) {
                return s.stop(mo, outcome.runOutcome(), "migration" + (migration.job() == null ? "" : " " + migration.job())
                        + " " + mo.words() + ": " + migration.explanation());
            }
            return s;
        }));
    }

    /**
     * The rollout, once the record shows no newer run passed meanwhile (checked again and written right before it);
     * then the record says how it ended. Where this run rolls nothing out, the migration is where it leaves the
     * environment.
     */
    private CompletableFuture<Step> rollOut(Step s) {
        if (!rollsOut(s)) {
            if (!withoutRollout) {
                note(Stage.ROLLOUT, s, "no deployments named: nothing to roll out");
            }
            return s.recorded == null ? enter(s, Release.State.MIGRATED, "") : settle(s, Release.State.MIGRATED);
        }
        return enter(s, Release.State.ROLLING_OUT, "right before its rollout: ")
                .thenCompose(st -> st.stop != null ? CompletableFuture.completedFuture(st) : rolledOut(st))
                .thenCompose(st -> {
                    StageOutcome ro = st.rollout == null ? null : st.rollout.outcome();
                    if (ro != null && ro.ok()) {
                        return settle(st, Release.State.ROLLED_OUT);
                    }
                    return ro == StageOutcome.FAILED || ro == StageOutcome.TIMED_OUT ? settle(st, Release.State.ROLLOUT_FAILED)
                            : CompletableFuture.completedFuture(st);
                });
    }

    /** The caller's rollout if it gave one, else the engine's own over the environment's Deployments. */
    private CompletableFuture<Step> rolledOut(Step s) {
        return rollout(s).handle((rollout, error) -> {
            RolloutReport r = error == null ? rollout
                    : new RolloutReport(rolloutMode(),
                            StageOutcome.FAILED, message(unwrap(error)), Duration.ZERO, List.of());
            s.rollout = r;
            boolean ok = r.outcome().ok();
            if (!ok) {
                RunOutcome o = r.outcome() == StageOutcome.CANCELLED ? RunOutcome.CANCELLED
                        : r.outcome() == StageOutcome.TIMED_OUT ? RunOutcome.TIMED_OUT : RunOutcome.ROLLOUT_FAILED;
                return s.stop(r.outcome(), o, "rollout " + r.outcome().words() + ": " + r.reason());
            }
            return s;
        });
    }

    /** The rollout stage of either form: the caller's, bounded by the plan's rollout timeout, or the engine's own. */
    private CompletableFuture<RolloutReport> rollout(Step s) {
        Environment env = s.env;
        String detail;
        Supplier<CompletableFuture<RolloutReport>> roll;
        if (stages.rolloutCallback() != null) {
            detail = "caller's rollout of " + image.pinned();
            roll = () -> {
                // the caller's rollout gets the plan's rollout timeout too; the future's cancel stops it
                CompletableFuture<RolloutReport> rollout = new CallbackRollout(stages.rolloutCallback())
                        .roll(s.client, env, image.pinned(), events);
                Duration limit = plan.rolloutOrDefaults().timeoutOrDefault();
                var timeout = stages.scheduler().schedule(() -> rollout.completeExceptionally(new TimeoutException(
                        "the rollout took longer than " + Durations.format(limit) + " (rollout.timeout)")),
                        limit.toMillis(), TimeUnit.MILLISECONDS);
                rollout.whenComplete((r, e) -> timeout.cancel(false)); // the scheduler keeps no finished rollout
                return rollout;
            };
        } else {
            detail = String.join(", ", env.deployments()) + " to " + image.pinned()
                    + (plan.rollsBack() ? " (a rollback on purpose)" : "");
            roll = () -> stages.rollouts().roll(s.client, env, image.pinned(), plan.rolloutOrDefaults(), events);
        }
        return announced(Stage.ROLLOUT, env.name(), detail, () -> reported(roll.get()),
                r -> new Ended(r.outcome(), r.outcome() == StageOutcome.SUCCEEDED ? "rolled out" : r.reason()));
    }

    /** A rollout's report, also when it was cancelled, timed out or failed without one. */
    private CompletableFuture<RolloutReport> reported(CompletableFuture<RolloutReport> rollout) {
        Instant began = stages.clock().instant();
        cancelled.thenAccept(why -> rollout.cancel(false));
        return rollout.handle((r, error) -> {
            if (error == null) {
                return r;
            }
            Throwable cause = unwrap(error);
            return new RolloutReport(rolloutMode(),
                    cause instanceof CancellationException ? StageOutcome.CANCELLED
                            : cause instanceof TimeoutException ? StageOutcome.TIMED_OUT : StageOutcome.FAILED,
                    cause instanceof CancellationException ? "cancelled: " + cancelled.getNow("cancelled") : message(cause),
                    Duration.between(began, stages.clock().instant()), List.of());
        });
    }

    /**
     * The contract phase, once the environment's rollout is complete and healthy: the post-rollout migration as its own
     * Job through the same migration stage (lock, slot, log, fail-fast). Its failure leaves the new version serving.
     */
    private CompletableFuture<Step> postRollout(Step s) {
        if (!plan.migration().hasPostRollout() || plan.rollsBack()) {
            return CompletableFuture.completedFuture(s);
        }
        events.on(new ProgressEvent.Note(Stage.MIGRATION, s.env.name(), "the rollout is complete and healthy: running the"
                + " post-rollout (contract) migration"));
        return migration(s, JobKind.POST_ROLLOUT).handle((outcome, error) -> {
            MigrationReport post = error != null
                    ? new MigrationReport(null, StageOutcome.FAILED, MigrationReason.Engine.ENGINE_ERROR.value(),
                            message(unwrap(error)), null, 0, Duration.ZERO, null)
                    : withOutput(outcome);
            s.post = post;
            StageOutcome po = post.outcome();
            if (!po.ok()) {
                // the environment itself is rolled out: its outcome stays SUCCEEDED, the run's says what failed
                s.stop = RunOutcome.POST_ROLLOUT_FAILED;
                s.failure = "post-rollout migration " + post.job() + " " + po.words() + ": " + post.explanation()
                        + ". The new version " + image.pinned()
                        + " is rolled out and keeps serving; the contract change did not complete: fix it and run again";
            }
            return s;
        });
    }

    // ---- the compatibility check (migration.compatibility): the versions serving, tried against the migrated schema ----

    /**
     * After the migration, before the rollout, under the same claim of the slot (no other run's Job between them): each
     * version the environment's Deployments run now, tried by a Job from its own image against the migrated schema. A
     * version that fails stops the environment before its rollout, and so before any later environment.
     */
    private CompletableFuture<Step> checkCompatibility(Step s) {
        if (!plan.migration().hasCompatibility()) {
            return CompletableFuture.completedFuture(s);
        }
        RunningVersions running;
        try {
            running = RunningVersions.read(s.client, s.env, image.pinned());
        } catch (KubernetesClientException e) {
            return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "compatibility check:"
                    + " cannot read which version the Deployments run: " + message(e) + "; nothing was rolled out"));
        }
        return tryVersions(s, running, CompatibilityVerdict.When.BEFORE_ROLLOUT, s.slot(claim(s)))
                .thenApply(verdict -> {
                    s.compatibility = verdict.report();
                    return verdict.runOutcome() == RunOutcome.SUCCEEDED ? s
                            : s.stop(verdict.report().outcome(), verdict.runOutcome(), verdict.failure());
                });
    }

    /**
     * After the post-rollout migration, under its claim of the slot: the new version, serving by then, tried against the
     * schema the contract phase left, before any later environment. Its failure leaves the environment rolled out.
     */
    private CompletableFuture<Step> checkPostRolloutCompatibility(Step s) {
        if (!plan.migration().hasCompatibility() || s.post == null) {
            return CompletableFuture.completedFuture(s);
        }
        return tryVersions(s, RunningVersions.released(s.env, image.pinned()), CompatibilityVerdict.When.AFTER_POST_ROLLOUT,
                s.postRolloutSlot(claim(s))).thenApply(verdict -> {
                    s.postCompatibility = verdict.report();
                    if (verdict.runOutcome() != RunOutcome.SUCCEEDED) {
                        // as after a failed contract migration: the environment is rolled out, the run says what failed
                        s.stop = verdict.runOutcome();
                        s.failure = verdict.failure();
                    }
                    return s;
                });
    }

    /** Each version's check in turn, under {@code claim}; after the first that fails, the others are not tried. */
    private CompletableFuture<CompatibilityVerdict> tryVersions(Step s, RunningVersions running, CompatibilityVerdict.When when,
            CompletableFuture<SlotClaim> claim) {
        String release = image.pinned();
        running.notes().forEach(n -> events.on(new ProgressEvent.Note(Stage.COMPATIBILITY, s.env.name(), n)));
        if (running.versions().isEmpty()) {
            events.on(new ProgressEvent.Note(Stage.COMPATIBILITY, s.env.name(), "skipped: " + running.skipped()));
            return CompletableFuture.completedFuture(CompatibilityVerdict.skipped(release, running.skipped()));
        }
        CompletableFuture<List<CompatibilityVerdict.Tried>> tried = CompletableFuture.completedFuture(new ArrayList<>());
        for (RunningVersions.Version version : running.versions()) {
            tried = tried.thenCompose(done -> {
                boolean failed = done.stream().anyMatch(t -> t.outcome() == null
                        || t.outcome().report().outcome() != StageOutcome.SUCCEEDED);
                CompletableFuture<MigrationStage.Outcome> next = failed ? CompletableFuture.completedFuture(null)
                        : tryVersion(s, version, release, when, claim);
                return next.thenApply(o -> {
                    done.add(new CompatibilityVerdict.Tried(version, o));
                    return done;
                });
            });
        }
        return tried.thenApply(done -> CompatibilityVerdict.of(release, when, done));
    }

    /** One version's check: a Job of kind {@link JobKind#COMPATIBILITY} from its image, announced here. */
    private CompletableFuture<MigrationStage.Outcome> tryVersion(Step s, RunningVersions.Version version, String release,
            CompatibilityVerdict.When when, CompletableFuture<SlotClaim> claim) {
        MigrationStage.Prepared prepared = stages.migrations().prepare(target(s, version.image()), JobKind.COMPATIBILITY);
        String serving = when == CompatibilityVerdict.When.BEFORE_ROLLOUT ? "the running version " : "the new version ";
        String detail = serving + version.image() + (version.deployments().isEmpty() ? ""
                : " (" + String.join(", ", version.deployments()) + ")") + " against the schema of release " + release + ": "
                + prepared.describe();
        return announced(Stage.COMPATIBILITY, s.env.name(), detail, () -> stages.migrations().run(prepared, claim),
                o -> new Ended(o.report().outcome(), CompatibilityVerdict.summary(o, version.image(), release, when)))
                .exceptionally(error -> new MigrationStage.Outcome(new MigrationReport(null, StageOutcome.FAILED,
                        MigrationReason.Engine.ENGINE_ERROR.value(), message(unwrap(error)), null, 0, Duration.ZERO, null),
                        List.of(), RunOutcome.INFRASTRUCTURE));
    }

    /** The form of this run's rollouts, as their reports name it. */
    private String rolloutMode() {
        return stages.rolloutCallback() != null ? CallbackRollout.MODE : RolloutStage.MODE;
    }

    /**
     * One Job's stage under the environment's migration lock (the printed SQL's, the migration's or the post-rollout
     * one's), announced here. The Jobs before the rollout share one claim of the slot, so that no other run's Job comes
     * between them; the post-rollout Job, after the rollout, claims it again.
     */
    private CompletableFuture<MigrationStage.Outcome> migration(Step s, JobKind kind) {
        MigrationStage.Prepared prepared = stages.migrations().prepare(target(s, image.pinned()), kind);
        CompletableFuture<SlotClaim> under = claimFor(s, kind);
        if (kind.printsSql()) {
            // the check of the printed SQL, not a migration: announced as what it is
            return announced(Stage.LINT, s.env.name(), "printing the SQL of the migrations not applied yet: "
                            + prepared.describe(), () -> stages.migrations().run(prepared, under),
                    outcome -> new Ended(outcome.report().outcome(), printed(outcome)));
        }
        return announced(Stage.MIGRATION, s.env.name(), prepared.describe(), () -> stages.migrations().run(prepared, under),
                outcome -> new Ended(outcome.report().outcome(), outcome.summary()));
    }

    /** The finish line of a printing of the SQL: how much it printed, and whether it was printed before for this image. */
    private static String printed(MigrationStage.Outcome outcome) {
        MigrationReport r = outcome.report();
        return switch (r.outcome()) {
            case SUCCEEDED -> "printed " + outcome.log().size() + " line(s) in " + Durations.format(r.duration());
            case SKIPPED -> r.message() + " (" + outcome.log().size() + " line(s))";
            default -> outcome.summary();
        };
    }

    /** How {@code s}'s environment's slot is claimed, when its first Job asks. */
    private Supplier<CompletableFuture<SlotClaim>> claim(Step s) {
        return () -> stages.migrations().claim(target(s, image.pinned()));
    }

    /** What a Job of this run in {@code s}'s environment runs from {@code jobImage} needs. */
    private MigrationStage.Target target(Step s, String jobImage) {
        KubernetesClient client = s.client;
        // the slot's Lease and occupying Jobs may live in another namespace (migration.lock.namespace): watched there too
        return new MigrationStage.Target(plan, s.env, jobImage, stages.identity(), client, s.watch, events, masker, cancelled,
                stages.workspace(), ns -> stages.watches().apply(client, ns));
    }

    /**
     * The claim of the slot a Job of that {@code kind} runs under, made by the first Job that asks: the post-rollout
     * Job's after the rollout, else the one of the Jobs before it (claimed again by a snapshot after an acceptance).
     */
    private CompletableFuture<SlotClaim> claimFor(Step s, JobKind kind) {
        return kind == JobKind.POST_ROLLOUT ? s.postRolloutSlot(claim(s)) : s.slot(claim(s));
    }

    /**
     * Runs one stage between its start and its finish event, both sent here and only here: a stage that starts always
     * finishes, once, also when it fails; and one that never starts sends neither.
     */
    private <R> CompletableFuture<R> announced(Stage stage, String environment, String detail,
            Supplier<? extends CompletionStage<R>> body, Function<R, Ended> ended) {
        events.on(new ProgressEvent.StageStarted(stage, environment, detail));
        Instant began = stages.clock().instant();
        CompletableFuture<R> running;
        try {
            running = body.get().toCompletableFuture();
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        return running.whenComplete((result, error) -> {
            Ended end = error == null ? ended.apply(result) : new Ended(StageOutcome.FAILED, message(unwrap(error)));
            events.on(new ProgressEvent.StageFinished(stage, environment, end.outcome(),
                    Duration.between(began, stages.clock().instant()), end.detail()));
        });
    }

    /** How a stage ended, as its finish event says it. */
    private record Ended(StageOutcome outcome, String detail) {}

    /**
     * What the migration's tool said it applied, read from the Pod's log: for Flyway its versions, scripts and the failing
     * one (whose error is then said first); for a command the migrations its tool printed (Django, Rails, ...).
     */
    private MigrationReport withOutput(MigrationStage.Outcome outcome) {
        MigrationReport m = outcome.report();
        if (m.job() == null) {
            return m;
        }
        if (plan.migration().flyway() == null) {
            return m.withApplied(null, AppliedMigrations.in(outcome.log()));
        }
        return FlywayOutput.parse(outcome.log()).map(f -> {
            MigrationReport r = m.withApplied(f, List.of());
            if (f.error() != null && m.outcome() != StageOutcome.SUCCEEDED) {
                String script = f.failed() == null ? "" : (f.failed().script() != null ? f.failed().script() : "V" + f.failed().version()) + ": ";
                r = r.withMessage(script + f.error() + (m.message() == null ? "" : " (" + m.message() + ")"));
            }
            return r;
        }).orElse(m);
    }

    // ---- the schema: snapshots, drift, the kept schema, the backup (migration.snapshot, migration.drift, backup) ----

    /**
     * Before anything else touches the environment: a snapshot of its schema under the environment's lock (P0; S0 in
     * the first environment), compared with the one kept after the last successful run there and, after the first
     * environment, with the first's before and after its migration. A drift stops the run here, before the migration,
     * unless the plan only warns or someone accepts it knowingly (asked with the lock given back, then checked again
     * under it: only the very difference accepted goes on).
     */
    private CompletableFuture<Step> snapshotBefore(Step s) {
        if (!plan.migration().takesSnapshots()) {
            return CompletableFuture.completedFuture(s);
        }
        return snapshot(s, "before its migration", claimFor(s, JobKind.SNAPSHOT)).thenComposeAsync(taken -> {
            if (taken.failed()) {
                return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, taken.verdict(),
                        "schema snapshot before the migration: " + taken.problem() + "; nothing was migrated"));
            }
            SchemaStep schema = s.schema;
            schema.before = taken.snapshot();
            schema.beforeJob = taken.report();
            schema.kept = kept(s);
            schema.sinceLastRelease = SchemaDrift.sinceLastRelease(schema.kept, snapshotSource(), taken.snapshot());
            noteSinceLastRelease(s);
            if (first(s)) {
                // staging's schema before this image first migrated it: kept by the run that did, when that was not this one
                schema.referenceBefore = keptBefore(schema.kept).orElse(taken.snapshot());
                return CompletableFuture.completedFuture(s);
            }
            Reference ref = reference;
            if (ref == null) {
                schema.drift = new SchemaReport.Drift(null, SchemaReport.Verdict.NOT_COMPARED, null, null,
                        "no earlier environment in this run to compare with (only the schema kept after the last release)");
                return CompletableFuture.completedFuture(s);
            }
            SchemaDrift drift = SchemaDrift.beforeMigration(ref.environment(), ref.before(), ref.after(), taken.snapshot());
            return judgeBefore(s, ref, drift, null);
        }, stages.scheduler());
    }

    /**
     * The schema before the migration against the reference: the same (or already migrated) goes on; a drift is noted
     * with its lines, then goes on ({@code warn}), or is asked to be accepted and checked again ({@code block}).
     */
    private CompletableFuture<Step> judgeBefore(Step s, Reference ref, SchemaDrift drift, SchemaReport.Acceptance accepted) {
        SchemaStep schema = s.schema;
        String env = s.env.name();
        if (!drift.drifted()) {
            note(Stage.SNAPSHOT, env, drift.verdict() == SchemaReport.Verdict.SAME
                    ? env + "'s schema is the one " + ref.environment() + " was tested on (" + drift.against() + ")"
                    : env + "'s schema is already the one " + ref.environment() + " ended with: its migration ran here before");
            schema.drift = drift.report(accepted, null);
            return CompletableFuture.completedFuture(s);
        }
        String what = env + " has drifted from the schema " + ref.environment() + " was tested on";
        if (accepted != null) {
            // checked again under the lock after the acceptance: only the very difference someone accepted goes on
            if (!drift.diff().fingerprint().equals(schema.acceptedBefore)) {
                schema.drift = drift.report(null, "changed again while its acceptance was asked");
                return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, RunOutcome.DRIFTED, what
                        + ", and changed again while someone accepted the difference " + accepted.fingerprint()
                        + ": it is now " + drift.diff().shortFingerprint() + " (" + drift.diff().counts()
                        + "); nothing was migrated; run again to see it" + shown(drift)));
            }
            note(Stage.SNAPSHOT, env, "the schema is still the one whose drift " + accepted.by() + " accepted ("
                    + accepted.fingerprint() + "): migrating");
            schema.drift = drift.report(accepted, "accepted");
            return CompletableFuture.completedFuture(s);
        }
        noteDrift(s, what, drift);
        if (!plan.migration().driftBlocks()) {
            schema.drift = drift.report(null, "migration.drift: warn: reported, and the run went on");
            return CompletableFuture.completedFuture(s);
        }
        s.releaseSlot(); // nobody holds the environment's lock while a person reads the difference
        return accept(s, what, drift).thenComposeAsync(acceptance -> {
            if (acceptance.report().outcome() != StageOutcome.SUCCEEDED) {
                schema.drift = drift.report(null, "not accepted");
                return CompletableFuture.completedFuture(refused(s, acceptance.report(), what + " (compared with "
                        + drift.against() + "): " + drift.diff().counts() + "; nothing was migrated there", drift));
            }
            schema.acceptedBefore = drift.diff().fingerprint();
            return snapshot(s, "before its migration, again now that its drift was accepted", claimFor(s, JobKind.SNAPSHOT))
                    .thenComposeAsync(again -> {
                if (again.failed()) {
                    return CompletableFuture.completedFuture(s.stop(StageOutcome.FAILED, again.verdict(),
                            "schema snapshot before the migration: " + again.problem() + "; nothing was migrated"));
                }
                schema.before = again.snapshot();
                schema.beforeJob = again.report();
                return judgeBefore(s, ref, SchemaDrift.beforeMigration(ref.environment(), ref.before(), ref.after(),
                        again.snapshot()), acceptance.accepted());
            }, stages.scheduler());
        }, stages.scheduler());
    }

    /**
     * The backup right before the migration, under the same claim, only when the migration will run (not when it
     * already succeeded for this image here and will be skipped for it); its failure stops the environment before
     * anything migrates.
     */
    private CompletableFuture<Step> backUp(Step s) {
        DatabaseJob backup = s.env.backupOr(plan.migration());
        if (backup == null) {
            return CompletableFuture.completedFuture(s);
        }
        CompletableFuture<SlotClaim> under = claimFor(s, JobKind.BACKUP);
        // asked once the claim the backup and the migration run under is held; a claim that failed, the backup's run reports
        return under.handle((held, e) -> e == null).thenCompose(held -> held
                ? stages.migrations().skipsAsApplied(target(s, image.pinned()), JobKind.MIGRATION)
                : CompletableFuture.completedFuture(Optional.<String>empty())).thenComposeAsync(skip -> {
            if (skip.isPresent()) {
                s.backup = new MigrationReport(null, StageOutcome.SKIPPED, null, "no backup: nothing will migrate: "
                        + skip.get(), null, 0, Duration.ZERO, null);
                note(Stage.BACKUP, s.env.name(), s.backup.message());
                return CompletableFuture.completedFuture(s);
            }
            MigrationStage.Prepared prepared = stages.migrations().prepare(target(s, backup.imageOrDefault()), JobKind.BACKUP);
            return announced(Stage.BACKUP, s.env.name(), "before the migration: " + prepared.describe(),
                    () -> stages.migrations().run(prepared, under),
                    o -> new Ended(o.report().outcome(), o.report().outcome() == StageOutcome.SUCCEEDED
                            ? "backed up in " + Durations.format(o.report().duration()) : o.summary()))
                    .handle((outcome, error) -> {
                        if (error != null) {
                            return s.stop(StageOutcome.FAILED, RunOutcome.INFRASTRUCTURE, "backup: " + message(unwrap(error))
                                    + "; nothing was migrated");
                        }
                        MigrationReport r = outcome.report();
                        s.backup = r;
                        if (r.outcome() != StageOutcome.SUCCEEDED) {
                            return s.stop(r.outcome(), SnapshotJob.verdict(outcome.runOutcome()), "backup Job " + r.job() + " "
                                    + r.outcome().words() + (r.reason() == null ? "" : ": " + r.reason())
                                    + (r.message() == null ? "" : ": " + r.message()) + "; nothing was migrated");
                        }
                        return s;
                    });
        }, stages.scheduler());
    }

    /**
     * After the migration, still under its claim: a snapshot (P1; S1 in the first environment, which becomes the
     * reference), compared with the first environment's after its migration once the lock is given back.
     */
    private CompletableFuture<Step> snapshotAfter(Step s) {
        if (!plan.migration().takesSnapshots()) {
            return CompletableFuture.completedFuture(s);
        }
        return snapshot(s, "after its migration", claimFor(s, JobKind.SNAPSHOT)).thenApplyAsync(taken -> {
            if (taken.failed()) {
                return s.stop(StageOutcome.FAILED, taken.verdict(), "schema snapshot after the migration: " + taken.problem()
                        + "; nothing was rolled out");
            }
            SchemaStep schema = s.schema;
            schema.after = taken.snapshot();
            schema.afterJob = taken.report();
            if (first(s)) {
                reference = new Reference(s.env.name(), schema.referenceBefore, taken.snapshot());
            } else if (reference != null) {
                schema.pendingAfter = SchemaDrift.afterMigration(reference.environment(), reference.after(), taken.snapshot());
            }
            return s;
        }, stages.scheduler());
    }

    /**
     * The schema after the migration against the first environment's after its own, judged with the lock given back: a
     * drift that is the very difference accepted before the migration goes on; another is noted and goes on
     * ({@code warn}) or is asked to be accepted ({@code block}) before anything is rolled out.
     */
    private CompletableFuture<Step> acceptDriftAfter(Step s) {
        SchemaDrift drift = s.schema.pendingAfter;
        if (drift == null) {
            return CompletableFuture.completedFuture(s);
        }
        String env = s.env.name();
        Reference ref = reference;
        if (!drift.drifted()) {
            note(Stage.SNAPSHOT, env, "the migration left " + env + " with the schema " + ref.environment() + " ended with");
            s.schema.driftAfter = drift.report(null, null);
            return CompletableFuture.completedFuture(s);
        }
        SchemaReport.Acceptance before = s.schema.drift == null ? null : s.schema.drift.accepted();
        if (before != null && drift.diff().fingerprint().equals(s.schema.acceptedBefore)) {
            note(Stage.SNAPSHOT, env, "after the migration " + env + " differs from " + ref.environment()
                    + " as it did before, by the drift " + before.by() + " accepted (" + before.fingerprint() + ")");
            s.schema.driftAfter = drift.report(before, "the drift accepted before the migration, unchanged");
            return CompletableFuture.completedFuture(s);
        }
        String what = "the migration left " + env + " different from " + ref.environment();
        noteDrift(s, what, drift);
        if (!plan.migration().driftBlocks()) {
            s.schema.driftAfter = drift.report(null, "migration.drift: warn: reported, and the run went on");
            return CompletableFuture.completedFuture(s);
        }
        return accept(s, what, drift).thenApply(acceptance -> {
            if (acceptance.report().outcome() != StageOutcome.SUCCEEDED) {
                s.schema.driftAfter = drift.report(null, "not accepted");
                return refused(s, acceptance.report(), what + " (compared with " + drift.against() + "): "
                        + drift.diff().counts() + "; nothing was rolled out there", drift);
            }
            s.schema.driftAfter = drift.report(acceptance.accepted(), "accepted");
            return s;
        });
    }

    /** After the post-rollout migration, under its claim: the schema the environment ends with, kept for the next run. */
    private CompletableFuture<Step> snapshotEnd(Step s) {
        if (!plan.migration().takesSnapshots() || !plan.migration().hasPostRollout()) {
            return CompletableFuture.completedFuture(s);
        }
        return snapshot(s, "after its post-rollout migration", claimFor(s, JobKind.POST_ROLLOUT)).thenApply(taken -> {
            if (taken.failed()) {
                // the contract change is done and the new version serves: only the next run's comparison is lost
                note(Stage.SNAPSHOT, s.env.name(), "schema snapshot after the post-rollout migration: " + taken.problem()
                        + "; the schema is not kept for the next release");
            } else {
                s.schema.end = taken.snapshot();
                s.schema.endJob = taken.report();
            }
            return s;
        });
    }

    /**
     * Once the environment succeeded: its schema kept in the cluster for the next run (the one before the migration of
     * this image first ran there, and the one it ends with). Failing to keep it is said, not fatal.
     */
    private CompletableFuture<Step> keepSchema(Step s) {
        SchemaStep schema = s.schema;
        SchemaSnapshot end = schema.end != null ? schema.end : schema.after;
        if (!plan.migration().takesSnapshots() || end == null || plan.migration().hasPostRollout() && s.post != null && schema.end == null) {
            return CompletableFuture.completedFuture(s);
        }
        SchemaSnapshot before = keptBefore(schema.kept).orElse(schema.before);
        try {
            SnapshotStore.Kept keptIn = SnapshotStore.keep(s.client, s.env.namespaceOrDefault(), plan.app(), s.env.name(),
                    new SnapshotStore.KeptSnapshot(image.pinned(), stages.identity().id(), stages.clock().instant(), snapshotSource(),
                            before, end));
            schema.keptIn = keptIn.configMap();
            note(Stage.SNAPSHOT, s.env.name(), "kept the schema " + end.shortFingerprint() + " in ConfigMap " + schema.keptIn
                    + " for the next release" + (keptIn.withoutBefore() ? " (without the one before the migration: both do not"
                            + " fit in a ConfigMap, so a run of this image again compares with the schema it finds)" : ""));
        } catch (RuntimeException e) {
            note(Stage.SNAPSHOT, s.env.name(), "could not keep the schema for the next release: " + message(e));
        }
        return CompletableFuture.completedFuture(s);
    }

    /**
     * A snapshot Job of the environment's schema ({@code when}: before or after its migration), under the step's claim,
     * announced as its own stage and read from its log (kept as written; never shown).
     */
    private CompletableFuture<Taken> snapshot(Step s, String when, CompletableFuture<SlotClaim> under) {
        MigrationStage.Prepared prepared = SnapshotJob.prepare(stages.migrations(), target(s, SnapshotJob.image(plan)));
        return announced(Stage.SNAPSHOT, s.env.name(), "schema " + when + ": " + prepared.describe(),
                () -> SnapshotJob.run(stages.migrations(), prepared, under, masker), t -> new Ended(t.outcome(), t.summary()))
                .exceptionally(error -> Taken.failed(message(unwrap(error))));
    }

    /** Asks someone (the approval gate, the plan's approvers) to accept {@code drift} knowingly; never fails. */
    private CompletableFuture<Acceptance> accept(Step s, String what, SchemaDrift drift) {
        ApprovalStage.Target target = new ApprovalStage.Target(plan, s.env, image.pinned(), !withoutRollout, () -> brief(s.env),
                cancelled, s.before, s.running);
        // what the approver reads leaves the engine: a default, view or function body in the difference is masked as the report is
        ApprovalGate.Drift asked = masker.maskAll(new ApprovalGate.Drift(what + " (compared with " + drift.against() + "): "
                + drift.diff().counts(), drift.against(), drift.diff().excerpt(SchemaDrift.SHOWN), drift.diff().shortFingerprint()),
                ApprovalGate.Drift.class);
        return announced(Stage.APPROVAL, s.env.name(), stages.approvals().describe(target, asked),
                () -> stages.approvals().acceptDrift(target, asked),
                approval -> new Ended(approval.outcome(), (approval.outcome() == StageOutcome.SUCCEEDED ? "drift accepted"
                        : "drift not accepted") + (approval.by() == null ? "" : " by " + approval.by())
                        + (approval.comment() == null ? "" : ": " + approval.comment())))
                .handle((approval, error) -> {
                    ApprovalReport r = error == null ? approval : new ApprovalReport(StageOutcome.FAILED, null,
                            "asking to accept the drift failed: " + message(unwrap(error)), stages.clock().instant());
                    return new Acceptance(r, r.outcome() != StageOutcome.SUCCEEDED ? null
                            : new SchemaReport.Acceptance(r.by(), r.at(), asked.fingerprint(), r.comment()));
                });
    }

    /** An answer to an acceptance: the approval's report, and the acceptance when it was given. */
    private record Acceptance(ApprovalReport report, SchemaReport.Acceptance accepted) {}

    /** Stops the run after a drift nobody accepted ({@code DRIFTED}), or as the cancel or the gate's failure says. */
    private Step refused(Step s, ApprovalReport answer, String what, SchemaDrift drift) {
        RunOutcome o = answer.outcome() == StageOutcome.CANCELLED ? RunOutcome.CANCELLED
                : answer.outcome() == StageOutcome.FAILED ? RunOutcome.INFRASTRUCTURE : RunOutcome.DRIFTED;
        return s.stop(answer.outcome() == StageOutcome.CANCELLED ? StageOutcome.CANCELLED : StageOutcome.FAILED, o, what
                + "; not accepted" + (answer.comment() == null ? "" : ": " + answer.comment()) + shown(drift));
    }

    /** The drift's lines, at most {@link SchemaDrift#SHOWN}, one an indented line after a message. */
    private static String shown(SchemaDrift drift) {
        return "\n    " + String.join("\n    ", drift.diff().excerpt(SchemaDrift.SHOWN));
    }

    private void noteDrift(Step s, String what, SchemaDrift drift) {
        note(Stage.SNAPSHOT, s.env.name(), what + " (compared with " + drift.against() + "): " + drift.diff().counts()
                + ", fingerprint " + drift.diff().shortFingerprint() + shown(drift));
    }

    private void noteSinceLastRelease(Step s) {
        SchemaReport.LastRelease last = s.schema.sinceLastRelease;
        if (last == null) {
            note(Stage.SNAPSHOT, s.env.name(), "no schema kept here yet: the first successful run keeps one for the next");
        } else if (last.changed() == null) {
            note(Stage.SNAPSHOT, s.env.name(), "the schema kept after the last release: " + last.note());
        } else if (!last.changed()) {
            note(Stage.SNAPSHOT, s.env.name(), "unchanged since the last release (" + last.image() + ", run " + last.run() + ")");
        } else {
            SchemaDiff diff = SchemaDiff.of(last.diff()); // computed once, when the comparison was made
            note(Stage.SNAPSHOT, s.env.name(), s.env.name() + "'s schema changed since the last release (" + last.image()
                    + ", run " + last.run() + ", " + last.at() + "): " + diff.counts() + "\n    "
                    + String.join("\n    ", diff.excerpt(SchemaDrift.SHOWN)));
        }
    }

    /**
     * The schema before this image first migrated the environment, as the run that did kept it; none when the kept one is
     * another image's, was taken another way, or was kept without it.
     */
    private Optional<SchemaSnapshot> keptBefore(Optional<SnapshotStore.KeptSnapshot> kept) {
        return kept.filter(k -> image.pinned().equals(k.image()) && k.before() != null && snapshotSource().equals(k.source()))
                .map(SnapshotStore.KeptSnapshot::before);
    }

    /** The schema kept in the environment after its last successful run; none when it cannot be read (said). */
    private Optional<SnapshotStore.KeptSnapshot> kept(Step s) {
        try {
            return SnapshotStore.read(s.client, s.env.namespaceOrDefault(), plan.app(), s.env.name());
        } catch (RuntimeException e) {
            note(Stage.SNAPSHOT, s.env.name(), "the schema kept after the last release cannot be read: " + message(e));
            return Optional.empty();
        }
    }

    private String snapshotSource() {
        return SnapshotStore.source(plan.migration().snapshot());
    }

    /** Whether {@code s} is the first environment, whose schema the later ones are compared with. */
    private boolean first(Step s) {
        return plan.environments().get(0).name().equals(s.env.name());
    }

    private void note(Stage stage, String environment, String message) {
        events.on(new ProgressEvent.Note(stage, environment, message));
    }

    /** The first environment's schema before and after its migration: what the later environments must match. */
    private record Reference(String environment, SchemaSnapshot before, SchemaSnapshot after) {}

    /** One environment's schema: its snapshots and comparisons, filled in by the stages above. */
    private static final class SchemaStep {
        SchemaSnapshot before;
        SchemaSnapshot after;
        SchemaSnapshot end;
        SchemaReport.Snapshot beforeJob;
        SchemaReport.Snapshot afterJob;
        SchemaReport.Snapshot endJob;
        Optional<SnapshotStore.KeptSnapshot> kept = Optional.empty();
        /** In the first environment: its schema before this image's migration first ran there. */
        SchemaSnapshot referenceBefore;
        SchemaReport.LastRelease sinceLastRelease;
        SchemaReport.Drift drift;
        /** The fingerprint of the drift someone accepted before the migration. */
        String acceptedBefore;
        SchemaDrift pendingAfter;
        SchemaReport.Drift driftAfter;
        String keptIn;

        SchemaReport report() {
            return before == null && drift == null ? null
                    : new SchemaReport(beforeJob, afterJob, endJob, sinceLastRelease, drift, driftAfter, keptIn);
        }
    }

    private void finish(RunOutcome outcome, String failure) {
        for (int i = environments.size(); i < plan.environments().size(); i++) {
            Environment e = plan.environments().get(i);
            environments.add(EnvironmentReport.notReached(e.name(), e.namespaceOrDefault()));
        }
        report.complete(new RunReport(plan.app(), stages.identity().id(), image, environments, outcome,
                failure == null ? null : masker.mask(Permissions.explainForbidden(failure)), started,
                Duration.between(started, stages.clock().instant()), lint));
    }

    /** A failure in one line: the API server's own message when it gave one. */
    static String message(Throwable t) {
        if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getStatus().getMessage();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** What one environment reached: each stage fills in its part; the first that stops the run says why. */
    private static final class Step {
        final Environment env;
        KubernetesClient client;
        NamespaceWatch watch;
        /** The claim of the environment's slot that the Jobs before the rollout run under, once the first asked for it. */
        CompletableFuture<SlotClaim> slot;
        /** The claim the Jobs after the rollout run under (the post-rollout migration and its compatibility check). */
        CompletableFuture<SlotClaim> postSlot;
        ApprovalReport approval;
        MigrationReport migration;
        RolloutReport rollout;
        MigrationReport post;
        final List<CheckReport> checks = new ArrayList<>();
        /** What the Deployments the run rolls out run now (empty: none to roll out). */
        Map<String, String> running = Map.of();
        /** This run's place among the app's runs, once the environment's record was first read. */
        RunOrder order;
        /** What the environment's record showed when the run (or its last approval) saw it; null: none. */
        Release before;
        /** This run's release as last recorded there; null: not recorded. */
        Release recorded;
        /** The newer release that stopped the run there. */
        Release supersededBy;
        /** The last passage noted, so that the same is not said twice. */
        Passage noted;
        CompatibilityReport compatibility;
        CompatibilityReport postCompatibility;
        StageOutcome outcome = StageOutcome.SUCCEEDED;
        RunOutcome stop;
        String failure;
        /** The schema's snapshots around the migration, and their comparisons, when the plan takes them. */
        final SchemaStep schema = new SchemaStep();
        /** The backup Job before the migration, when the plan has one. */
        MigrationReport backup;

        Step(Environment env) {
            this.env = env;
        }

        Step stop(StageOutcome outcome, RunOutcome stop, String failure) {
            this.outcome = outcome;
            this.stop = stop;
            this.failure = failure;
            return this;
        }

        /** The claim of the slot before the rollout, made by the first Job that runs under it. */
        CompletableFuture<SlotClaim> slot(Supplier<CompletableFuture<SlotClaim>> claim) {
            if (slot == null) {
                slot = claim.get();
            }
            return slot;
        }

        /** The claim of the slot after the rollout, made by the first Job that runs under it. */
        CompletableFuture<SlotClaim> postRolloutSlot(Supplier<CompletableFuture<SlotClaim>> claim) {
            if (postSlot == null) {
                postSlot = claim.get();
            }
            return postSlot;
        }

        /** Gives the slot back, if it was claimed (once it is: a claim still waited for is given back when it comes). */
        void releaseSlot() {
            if (slot != null) {
                slot.thenAccept(SlotClaim::release);
                slot = null; // a snapshot after an acceptance claims it again
            }
        }

        /** Gives the slot claimed after the rollout back, as {@link #releaseSlot()}. */
        void releasePostRolloutSlot() {
            if (postSlot != null) {
                postSlot.thenAccept(SlotClaim::release);
            }
        }

        /** The environment's report: built here only. */
        EnvironmentReport report() {
            ReleaseReport release = order == null ? null
                    : new ReleaseReport(before, recorded, recorded != null && recorded.rollback(), supersededBy);
            return new EnvironmentReport(env.name(), env.namespaceOrDefault(), outcome, approval, migration, rollout, post,
                    compatibility, postCompatibility, release, schema.report(), backup, checks);
        }
    }
}

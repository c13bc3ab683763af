package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.listeners.RunListener;
import org.jenkinsci.plugins.workflow.flow.FlowExecution;
import org.jenkinsci.plugins.workflow.flow.FlowExecutionOwner;
import org.kohsuke.accmod.Restricted;
import org.kohsuke.accmod.restrictions.NoExternalUse;

/**
 * Says how to do per-stage work when a Pipeline called {@code migrateThenDeploy} or {@code migrateDatabase} with a body.
 *
 * <p>A step cannot answer that call itself: workflow-cps ({@code DSL.parseArgs}) rejects a block given to a step whose
 * descriptor does not take one, with "Expected named arguments but got [{...}, CpsClosure2]", before the step exists;
 * and a descriptor that takes one ({@code takesImplicitBlockArgument()}) makes every call without a block fail ("step must
 * be called with a body"; only {@code stage} is exempt). So the build log gets the fix right after that error, printed
 * as the build completes, before "Finished".
 */
@Extension
@Restricted(NoExternalUse.class)
public final class BodyCallHint extends RunListener<Run<?, ?>> {

    /** How DSL.parseArgs words its rejection, and the closure it names when the extra argument was a block. */
    private static final String REJECTED = "Expected named arguments but got [";
    private static final String BLOCK = "CpsClosure";

    @Override
    public void onCompleted(Run<?, ?> run, @NonNull TaskListener listener) {
        if (!(run instanceof FlowExecutionOwner.Executable)) {
            return;
        }
        FlowExecutionOwner owner = ((FlowExecutionOwner.Executable) run).asFlowExecutionOwner();
        FlowExecution execution = owner == null ? null : owner.getOrNull();
        String step = execution == null ? null : stepCalledWithBody(execution.getCauseOfFailure());
        if (step != null) {
            listener.getLogger().println(BuildLog.PREFIX + Messages.BodyCallHint_TakesNoBody(step));
        }
    }

    /**
     * The step this failure rejected a block of, when it is one of ours: its named arguments (printed first in the
     * message) are ours, {@code environments} or {@code migration} for {@code migrateThenDeploy}, {@code environment} for
     * {@code migrateDatabase}, or only a plan file; null for anything else.
     */
    static String stepCalledWithBody(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m == null || !m.startsWith(REJECTED + "{") || !m.contains(BLOCK)) {
                continue;
            }
            String args = m.substring(REJECTED.length());
            if (args.contains("environment=") && !args.contains("environments=")) {
                return "migrateDatabase";
            }
            if (args.contains("environments=") || args.contains("migration=") || args.startsWith("{plan=")) {
                return "migrateThenDeploy";
            }
        }
        return null;
    }
}

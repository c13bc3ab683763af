package io.mtd.cli;

import io.mtd.concurrent.DaemonThreads;
import io.mtd.promotion.ApprovalGate;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Approvals for the CLI: environments named with {@code --approve ENV} are approved up front; any other asks on the
 * terminal (whatever stdout is: {@code mtd run ... | tee log} asks too), and is refused at once, with the fix, when
 * there is no terminal (CI), rather than waiting for nobody. A schema drift is accepted up front only by its own
 * fingerprint ({@code --accept-drift FINGERPRINT}): approving an environment never accepts a drift there.
 */
final class TerminalApprovals implements ApprovalGate {

    private final Set<String> preApproved;
    private final Set<String> acceptedDrifts;
    private final Supplier<Optional<Terminal>> opener;
    private final String user = System.getProperty("user.name", "unknown");

    private final String upFront;
    private Optional<Terminal> terminal;

    /**
     * @param terminal opens the terminal to ask on (once, at the first question), or finds none
     * @param upFront who approved the pre-approved environments (default: the user, with --approve ENV)
     */
    TerminalApprovals(Set<String> preApproved, Supplier<Optional<Terminal>> terminal, String upFront) {
        this(preApproved, Set.of(), terminal, upFront);
    }

    /** @param acceptedDrifts the fingerprints of the schema drifts accepted up front ({@code --accept-drift}) */
    TerminalApprovals(Set<String> preApproved, Set<String> acceptedDrifts, Supplier<Optional<Terminal>> terminal, String upFront) {
        this.preApproved = preApproved;
        this.acceptedDrifts = acceptedDrifts;
        this.opener = terminal;
        this.upFront = upFront;
    }

    private synchronized Optional<Terminal> terminal() {
        if (terminal == null) {
            terminal = opener.get();
        }
        return terminal;
    }

    @Override
    public String approvedUpFront(Request request) {
        if (request.drift() != null) {
            return acceptedDrifts.contains(request.drift().fingerprint())
                    ? user + " (--accept-drift " + request.drift().fingerprint() + ")" : null;
        }
        if (!preApproved.contains(request.environment()) && !preApproved.contains("all")) {
            return null;
        }
        return upFront != null ? upFront
                : user + " (--approve " + (preApproved.contains(request.environment()) ? request.environment() : "all") + ")";
    }

    @Override
    public CompletionStage<Decision> request(Request request) {
        String by = approvedUpFront(request);
        if (by != null) {
            return CompletableFuture.completedFuture(Decision.approved(by));
        }
        Optional<Terminal> terminal = terminal();
        if (terminal.isEmpty()) {
            return CompletableFuture.completedFuture(Decision.denied("mtd", request.drift() != null
                    ? "no terminal to ask on: read the difference, and pass --accept-drift " + request.drift().fingerprint()
                            + " to accept it up front"
                    : "no terminal to ask on: pass --approve " + request.environment() + " to approve it up front"));
        }
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        // the prompt blocks on the terminal: give it its own thread, never an engine thread
        DaemonThreads.start("mtd-approval-prompt", () -> {
            try {
                String line;
                synchronized (terminal.get()) { // one question at a time
                    line = terminal.get().ask(question(request));
                }
                boolean yes = line != null && Set.of("y", "yes").contains(line.trim().toLowerCase(Locale.ROOT));
                answer.complete(yes ? Decision.approved(user + " (terminal)") : Decision.denied(user + " (terminal)", "answered no"));
            } catch (IOException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }

    /**
     * The question: the change it approves, from what the environment runs now to what it will run; or, for a drift, the
     * difference's lines, then whether to accept it.
     */
    static String question(Request request) {
        if (request.drift() != null) {
            Drift d = request.drift();
            return String.format("%n%s%n    %s%nAccept this drift of %s (fingerprint %s) and go on? [y/N] ", d.summary(),
                    String.join(String.format("%n    "), d.lines()), request.environment(), d.fingerprint());
        }
        return String.format("%n%s now runs:       %s%n%s after approval: %s%nPromote %s to %s (namespace %s)? [y/N] ",
                request.environment(), request.now(), request.environment(), request.next(),
                request.image(), request.environment(), request.namespace());
    }
}

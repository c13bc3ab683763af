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
 * there is no terminal (CI), rather than waiting for nobody.
 */
final class TerminalApprovals implements ApprovalGate {

    private final Set<String> preApproved;
    private final Supplier<Optional<Terminal>> opener;
    private final String user = System.getProperty("user.name", "unknown");

    private final String upFront;
    private Optional<Terminal> terminal;

    /**
     * @param terminal opens the terminal to ask on (once, at the first question), or finds none
     * @param upFront who approved the pre-approved environments (default: the user, with --approve ENV)
     */
    TerminalApprovals(Set<String> preApproved, Supplier<Optional<Terminal>> terminal, String upFront) {
        this.preApproved = preApproved;
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
            return CompletableFuture.completedFuture(Decision.denied("mtd",
                    "no terminal to ask on: pass --approve " + request.environment() + " to approve it up front"));
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

    /** The question: the change it approves, from what the environment runs now to what it will run. */
    static String question(Request request) {
        return String.format("%n%s now runs:       %s%n%s after approval: %s%nPromote %s to %s (namespace %s)? [y/N] ",
                request.environment(), request.now(), request.environment(), request.next(),
                request.image(), request.environment(), request.namespace());
    }
}

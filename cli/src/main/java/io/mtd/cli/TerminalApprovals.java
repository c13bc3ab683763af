package io.mtd.cli;

import io.mtd.concurrent.DaemonThreads;
import io.mtd.promotion.ApprovalGate;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Approvals for the CLI: environments named with {@code --approve ENV} are approved up front; any other asks on the
 * terminal, and is refused at once, with the fix, when there is no terminal (CI), rather than waiting for nobody.
 */
final class TerminalApprovals implements ApprovalGate {

    private final Set<String> preApproved;
    private final Console console;
    private final String user = System.getProperty("user.name", "unknown");

    private final String upFront;

    TerminalApprovals(Set<String> preApproved, Console console) {
        this(preApproved, console, null);
    }

    /** {@code upFront} says who approved the pre-approved environments (default: the user, with --approve ENV). */
    TerminalApprovals(Set<String> preApproved, Console console, String upFront) {
        this.preApproved = preApproved;
        this.console = console;
        this.upFront = upFront;
    }

    @Override
    public CompletionStage<Decision> request(Request request) {
        if (preApproved.contains(request.environment()) || preApproved.contains("all")) {
            return CompletableFuture.completedFuture(new Decision(true,
                    upFront != null ? upFront : user + " (--approve " + (preApproved.contains(request.environment())
                            ? request.environment() : "all") + ")", null));
        }
        if (console == null) {
            return CompletableFuture.completedFuture(Decision.denied("mtd",
                    "no terminal to ask on: pass --approve " + request.environment() + " to approve it up front"));
        }
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        // the prompt blocks on the terminal: give it its own thread, never an engine thread
        DaemonThreads.start("mtd-approval-prompt", () -> {
            try {
                BufferedReader in = new BufferedReader(console.reader());
                console.printf("%nPromote %s to %s (namespace %s)? [y/N] ", request.image(), request.environment(), request.namespace());
                console.flush();
                String line = in.readLine();
                boolean yes = line != null && Set.of("y", "yes").contains(line.trim().toLowerCase(Locale.ROOT));
                answer.complete(yes ? Decision.approved(user + " (terminal)") : Decision.denied(user + " (terminal)", "answered no"));
            } catch (IOException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }
}

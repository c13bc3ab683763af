package io.mtd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mtd} command line: run, plan, lint, status and demo over the migrate-then-deploy engine. */
@Command(name = "mtd",
        mixinStandardHelpOptions = true,
        versionProvider = Mtd.Version.class,
        description = "Migrate the database with a one-off Kubernetes Job from the exact image, then roll out,"
                + " environment by environment.",
        subcommands = {RunCommand.class, PlanCommand.class, LintCommand.class, StatusCommand.class, DemoCommand.class, SandboxCommand.class,
                RbacCommand.class, CommandLine.HelpCommand.class},
        footer = ExitCode.TABLE)
public final class Mtd implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs {@code mtd} with {@code args} and returns its exit code (for tests and embedding). */
    public static int execute(String... args) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug") || System.getenv("MTD_DEBUG") != null;
        args = java.util.Arrays.stream(args).filter(a -> !"--debug".equals(a)).toArray(String[]::new);
        Logging.configure(debug);
        CommandLine cli = new CommandLine(new Mtd());
        cli.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? ExitCode.INVALID : ExitCode.INTERNAL_ERROR);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("mtd: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (debug) {
                e.printStackTrace(cmd.getErr());
            }
            if (!debug && !(e instanceof io.mtd.plan.InvalidPlanException)) {
                cmd.getErr().println("mtd: run again with --debug for the stack trace and the libraries' logs");
            }
            return ExitCode.of(e);
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run, plan, lint, status, demo, sandbox or rbac");
    }

    /**
     * The version from the jar's manifest and the commit it was built from, which the build records in
     * {@code git.properties} next to this class (absent when built from a source tarball without {@code .git}).
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            String version = Mtd.class.getPackage().getImplementationVersion();
            java.util.Properties git = new java.util.Properties();
            try (java.io.InputStream in = Mtd.class.getResourceAsStream("git.properties")) {
                if (in != null) {
                    git.load(in);
                }
            }
            String commit = git.getProperty("git.commit.id.abbrev");
            return new String[] {"mtd " + (version == null ? "development build" : version) + " ("
                    + (commit == null ? "unknown commit" : "commit " + commit)
                    + ("true".equals(git.getProperty("git.dirty")) ? ", with uncommitted changes" : "") + ")"};
        }
    }
}

package io.mtd.sandbox.flyway;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.mtd.sandbox.SandboxImage;
import io.mtd.sandbox.SandboxKubelet;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.logging.Log;
import org.flywaydb.core.api.logging.LogFactory;
import org.flywaydb.core.api.output.ErrorOutput;
import org.flywaydb.core.api.output.OperationResult;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * The Flyway command line, as far as the migration Job uses it, over flyway-core: the sandbox kubelet runs it for
 * containers of the Flyway image.
 *
 * <p>Like the real CLI: commands {@code migrate}, {@code info}, {@code validate}; {@code -key=value} flags and
 * {@code FLYWAY_*} environment variables (flags win); with {@code -outputType=json} nothing but the result's JSON is
 * printed (the real CLI creates no loggers then), otherwise Flyway's log lines; exit code 1 on failure.
 */
public final class FlywayCli {

        /** Flags the real CLI handles itself rather than passing to Flyway's configuration. */
        private static final Set<String> CLI_ONLY = Set.of("outputType", "outputFile", "color", "skipCheckForUpdate", "outputLogsInJson");
        private static final Set<String> COMMANDS = Set.of("migrate", "info", "validate");

        /** Repositories of the Flyway images this stands in for (Docker Hub's flyway/flyway and Redgate's). */
        public static final List<String> REPOSITORIES = List.of("flyway/flyway", "redgate/flyway");

        private FlywayCli() {}

        /** The class path with every entry absolute: the container runs in its Pod's directory, not the caller's. */
        private static String absoluteClassPath() {
            return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .filter(e -> !e.isEmpty())
                    .map(e -> java.nio.file.Path.of(e).toAbsolutePath().toString())
                    .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        }

        /**
         * The Flyway image for the sandbox kubelet: this class run by the current JVM, with its class path; like the
         * official {@code flyway/flyway} image, whose Dockerfile sets no USER, it runs as root, so the kubelet refuses it
         * under runAsNonRoot unless the Pod names a user.
         */
        public static SandboxImage sandboxImage() {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                return new SandboxImage(null, List.of(java, "-cp", absoluteClassPath(), FlywayCli.class.getName()), Map.of(), "");
        }

        /** Registers {@link #sandboxImage()} with {@code kubelet} under every repository in {@link #REPOSITORIES}. */
        public static void registerWith(SandboxKubelet kubelet) {
                REPOSITORIES.forEach(repository -> kubelet.registerImage(repository, sandboxImage()));
        }

        public static void main(String[] args) {
                int exit = run(Arrays.asList(args), System.getenv(), System.out);
                System.out.flush();
                System.exit(exit);
        }

        /** Runs one command line with {@code env} as the environment, printing to {@code out}; returns the exit code. */
        public static int run(List<String> args, Map<String, String> env, PrintStream out) {
                Map<String, String> config = new LinkedHashMap<>();
                env.forEach((name, value) -> {
                        if (name.startsWith("FLYWAY_") && value != null) {
                                config.put("flyway." + camelCase(name.substring("FLYWAY_".length())), value);
                        }
                });
                List<String> commands = new ArrayList<>();
                boolean json = false;
                for (String arg : args) {
                        if (arg.startsWith("-") && arg.contains("=")) {
                                String key = arg.substring(1, arg.indexOf('='));
                                String value = arg.substring(arg.indexOf('=') + 1);
                                key = key.startsWith("flyway.") ? key.substring("flyway.".length()) : key;
                                if ("outputType".equals(key)) {
                                        json = "json".equalsIgnoreCase(value);
                                } else if (!CLI_ONLY.contains(key)) {
                                        config.put("flyway." + key, value);
                                }
                        } else if (arg.startsWith("-")) {
                                // -X, -q and the like change only how much is logged
                                continue;
                        } else {
                                commands.add(arg);
                        }
                }
                boolean jsonOutput = json;
                // like the real CLI: its console log is Flyway's fallback, chosen by loggers=console whatever else is on the class path
                LogFactory.setFallbackLogCreator(jsonOutput ? type -> new ConsoleLog(null) : type -> new ConsoleLog(out));
                config.putIfAbsent("flyway.loggers", "console");
                try {
                        if (commands.size() != 1 || !COMMANDS.contains(commands.get(0))) {
                                throw new FlywayException("Invalid command line: give exactly one of " + COMMANDS + ", got " + commands);
                        }
                        Flyway flyway = Flyway.configure().configuration(config).load();
                        OperationResult result = execute(flyway, commands.get(0), jsonOutput, out);
                        if (jsonOutput) {
                                out.println(json(result));
                        }
                        if (result instanceof ValidateResult && !((ValidateResult) result).validationSuccessful) {
                                return 1;
                        }
                        return 0;
                } catch (Exception e) {
                        if (jsonOutput) {
                                out.println(json(ErrorOutput.toOperationResult(e)));
                        } else {
                                out.println("ERROR: " + messages(e));
                        }
                        return 1;
                } finally {
                        out.flush();
                }
        }

        private static OperationResult execute(Flyway flyway, String command, boolean json, PrintStream out) {
                switch (command) {
                        case "migrate":
                                return flyway.migrate();
                        case "validate":
                                if (json) {
                                        return flyway.validateWithResult();
                                }
                                flyway.validate();
                                return null;
                        default:
                                MigrationInfoService info = flyway.info();
                                if (!json) {
                                        MigrationInfo current = info.current();
                                        out.println("Schema version: " + (current == null || current.getVersion() == null ? "<< Empty Schema >>" : current.getVersion()));
                                        out.println();
                                        for (MigrationInfo m : info.all()) {
                                                out.println("| " + (m.getVersion() == null ? "" : m.getVersion()) + " | " + m.getDescription() + " | "
                                                                + m.getScript() + " | " + m.getState().getDisplayName() + " |");
                                        }
                                }
                                return info.getInfoResult();
                }
        }

        /** Serialises like the real CLI's mapper: indented, nulls kept, transient fields left out, dates as ISO text. */
        static String json(Object result) {
                ObjectMapper mapper = JsonMapper.builder()
                                .addModule(new JavaTimeModule())
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                                .enable(MapperFeature.PROPAGATE_TRANSIENT_MARKER)
                                .build();
                try {
                        return mapper.writeValueAsString(result);
                } catch (Exception e) {
                        throw new IllegalStateException("Flyway's result could not be written as JSON: " + e.getMessage(), e);
                }
        }

        private static String messages(Throwable e) {
                StringBuilder s = new StringBuilder();
                for (Throwable t = e; t != null; t = t.getCause()) {
                        if (t != e) {
                                s.append(System.lineSeparator()).append("Caused by: ");
                        }
                        s.append(t instanceof FlywayException ? t.getMessage() : t.toString());
                }
                return s.toString();
        }

        /** FLYWAY_BASELINE_ON_MIGRATE to baselineOnMigrate, as Flyway maps its environment variables. */
        static String camelCase(String snake) {
                String[] words = snake.toLowerCase(Locale.ROOT).split("_");
                StringBuilder s = new StringBuilder(words[0]);
                for (int i = 1; i < words.length; i++) {
                        if (!words[i].isEmpty()) {
                                s.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
                        }
                }
                return s.toString();
        }

        /** Flyway's console log: info plain, warnings and errors prefixed; nothing at all when {@code out} is null. */
        private static final class ConsoleLog implements Log {
                private final PrintStream out;

                ConsoleLog(PrintStream out) {
                        this.out = out;
                }

                @Override
                public void debug(String message) {}

                @Override
                public void info(String message) {
                        print(message);
                }

                @Override
                public void warn(String message) {
                        print("WARNING: " + message);
                }

                @Override
                public void error(String message) {
                        print("ERROR: " + message);
                }

                @Override
                public void error(String message, Exception e) {
                        print("ERROR: " + message + System.lineSeparator() + messages(e));
                }

                @Override
                public void notice(String message) {
                        print(message);
                }

                private void print(String message) {
                        if (out != null) {
                                out.println(message);
                        }
                }
        }
}

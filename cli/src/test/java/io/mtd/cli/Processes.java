package io.mtd.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The processes the CLI's tests start: mtd in its own JVM, as a user's shell would, and the tools around it. */
final class Processes {

    private Processes() {}

    /** {@code java -cp <test class path> io.mtd.cli.Mtd args...}. */
    static List<String> mtd(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Mtd.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Whether {@code command} is an executable on the PATH. */
    static boolean installed(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }
}

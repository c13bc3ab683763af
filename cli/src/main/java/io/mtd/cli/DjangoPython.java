package io.mtd.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds a Python 3 that can run a Django project on PostgreSQL (imports django and psycopg2): the first python3 on
 * PATH is often a version manager's shim without them, while the distribution's (/usr/bin/python3) has them.
 */
final class DjangoPython {

    /** What to install when no candidate has Django and psycopg2. */
    static final String INSTALL = "install Python 3 with Django and psycopg2 (Debian: apt-get install python3-django"
            + " python3-psycopg2)";

    private DjangoPython() {}

    /** The candidates, in the order they are tried. */
    static List<Path> candidates() {
        Set<Path> found = new LinkedHashSet<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "python3"))) {
                found.add(Path.of(dir, "python3"));
            }
        }
        found.add(Path.of("/usr/bin/python3"));
        found.add(Path.of("/usr/local/bin/python3"));
        return new ArrayList<>(found);
    }

    /** The first candidate that imports django and psycopg2. */
    static Optional<Path> find() {
        for (Path python : candidates()) {
            if (Files.isExecutable(python) && imports(python)) {
                return Optional.of(python);
            }
        }
        return Optional.empty();
    }

    private static boolean imports(Path python) {
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import django, psycopg2")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

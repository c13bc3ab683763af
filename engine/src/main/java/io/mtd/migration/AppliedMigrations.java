package io.mtd.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The migrations a command migration applied, read from what its tool prints for each one it applied: Django's
 * {@code Applying app.0001_initial... OK}, Rails' {@code == 20240101120000 CreateUsers: migrated (0.0021s)}, Alembic's
 * {@code Running upgrade abc -> def, add users} and Prisma's {@code Applying migration `20240101_init`}. A line any other
 * tool prints is not read: the report then lists none rather than guessing.
 */
public final class AppliedMigrations {

    /** Django: "  Applying orders.0001_initial... OK" (and "... FAKED" for --fake), with "OK (0.012s)" at verbosity 3. */
    private static final Pattern DJANGO = Pattern.compile("^\\s*Applying (\\S+?)\\.\\.\\.\\s*(OK|FAKED)\\b.*$");
    /** Rails: "== 20240101120000 CreateUsers: migrated (0.0021s) ====". */
    private static final Pattern RAILS = Pattern.compile("^==\\s+(\\d+)\\s+(\\S+): migrated\\b.*$");
    /** Alembic: "INFO  [alembic.runtime.migration] Running upgrade abc -> def, add users". */
    private static final Pattern ALEMBIC = Pattern.compile("^.*\\[alembic\\.runtime\\.migration\\] Running upgrade .*?-> ([^,\\s]+)(?:,\\s*(.*))?$");
    /** Prisma: "Applying migration `20240101120000_init`". */
    private static final Pattern PRISMA = Pattern.compile("^\\s*Applying migration `([^`]+)`.*$");

    private AppliedMigrations() {}

    /** The migrations {@code log} says were applied, in order, as their tool names them. */
    public static List<String> in(List<String> log) {
        List<String> applied = new ArrayList<>();
        for (String line : log) {
            Matcher m;
            if ((m = DJANGO.matcher(line)).matches()) {
                applied.add(m.group(1) + ("FAKED".equals(m.group(2)) ? " (faked)" : ""));
            } else if ((m = RAILS.matcher(line)).matches()) {
                applied.add(m.group(1) + " " + m.group(2));
            } else if ((m = ALEMBIC.matcher(line)).matches()) {
                applied.add(m.group(2) == null || m.group(2).isBlank() ? m.group(1) : m.group(1) + " " + m.group(2).trim());
            } else if ((m = PRISMA.matcher(line)).matches()) {
                applied.add(m.group(1));
            }
        }
        return applied;
    }
}

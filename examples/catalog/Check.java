import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The catalog service's compatibility check, plain JDBC: runs the statements of compatibility.sql (the SQL this version's
 * code runs) against the database, each in a savepoint of one transaction that is rolled back at the end, so nothing
 * is kept. A renamed or dropped column, a new NOT NULL column without a default or a new constraint that a statement
 * violates fails it: one line per failure, the last line naming the first, and exit status 1.
 *
 * Run as: java Check.java (DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD from the environment: a JDBC URL, or Flyway's
 * FLYWAY_URL, FLYWAY_USER, FLYWAY_PASSWORD, as the migration's Secret holds them).
 */
public class Check {

    public static void main(String[] args) throws Exception {
        List<String> statements = statements(Files.readString(Path.of("compatibility.sql")));
        List<String> failures = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(env("URL"), env("USER"), env("PASSWORD"))) {
            db.setAutoCommit(false);
            try {
                for (String sql : statements) {
                    Savepoint before = db.setSavepoint();
                    try (Statement s = db.createStatement()) {
                        s.execute(sql);
                        System.out.println("ok: " + sql);
                    } catch (SQLException e) {
                        db.rollback(before); // the transaction goes on with the next statement
                        failures.add(sql + ": " + e.getMessage().lines().findFirst().orElse(e.getSQLState()));
                        System.out.println("failed: " + failures.get(failures.size() - 1));
                    }
                }
            } finally {
                db.rollback();
            }
        }
        if (!failures.isEmpty()) {
            System.out.println("incompatible: " + failures.get(0)
                    + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more failure(s) above)" : ""));
            System.exit(1);
        }
        System.out.println("compatible: " + statements.size() + " statement(s) ran and were rolled back");
    }

    /** The script's statements: comments dropped, split at each ';' that ends a line. */
    static List<String> statements(String script) {
        String code = script.lines().filter(l -> !l.strip().startsWith("--")).collect(Collectors.joining("\n"));
        return Arrays.stream(code.split(";\\s*(\\n|$)")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.replaceAll("\\s+", " ")).toList();
    }

    /** DATABASE_{@code name}, else FLYWAY_{@code name}. */
    static String env(String name) {
        String value = System.getenv("DATABASE_" + name);
        value = value != null ? value : System.getenv("FLYWAY_" + name);
        if (value == null) {
            System.err.println("neither DATABASE_" + name + " nor FLYWAY_" + name + " is set: give the check the migration's Secret");
            System.exit(2);
        }
        return value;
    }
}

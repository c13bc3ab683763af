import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The example shop's "manage.py migrate": applies migrations/*.sql in order and records them, printing what it does
 * the way Django does. Like Django it takes no lock of its own: two copies at once would both apply a migration,
 * which is why migrate-then-deploy runs it exactly once, from one Job, under its own lock.
 *
 * Run as: java Manage.java migrate, or java Manage.java sqlmigrate to print the SQL of the migrations not applied yet, as
 * Django's sqlmigrate prints one migration's (DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD from the environment).
 */
public class Manage {

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !Set.of("migrate", "sqlmigrate").contains(args[0])) {
            System.err.println("usage: java Manage.java migrate|sqlmigrate");
            System.exit(2);
        }
        String url = required("DATABASE_URL");
        try (Connection db = DriverManager.getConnection(url, required("DATABASE_USER"), required("DATABASE_PASSWORD"))) {
            if (args[0].equals("sqlmigrate")) {
                sqlmigrate(db);
                return;
            }
            db.createStatement().execute("create table if not exists shop_migrations ("
                    + "name text primary key, applied_at timestamptz not null default now())");
            Set<String> applied = applied(db);
            List<Path> files = migrations();
            System.out.println("Operations to perform:");
            System.out.println("  Apply all migrations: shop");
            System.out.println("Running migrations:");
            int count = 0;
            for (Path file : files) {
                String name = file.getFileName().toString().replaceFirst("\\.sql$", "");
                if (applied.contains(name)) {
                    continue;
                }
                System.out.print("  Applying shop." + name + "...");
                System.out.flush();
                db.setAutoCommit(false);
                try {
                    db.createStatement().execute(Files.readString(file));
                    try (PreparedStatement record = db.prepareStatement("insert into shop_migrations(name) values (?)")) {
                        record.setString(1, name);
                        record.executeUpdate();
                    }
                    db.commit();
                } catch (SQLException e) {
                    db.rollback();
                    System.out.println(" FAILED");
                    System.err.println("django.db.utils.ProgrammingError: " + e.getMessage());
                    System.exit(1);
                }
                db.setAutoCommit(true);
                System.out.println(" OK");
                count++;
            }
            if (count == 0) {
                System.out.println("  No migrations to apply.");
            }
        }
    }

    /**
     * Prints, without changing anything, the SQL that migrate would apply here, each migration in the transaction
     * migrate runs it in: what migrate-then-deploy's expand/contract check reads (migration.lint.sqlCommand).
     */
    private static void sqlmigrate(Connection db) throws Exception {
        Set<String> applied = new HashSet<>();
        try (ResultSet rs = db.createStatement().executeQuery("select to_regclass('shop_migrations') is not null")) {
            rs.next();
            if (rs.getBoolean(1)) {
                applied = applied(db);
            }
        }
        for (Path file : migrations()) {
            String name = file.getFileName().toString().replaceFirst("\\.sql$", "");
            if (!applied.contains(name)) {
                System.out.println("-- shop." + name);
                System.out.println("BEGIN;");
                System.out.println(Files.readString(file).strip());
                System.out.println("COMMIT;");
            }
        }
    }

    private static Set<String> applied(Connection db) throws SQLException {
        Set<String> applied = new HashSet<>();
        try (ResultSet rs = db.createStatement().executeQuery("select name from shop_migrations")) {
            while (rs.next()) {
                applied.add(rs.getString(1));
            }
        }
        return applied;
    }

    private static List<Path> migrations() throws java.io.IOException {
        try (Stream<Path> s = Files.list(Path.of("migrations"))) {
            return s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            System.err.println("CommandError: the environment variable " + name + " is not set");
            System.exit(2);
        }
        return value;
    }
}

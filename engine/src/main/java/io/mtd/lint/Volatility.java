package io.mtd.lint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a DEFAULT expression is VOLATILE (a value per row, so adding the column rewrites the table): PostgreSQL's
 * built-in functions as {@code pg_proc.provolatile} gives them (the resource {@value #RESOURCE}, which a test checks
 * against a real server), and the functions the checked scripts declare; any other function is VOLATILE, PostgreSQL's
 * default.
 */
final class Volatility {

    static final String RESOURCE = "builtin-functions.txt";

    /** Built-in function names and whether any of their overloads is VOLATILE. */
    private static final Map<String, Boolean> BUILTIN = load();
    /** SQL constructs written like calls that are no functions, and the SQL-standard value functions (all STABLE). */
    private static final Set<String> NOT_FUNCTIONS = Set.of("coalesce", "nullif", "greatest", "least", "cast", "array", "row",
            "exists", "any", "all", "some", "in", "values", "current_date", "current_time", "current_timestamp", "localtime",
            "localtimestamp", "current_role", "current_user", "session_user", "user", "current_catalog", "current_schema",
            "system_user", "interval", "and", "or", "not", "filter", "over", "within");

    private Volatility() {}

    /**
     * The first call in {@code expression} to a VOLATILE function, with why it is one; empty when every call is to a
     * STABLE or IMMUTABLE function.
     *
     * @param declared functions the checked scripts created before, and whether each is VOLATILE
     */
    static Optional<String> volatileCall(List<SqlToken> expression, Map<String, Boolean> declared) {
        for (int k = 0; k + 1 < expression.size(); k++) {
            SqlToken name = expression.get(k);
            if (name.text().equals("::") || name.is("AS")) {
                // a type name (of a cast), with its modifier: character varying(10) is no call
                while (k + 1 < expression.size() && expression.get(k + 1).kind() == SqlToken.Kind.WORD) {
                    k++;
                }
                continue;
            }
            SqlToken next = expression.get(k + 1);
            boolean call = (name.kind() == SqlToken.Kind.WORD || name.kind() == SqlToken.Kind.QUOTED_IDENTIFIER)
                    && next.kind() == SqlToken.Kind.SYMBOL && next.text().equals("(");
            if (!call) {
                continue;
            }
            String fn = name.identifier().toLowerCase(Locale.ROOT);
            if (NOT_FUNCTIONS.contains(fn)) {
                continue;
            }
            Boolean user = declared.get(fn);
            if (user != null) {
                if (user) {
                    return Optional.of(fn + "() is VOLATILE (its CREATE FUNCTION declares neither STABLE nor IMMUTABLE)");
                }
                continue;
            }
            Boolean builtin = BUILTIN.get(fn);
            if (builtin == null) {
                return Optional.of(fn + "() is not a built-in function and no checked script declares it STABLE or IMMUTABLE,"
                        + " so PostgreSQL treats it as VOLATILE");
            }
            if (builtin) {
                return Optional.of(fn + "() is VOLATILE");
            }
        }
        return Optional.empty();
    }

    private static Map<String, Boolean> load() {
        Map<String, Boolean> out = new HashMap<>();
        try (InputStream in = Volatility.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + RESOURCE + " is missing from the class path");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.strip().split("\\s+");
                out.put(parts[0], parts[1].equals("v"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(out);
    }

    /** The built-in functions as the resource lists them, for the test that compares them with a server. */
    static Map<String, Boolean> builtin() {
        return BUILTIN;
    }
}

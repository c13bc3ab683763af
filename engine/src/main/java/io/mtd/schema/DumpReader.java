package io.mtd.schema;

import io.mtd.lint.SqlLexer;
import io.mtd.lint.SqlStatement;
import io.mtd.lint.SqlToken;
import io.mtd.plan.KubeNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads a schema-only dump (the SQL {@code pg_dump --schema-only} prints) into its canonical objects: one line per
 * schema, extension, type (an enum with its values), domain, sequence, table, column (type, collation, default,
 * nullability, generation or identity), constraint, index, view, function (its signature, its body hashed), trigger,
 * rule, policy and partition; any other statement as it is written. What does not define the schema is left out: the
 * header and version comments, {@code SET} lines, psql's meta-commands (a backslash and a word: pg_dump's restrict line
 * has a key of its own on each dump),
 * owners, privileges and {@code COMMENT ON}. The order of the statements does not matter, nor their layout.
 */
final class DumpReader {

    /** psql meta-commands: one line each, a backslash and a word ({@code connect}, {@code restrict KEY}), never SQL. */
    private static final Pattern META_COMMAND = Pattern.compile("(?m)^\\\\[a-zA-Z]+(?:[ \\t].*)?$");

    private final Map<String, String> objects = new TreeMap<>();
    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final Map<String, String> sequences = new LinkedHashMap<>();
    private final Map<String, String> sequenceOwners = new LinkedHashMap<>();

    private DumpReader() {}

    /** The canonical snapshot of {@code dump}. */
    static SchemaSnapshot read(String dump) {
        DumpReader reader = new DumpReader();
        for (SqlStatement statement : SqlLexer.split(META_COMMAND.matcher(dump).replaceAll(""), "dump")) {
            reader.statement(new Words(statement.tokens()));
        }
        return reader.snapshot();
    }

    private SchemaSnapshot snapshot() {
        Map<String, String> all = new TreeMap<>(objects);
        columns.forEach((key, column) -> all.put("column " + key, column.definition()));
        sequences.forEach((name, definition) -> all.put("sequence " + name, join(definition, sequenceOwners.remove(name))));
        sequenceOwners.forEach((name, owner) -> all.put("sequence " + name, owner)); // owned by, created elsewhere
        return SchemaSnapshot.of(all);
    }

    private void statement(Words w) {
        if (w.at("SET") || w.at("RESET") || w.at("SELECT") || w.at("COMMENT") || w.at("GRANT") || w.at("REVOKE")
                || w.at("SECURITY", "LABEL") || w.at("ALTER", "DEFAULT", "PRIVILEGES") || w.at("REFRESH") || w.at("COPY")
                || w.at("ALTER") && w.ownerChange()) {
            return; // settings, data, owners, privileges, comments: not the schema
        }
        if (w.accept("CREATE")) {
            w.accept("OR", "REPLACE");
            create(w);
        } else if (w.accept("ALTER", "TABLE")) {
            alterTable(w);
        } else if (w.accept("ALTER", "SEQUENCE")) {
            String name = w.name();
            if (w.accept("OWNED", "BY")) {
                sequenceOwners.put(name, "OWNED BY " + w.rest());
            } else {
                objects.put("alter " + name + " " + w.rest(), "");
            }
        } else {
            objects.put("statement " + w.all(), "");
        }
    }

    private void create(Words w) {
        boolean unique = w.accept("UNIQUE");
        if (w.accept("SCHEMA")) {
            w.accept("IF", "NOT", "EXISTS");
            put("schema", w.name(), w.rest());
        } else if (w.accept("EXTENSION")) {
            w.accept("IF", "NOT", "EXISTS");
            put("extension", w.name(), w.rest());
        } else if (w.accept("TYPE")) {
            put("type", w.name(), w.rest());
        } else if (w.accept("DOMAIN")) {
            put("domain", w.name(), w.rest());
        } else if (w.at("FUNCTION") || w.at("PROCEDURE") || w.at("AGGREGATE")) {
            String kind = w.next().toLowerCase(java.util.Locale.ROOT);
            String name = w.name() + w.parenthesized();
            put(kind, name, w.restHashingBodies());
        } else if (w.accept("SEQUENCE")) {
            w.accept("IF", "NOT", "EXISTS");
            sequences.put(w.name(), w.rest());
        } else if (w.accept("INDEX")) {
            w.accept("CONCURRENTLY");
            w.accept("IF", "NOT", "EXISTS");
            String index = w.identifier();
            w.accept("ON");
            boolean only = w.accept("ONLY");
            String table = w.name();
            put("index", table + "." + index, join(unique ? "UNIQUE" : "", join(only ? "ONLY" : "", w.rest())));
        } else if (w.at("TRIGGER") || w.at("CONSTRAINT", "TRIGGER")) {
            boolean constraint = w.accept("CONSTRAINT");
            w.accept("TRIGGER");
            String trigger = w.identifier();
            String table = w.nameAfter("ON");
            put(constraint ? "constraint-trigger" : "trigger", table + "." + trigger, w.rest());
        } else if (w.accept("RULE")) {
            String rule = w.identifier();
            String table = w.nameAfter("TO");
            put("rule", table + "." + rule, w.rest());
        } else if (w.accept("POLICY")) {
            String policy = w.identifier();
            w.accept("ON");
            String table = w.name();
            put("policy", table + "." + policy, w.rest());
        } else if (w.accept("MATERIALIZED", "VIEW")) {
            put("materialized-view", w.name(), w.rest());
        } else if (w.at("VIEW") || w.at("RECURSIVE", "VIEW") || w.at("TEMP", "VIEW") || w.at("TEMPORARY", "VIEW")) {
            while (!w.accept("VIEW")) {
                w.next();
            }
            put("view", w.name(), w.rest());
        } else if (w.at("TABLE") || w.at("UNLOGGED", "TABLE") || w.at("FOREIGN", "TABLE")) {
            String modifier = w.at("TABLE") ? "" : w.next().toUpperCase(java.util.Locale.ROOT);
            w.accept("TABLE");
            w.accept("IF", "NOT", "EXISTS");
            table(w.name(), modifier, w);
        } else {
            objects.put("statement CREATE " + (unique ? "UNIQUE " : "") + w.rest(), "");
        }
    }

    /** {@code CREATE TABLE name (columns and constraints) options}, or {@code PARTITION OF parent ...}. */
    private void table(String table, String modifier, Words w) {
        if (w.accept("PARTITION", "OF")) {
            String parent = w.name();
            put("partition", table, join("OF " + parent, w.rest()));
            put("table", table, modifier);
            return;
        }
        List<List<SqlToken>> elements = w.at("(") ? w.elements() : List.of();
        put("table", table, join(modifier, w.rest()));
        for (List<SqlToken> element : elements) {
            Words e = new Words(element);
            if (e.accept("CONSTRAINT")) {
                String name = e.identifier();
                put("constraint", table + "." + name, e.rest());
            } else if (e.at("CHECK") || e.at("PRIMARY") || e.at("UNIQUE") || e.at("FOREIGN") || e.at("EXCLUDE") || e.at("LIKE")) {
                put("constraint", table + "." + e.all(), ""); // unnamed: pg_dump names them, but a hand-written dump may not
            } else if (!element.isEmpty()) {
                String name = e.identifier();
                columns.computeIfAbsent(table + "." + name, k -> new Column()).read(e.remaining());
            }
        }
    }

    /** {@code ALTER TABLE [ONLY] [IF EXISTS] name action}: constraints, defaults, identities, partitions, options. */
    private void alterTable(Words w) {
        w.accept("IF", "EXISTS");
        w.accept("ONLY");
        String table = w.name();
        if (w.accept("ADD", "CONSTRAINT")) {
            String name = w.identifier();
            put("constraint", table + "." + name, w.rest());
        } else if (w.at("ALTER")) {
            w.accept("ALTER");
            w.accept("COLUMN");
            String name = w.identifier();
            Column column = columns.computeIfAbsent(table + "." + name, k -> new Column());
            if (w.accept("SET", "DEFAULT")) {
                column.defaultValue = w.rest();
            } else if (w.at("ADD", "GENERATED")) {
                w.accept("ADD");
                column.identity = w.rest();
            } else {
                column.other.add(w.rest());
            }
        } else if (w.accept("ATTACH", "PARTITION")) {
            String partition = w.name();
            put("partition", partition, join("OF " + table, w.rest()));
        } else {
            objects.put("alter " + table + " " + w.rest(), "");
        }
    }

    private void put(String kind, String name, String definition) {
        objects.merge(kind + " " + name, definition, (a, b) -> a.isEmpty() ? b : b.isEmpty() ? a : a + " | " + b);
    }

    private static String join(String a, String b) {
        if (a == null || a.isEmpty()) {
            return b == null ? "" : b;
        }
        return b == null || b.isEmpty() ? a : a + " " + b;
    }

    /** One column, put together from its table's definition and the ALTERs that set its default or identity. */
    private static final class Column {
        String type = "";
        String collation;
        String defaultValue;
        String notNull;
        String generated;
        String identity;
        final List<String> other = new ArrayList<>();

        /** {@code type [COLLATE c] [DEFAULT expr] [GENERATED ...] [[CONSTRAINT n] NOT NULL]}, as pg_dump writes a column. */
        void read(List<SqlToken> tokens) {
            List<SqlToken> t = new ArrayList<>(tokens);
            int n = t.size();
            if (n >= 2 && t.get(n - 2).is("NOT") && t.get(n - 1).is("NULL")) {
                int from = n >= 4 && t.get(n - 4).is("CONSTRAINT") ? n - 4 : n - 2;
                notNull = SqlToken.join(t.subList(from, n));
                t = new ArrayList<>(t.subList(0, from));
            }
            generated = cut(t, "GENERATED");
            defaultValue = cut(t, "DEFAULT");
            collation = cut(t, "COLLATE");
            type = SqlToken.join(t);
        }

        /** The clause from {@code keyword} (outside parentheses) to the end, removed from {@code tokens}; null if none. */
        private static String cut(List<SqlToken> tokens, String keyword) {
            int depth = 0;
            for (int i = 0; i < tokens.size(); i++) {
                SqlToken token = tokens.get(i);
                depth += token.text().equals("(") ? 1 : token.text().equals(")") ? -1 : 0;
                if (depth == 0 && token.is(keyword)) {
                    String clause = SqlToken.join(tokens.subList(i + 1, tokens.size()));
                    tokens.subList(i, tokens.size()).clear();
                    return clause;
                }
            }
            return null;
        }

        String definition() {
            StringBuilder b = new StringBuilder(type);
            append(b, collation == null ? null : "COLLATE " + collation);
            append(b, defaultValue == null ? null : "DEFAULT " + defaultValue);
            append(b, notNull);
            append(b, generated == null ? null : "GENERATED " + generated);
            append(b, identity);
            other.stream().sorted().forEach(o -> append(b, o));
            return b.toString();
        }

        private static void append(StringBuilder b, String part) {
            if (part != null && !part.isEmpty()) {
                b.append(b.length() == 0 ? "" : " ").append(part);
            }
        }
    }

    /** A cursor over a statement's tokens. */
    private static final class Words {
        private final List<SqlToken> tokens;
        private int at;

        Words(List<SqlToken> tokens) {
            this.tokens = tokens;
        }

        boolean done() {
            return at >= tokens.size();
        }

        /** Whether the next tokens are {@code words} (key words case-insensitively, symbols as written). */
        boolean at(String... words) {
            if (at + words.length > tokens.size()) {
                return false;
            }
            for (int i = 0; i < words.length; i++) {
                SqlToken t = tokens.get(at + i);
                if (!(t.is(words[i]) || t.kind() == SqlToken.Kind.SYMBOL && t.text().equals(words[i]))) {
                    return false;
                }
            }
            return true;
        }

        /** Moves past {@code words} if they come next. */
        boolean accept(String... words) {
            if (at(words)) {
                at += words.length;
                return true;
            }
            return false;
        }

        String next() {
            return done() ? "" : tokens.get(at++).text();
        }

        /**
         * The name after the first {@code keyword} still to read (a trigger's table after ON, a rule's after TO), without
         * moving past anything.
         */
        String nameAfter(String keyword) {
            int from = at;
            while (!done() && !accept(keyword)) {
                at++;
            }
            accept("ONLY");
            String name = done() ? "?" : name();
            at = from;
            return name;
        }

        /** One identifier as written. */
        String identifier() {
            return next();
        }

        /** A possibly qualified name ({@code public.orders}, {@code "My Schema"."T"}) as written. */
        String name() {
            StringBuilder name = new StringBuilder(next());
            while (at("." ) && at + 1 < tokens.size()) {
                at++;
                name.append('.').append(next());
            }
            return name.toString();
        }

        /** The parenthesized list that comes next ({@code (a integer, b text)}), or nothing. */
        String parenthesized() {
            if (!at("(")) {
                return "";
            }
            int start = at;
            int depth = 0;
            do {
                String t = tokens.get(at++).text();
                depth += t.equals("(") ? 1 : t.equals(")") ? -1 : 0;
            } while (depth > 0 && !done());
            return SqlToken.join(tokens.subList(start, at));
        }

        /** The elements of the parenthesized list that comes next, split at its top-level commas; the list is passed. */
        List<List<SqlToken>> elements() {
            List<List<SqlToken>> elements = new ArrayList<>();
            List<SqlToken> current = new ArrayList<>();
            int depth = 0;
            while (!done()) {
                SqlToken t = tokens.get(at++);
                if (t.text().equals("(") && depth++ == 0) {
                    continue;
                }
                if (t.text().equals(")") && --depth == 0) {
                    break;
                }
                if (depth == 1 && t.text().equals(",")) {
                    elements.add(current);
                    current = new ArrayList<>();
                } else {
                    current.add(t);
                }
            }
            elements.add(current);
            return elements;
        }

        List<SqlToken> remaining() {
            return tokens.subList(Math.min(at, tokens.size()), tokens.size());
        }

        /** The tokens not read yet, joined; all are read then. */
        String rest() {
            String rest = SqlToken.join(remaining());
            at = tokens.size();
            return rest;
        }

        /** {@link #rest()} with each dollar-quoted body (a function's) replaced by its hash. */
        String restHashingBodies() {
            List<SqlToken> rest = new ArrayList<>();
            for (SqlToken t : remaining()) {
                rest.add(t.kind() == SqlToken.Kind.STRING && t.text().startsWith("$")
                        ? new SqlToken(SqlToken.Kind.STRING, "$body:" + KubeNames.sha256Hex(body(t.text())).substring(0, 16) + "$", t.line())
                        : t);
            }
            at = tokens.size();
            return SqlToken.join(rest);
        }

        /** A dollar-quoted string's content, whatever its tag ({@code $$...$$}, {@code $_$...$_$}). */
        private static String body(String quoted) {
            int open = quoted.indexOf('$', 1) + 1;
            int close = quoted.lastIndexOf('$', quoted.length() - 2);
            return open > 0 && close >= open ? quoted.substring(open, close) : quoted;
        }

        /** The whole statement, joined. */
        String all() {
            return SqlToken.join(tokens);
        }

        /** Whether this is {@code ALTER ... OWNER TO role} (pg_dump's owner lines, of any kind of object). */
        boolean ownerChange() {
            int n = tokens.size();
            return n >= 3 && tokens.get(n - 3).is("OWNER") && tokens.get(n - 2).is("TO");
        }
    }
}

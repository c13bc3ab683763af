package io.mtd.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replaces known secret values with {@code ****} in any text about to be shown.
 *
 * <p>Values are added as they are learnt (from the plan, from the Secrets a Job references), so that nothing printed
 * later can leak them. Very short values are ignored: masking "a" everywhere would hide the log, not protect it.
 *
 * <p>A value is also masked in its base64 forms (standard and URL-safe, without padding): that is how a Kubernetes
 * Secret holds it, and how a migration that prints a Secret or a kubeconfig shows it.
 *
 * <p>One Aho–Corasick automaton over every value finds them all in a single pass over the text, however many there
 * are. Every character of every occurrence is hidden: occurrences that overlap become one {@code ****}.
 */
public final class SecretMasker {

    public static final String MASK = "****";
    private static final int MIN_LENGTH = 4;

    /** Reads and writes the engine's result records (reports, previews) to mask every string in them. */
    private static final ObjectMapper VALUES = JsonMapper.builder().addModule(new JavaTimeModule()).build();

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private volatile Automaton automaton = Automaton.EMPTY;

    /** Masks {@code value} from now on. */
    public void add(String value) {
        if (value == null || value.length() < MIN_LENGTH) {
            return;
        }
        boolean changed = secrets.add(value);
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        changed |= secrets.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
        changed |= secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        // a multi-line secret (a key, a certificate) is also masked line by line, since logs arrive line by line
        for (String line : value.split("\\R")) {
            if (line.strip().length() >= MIN_LENGTH) {
                changed |= secrets.add(line.strip());
            }
        }
        if (changed) {
            synchronized (this) {
                automaton = Automaton.of(List.copyOf(secrets));
            }
        }
    }

    /** {@code text} with every known secret value replaced. */
    public String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        return automaton.mask(text);
    }

    /** Each line masked, with one automaton and one pass over the text; the same list when nothing was masked. */
    public List<String> maskLines(List<String> lines) {
        Automaton a = automaton;
        if (a == Automaton.EMPTY) {
            return lines;
        }
        List<String> out = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String masked = line == null || line.isEmpty() ? line : a.mask(line);
            if (masked != line && out == null) {
                out = new ArrayList<>(lines.subList(0, i));
            }
            if (out != null) {
                out.add(masked);
            }
        }
        return out == null ? lines : out;
    }

    /**
     * {@code value}, a record the engine returns (a run's report, a lint report, a plan preview), with every string in it
     * masked, however deep and whatever field it is in: a field added later is covered without anyone remembering it.
     * The same instance when nothing is known to mask.
     */
    public <T> T maskAll(T value, Class<T> type) {
        if (value == null || secrets.isEmpty()) {
            return value;
        }
        JsonNode tree = VALUES.valueToTree(value);
        JsonNode masked = maskTree(tree);
        if (masked == tree) {
            return value;
        }
        try {
            return VALUES.treeToValue(masked, type);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot mask a " + type.getSimpleName() + ": it does not read back from its JSON", e);
        }
    }

    /** {@code json} with every string value in it masked (names and structure kept, so that it still reads back). */
    public String maskJson(String json) {
        if (json == null || secrets.isEmpty()) {
            return json;
        }
        try {
            JsonNode tree = VALUES.readTree(json);
            JsonNode masked = maskTree(tree);
            return masked == tree ? json : VALUES.writeValueAsString(masked);
        } catch (java.io.IOException e) {
            return mask(json); // not JSON after all: masked as text
        }
    }

    /** The node with every text value masked: the same node when nothing in it changed. */
    private JsonNode maskTree(JsonNode node) {
        if (node.isTextual()) {
            String masked = mask(node.asText());
            return masked.equals(node.asText()) ? node : TextNode.valueOf(masked);
        }
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            ObjectNode copy = o.objectNode();
            for (var field : o.properties()) {
                JsonNode m = maskTree(field.getValue());
                changed |= m != field.getValue();
                copy.set(field.getKey(), m);
            }
            return changed ? copy : node;
        }
        if (node instanceof ArrayNode a) {
            ArrayNode copy = a.arrayNode();
            for (JsonNode element : a) {
                JsonNode m = maskTree(element);
                changed |= m != element;
                copy.add(m);
            }
            return changed ? copy : node;
        }
        return node;
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /** The secret values as a trie with failure links: {@code longest[state]} is the longest value ending there. */
    private static final class Automaton {

        static final Automaton EMPTY = new Automaton(new char[][] {new char[0]}, new int[][] {new int[0]}, new int[1],
                new int[1]);

        /** Per state, its outgoing characters in ascending order, and the state each leads to. */
        private final char[][] keys;
        private final int[][] targets;
        private final int[] fail;
        private final int[] longest;
        /** The root's transitions for ASCII, where almost every character of a log is: -1 for none. */
        private final int[] rootAscii = new int[128];

        private Automaton(char[][] keys, int[][] targets, int[] fail, int[] longest) {
            this.keys = keys;
            this.targets = targets;
            this.fail = fail;
            this.longest = longest;
            Arrays.fill(rootAscii, -1);
            for (int i = 0; i < keys[0].length; i++) {
                if (keys[0][i] < 128) {
                    rootAscii[keys[0][i]] = targets[0][i];
                }
            }
        }

        static Automaton of(List<String> values) {
            List<TreeMap<Character, Integer>> edges = new ArrayList<>();
            List<Integer> ends = new ArrayList<>();
            edges.add(new TreeMap<>());
            ends.add(0);
            for (String v : values) {
                int state = 0;
                for (int i = 0; i < v.length(); i++) {
                    Integer next = edges.get(state).get(v.charAt(i));
                    if (next == null) {
                        next = edges.size();
                        edges.add(new TreeMap<>());
                        ends.add(0);
                        edges.get(state).put(v.charAt(i), next);
                    }
                    state = next;
                }
                ends.set(state, Math.max(ends.get(state), v.length()));
            }
            int n = edges.size();
            char[][] keys = new char[n][];
            int[][] targets = new int[n][];
            int[] longest = new int[n];
            for (int s = 0; s < n; s++) {
                TreeMap<Character, Integer> e = edges.get(s);
                keys[s] = new char[e.size()];
                targets[s] = new int[e.size()];
                int i = 0;
                for (var entry : e.entrySet()) {
                    keys[s][i] = entry.getKey();
                    targets[s][i++] = entry.getValue();
                }
                longest[s] = ends.get(s);
            }
            // breadth first, so that a state's failure link is done before its children need it
            int[] fail = new int[n];
            Automaton partial = new Automaton(keys, targets, fail, longest);
            Deque<Integer> queue = new ArrayDeque<>();
            for (int child : targets[0]) {
                queue.add(child);
            }
            while (!queue.isEmpty()) {
                int s = queue.poll();
                longest[s] = Math.max(longest[s], longest[fail[s]]);
                for (int i = 0; i < keys[s].length; i++) {
                    int child = targets[s][i];
                    fail[child] = partial.next(fail[s], keys[s][i]);
                    queue.add(child);
                }
            }
            return partial;
        }

        private int edge(int state, char c) {
            if (state == 0 && c < 128) {
                return rootAscii[c];
            }
            int i = Arrays.binarySearch(keys[state], c);
            return i < 0 ? -1 : targets[state][i];
        }

        /** The state after reading {@code c} in {@code state}, following failure links. */
        int next(int state, char c) {
            int s = state;
            while (true) {
                int t = edge(s, c);
                if (t >= 0) {
                    return t;
                }
                if (s == 0) {
                    return 0;
                }
                s = fail[s];
            }
        }

        String mask(String text) {
            if (keys[0].length == 0) {
                return text;
            }
            long[] found = null;
            int count = 0;
            int state = 0;
            for (int i = 0; i < text.length(); i++) {
                state = next(state, text.charAt(i));
                int length = longest[state];
                if (length > 0) {
                    if (found == null) {
                        found = new long[8];
                    } else if (count == found.length) {
                        found = Arrays.copyOf(found, count * 2);
                    }
                    // the longest value ending here covers every shorter one that ends here
                    found[count++] = ((long) (i - length + 1) << 32) | i;
                }
            }
            if (count == 0) {
                return text;
            }
            Arrays.sort(found, 0, count);
            StringBuilder out = new StringBuilder(text.length());
            int copied = 0;
            int k = 0;
            while (k < count) {
                int start = (int) (found[k] >>> 32);
                int end = (int) found[k];
                // overlapping occurrences are hidden as one; adjacent ones stay two, as replacing each would do
                while (++k < count && (int) (found[k] >>> 32) <= end) {
                    end = Math.max(end, (int) found[k]);
                }
                out.append(text, copied, start).append(MASK);
                copied = end + 1;
            }
            return out.append(text, copied, text.length()).toString();
        }
    }
}

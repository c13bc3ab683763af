package io.mtd.progress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>One Aho–Corasick automaton over every value finds them all in a single pass over the text, however many there
 * are. Every character of every occurrence is hidden: occurrences that overlap become one {@code ****}.
 */
public final class SecretMasker {

    public static final String MASK = "****";
    private static final int MIN_LENGTH = 4;

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private volatile Automaton automaton = Automaton.EMPTY;

    /** Masks {@code value} from now on. */
    public void add(String value) {
        if (value == null || value.length() < MIN_LENGTH) {
            return;
        }
        boolean changed = secrets.add(value);
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

package io.mtd.progress;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replaces known secret values with {@code ****} in any text about to be shown.
 *
 * <p>Values are added as they are learnt (from the plan, from the Secrets a Job references), so that nothing printed
 * later can leak them. Very short values are ignored: masking "a" everywhere would hide the log, not protect it.
 */
public final class SecretMasker {

    public static final String MASK = "****";
    private static final int MIN_LENGTH = 4;

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private volatile List<String> longestFirst = List.of();

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
            longestFirst = secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        }
    }

    /** {@code text} with every known secret value replaced. */
    public String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String s : longestFirst) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }
}

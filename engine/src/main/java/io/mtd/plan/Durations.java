package io.mtd.plan;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the plan's human durations ({@code 90s}, {@code 10m}, {@code 1h30m}, {@code 2d}, or ISO-8601 {@code PT10M}). */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");

    private Durations() {}

    /** The duration written as {@code text}; throws {@link IllegalArgumentException} naming the accepted forms. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            } catch (RuntimeException e) {
                throw invalid(text);
            }
        }
        if (!WHOLE.matcher(t).matches()) {
            throw invalid(text);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
        }
        return total;
    }

    /** {@code text} parsed, or {@code fallback} when it is absent. */
    public static Duration parseOr(String text, Duration fallback) {
        return text == null || text.isBlank() ? fallback : parse(text);
    }

    /** A short human form, e.g. {@code 1m30s} or {@code 250ms}. */
    public static String format(Duration d) {
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || b.length() == 0) {
            if (b.length() == 0 && d.toMillis() % 1000 != 0 && d.toSeconds() < 10) {
                return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
            }
            b.append(s).append('s');
        }
        return b.toString();
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration: write it as a number with a unit,"
                + " such as 90s, 10m, 1h30m or 2d");
    }
}

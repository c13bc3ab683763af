package io.mtd.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Kubernetes naming rules (DNS-1123 labels and subdomains, environment variable names) and deterministic names. */
public final class KubeNames {

    public static final int MAX_LABEL = 63;
    public static final int MAX_SUBDOMAIN = 253;

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern ENV_VAR = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private KubeNames() {}

    /** A DNS-1123 label: what Namespaces, Jobs (for their Pods' labels) and our names must be. */
    public static boolean isLabel(String s) {
        return s != null && s.length() <= MAX_LABEL && LABEL.matcher(s).matches();
    }

    /** A DNS-1123 subdomain: what Deployments, Secrets and ConfigMaps may be named. */
    public static boolean isSubdomain(String s) {
        return s != null && s.length() <= MAX_SUBDOMAIN && SUBDOMAIN.matcher(s).matches();
    }

    public static boolean isEnvVarName(String s) {
        return s != null && ENV_VAR.matcher(s).matches();
    }

    /** {@code s} lower-cased with anything not allowed in a label replaced by '-', for suggesting a fix. */
    public static String suggestLabel(String s) {
        String t = s == null ? "" : s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
        t = t.replaceAll("^-+|-+$", "");
        if (t.length() > MAX_LABEL) {
            t = t.substring(0, MAX_LABEL).replaceAll("-+$", "");
        }
        return t.isEmpty() ? "app" : t;
    }

    /**
     * A label of at most 63 characters made of {@code parts} joined by '-', followed by a hash of {@code hashed};
     * the parts are shortened, never the hash, so different inputs keep different names.
     */
    public static String hashedName(String hashed, int hashLength, String... parts) {
        String hash = sha256Hex(hashed).substring(0, hashLength);
        int room = MAX_LABEL - hash.length() - 1;
        StringBuilder prefix = new StringBuilder();
        for (String p : parts) {
            if (prefix.length() > 0) {
                prefix.append('-');
            }
            prefix.append(p);
        }
        String head = prefix.length() > room ? prefix.substring(0, room) : prefix.toString();
        head = head.replaceAll("-+$", "");
        return head + "-" + hash;
    }

    public static String sha256Hex(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}

package io.mtd.image;

import java.util.regex.Pattern;

/**
 * An image reference {@code [registry[:port]/]repository[:tag][@digest]}, with Docker Hub's defaults filled in.
 *
 * @param registry registry host and optional port as written ({@code docker.io} when the reference names none)
 * @param repository repository path ({@code library/} prefixed for a one-component Docker Hub name)
 * @param tag the tag, or null when the reference names only a digest
 * @param digest {@code algorithm:hex}, or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    public static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";

    private static final Pattern REPOSITORY =
            Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");
    private static final Pattern REGISTRY = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");

    public ImageReference {
        require(registry != null && REGISTRY.matcher(registry).matches(), "registry", registry);
        require(repository != null && REPOSITORY.matcher(repository).matches(), "repository", repository);
        require(tag == null || TAG.matcher(tag).matches(), "tag", tag);
        require(digest == null || DIGEST.matcher(digest).matches(), "digest", digest);
        if (tag == null && digest == null) {
            tag = "latest";
        }
    }

    /** Parses a reference as {@code docker pull} would: a tagless, digestless reference means {@code :latest}. */
    public static ImageReference parse(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("The image reference is empty; give one such as registry.example.com/shop:1.4.0");
        }
        String rest = reference.strip();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            // as in Docker: the first component names a registry only if it looks like a host
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (registry.equals(DOCKER_HUB) || registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
            if (!rest.contains("/")) {
                rest = "library/" + rest;
            }
        }
        try {
            return new ImageReference(registry, rest, tag, digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Image reference '" + reference + "' is not valid: " + e.getMessage(), e);
        }
    }

    /** This repository pinned to {@code digest}: {@code registry/repository@digest}, the form Jobs and rollouts run. */
    public ImageReference pinnedTo(String newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /** The tag or digest to ask the registry's manifest endpoint for; the digest wins when both are given. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** Host (and port) of the registry's HTTP API; Docker Hub serves it from another host than its name. */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
    }

    /** Whether the registry is on this machine (localhost, 127.0.0.0/8, [::1]), which the container tools let speak plain HTTP. */
    public boolean loopbackRegistry() {
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** The reference in its full form, e.g. {@code docker.io/library/nginx:1.25} or {@code host:5000/app@sha256:...}. */
    @Override
    public String toString() {
        return registry + "/" + repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static void require(boolean ok, String part, String value) {
        if (!ok) {
            throw new IllegalArgumentException(switch (part) {
                case "repository" -> "repository '" + value + "' must be lower-case path components of letters, digits and . _ -";
                case "tag" -> "tag '" + value + "' must be up to 128 letters, digits, _ . - and not start with . or -";
                case "digest" -> "digest '" + value + "' must look like sha256:<64 hex digits>";
                default -> "registry '" + value + "' must be a host name or IP with an optional :port";
            });
        }
    }
}

package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the sandbox kubelet knows of a container image: its default working directory, its ENTRYPOINT (used when a
 * container has no {@code command}; the container's {@code args} are appended), the environment it bakes in, and the
 * user its image config names ({@code USER} in a Dockerfile), which the kubelet checks against {@code runAsNonRoot}.
 *
 * <p>The user is as an image config writes it: {@code "10001"}, {@code "10001:10001"}, a name such as {@code "app"},
 * or {@code ""} for an image config without one, which runs as root. {@code null} means the sandbox has no config for
 * the image: its user is not checked, as for an image that is not registered at all.
 *
 * <p>An image registered from a directory ({@link SandboxKubelet#registerImage}) without a user takes it from the
 * directory's {@value #CONFIG_FILE}, the image config's fields the sandbox reads, in the shape
 * {@code docker image inspect} and {@code skopeo inspect --config} print: {@code {"config": {"User": "10001"}}}.
 */
public record SandboxImage(Path workingDir, List<String> entrypoint, Map<String, String> env, String user) {

    /** The file in an image directory that holds the image's config (only {@code config.User} is read). */
    public static final String CONFIG_FILE = "sandbox-image.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public SandboxImage {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** An image whose config the sandbox does not know (its user is taken from its directory when it is registered). */
    public SandboxImage(Path workingDir, List<String> entrypoint, Map<String, String> env) {
        this(workingDir, entrypoint, env, null);
    }

    /** This image with {@code user} as its config's user ({@code ""}: none, so root). */
    public SandboxImage withUser(String user) {
        return new SandboxImage(workingDir, entrypoint, env, user);
    }

    /**
     * The user in {@code directory}'s {@value #CONFIG_FILE} ({@code ""} when its config names none), or null when the
     * directory has no such file.
     *
     * @throws IllegalArgumentException when the file is not JSON of that shape, naming the file and what is wrong
     */
    public static String configuredUser(Path directory) {
        Path file = directory.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); write the image config as {\"config\": {\"User\": \"10001\"}}", e);
        }
        if (root == null || !root.isObject() || !root.path("config").isObject()) {
            throw new IllegalArgumentException(file + " must hold the image config as {\"config\": {\"User\": \"10001\"}}");
        }
        unknownField(file, root, "", "config");
        JsonNode config = root.get("config");
        unknownField(file, config, "config.", "User");
        JsonNode user = config.get("User");
        if (user == null || user.isNull()) {
            return "";
        }
        if (!user.isTextual()) {
            throw new IllegalArgumentException(file + ": config.User must be a string such as \"10001\" or \"10001:10001\"");
        }
        return user.asText();
    }

    private static void unknownField(Path file, JsonNode object, String prefix, String known) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals(known)) {
                throw new IllegalArgumentException(file + ": the sandbox reads only config.User of an image config; remove "
                        + prefix + name);
            }
        }
    }
}

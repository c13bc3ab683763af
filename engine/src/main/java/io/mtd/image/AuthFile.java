package io.mtd.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A registry credentials file in docker config.json format ({@code auths.<host>.auth} = base64 of {@code user:password},
 * or {@code username} and {@code password} fields), as written by {@code docker login}, {@code podman login} and
 * {@code buildah login}.
 */
public final class AuthFile implements CredentialSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> DOCKER_HUB_HOSTS = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

    private final Path file;
    private final JsonNode auths;

    private AuthFile(Path file, JsonNode auths) {
        this.file = file;
        this.auths = auths;
    }

    /** Reads {@code file}; a missing or malformed file is an error naming it. */
    public static AuthFile read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // Jackson's message would quote the file's content, which holds secrets
            throw new RegistryException("Cannot read the registry credentials file " + file + ": "
                    + (Files.exists(file) ? "it is not valid JSON in docker config.json format" : "it does not exist")
                    + "; fix the file or point build.authFile / REGISTRY_AUTH_FILE at another one");
        }
        JsonNode auths = root == null ? null : root.get("auths");
        return new AuthFile(file, auths == null || !auths.isObject() ? JSON.createObjectNode() : auths);
    }

    /** Writes a file holding only {@code credentials} for {@code registry}, readable by its owner only where the file system allows. */
    public static void write(Path target, String registry, RegistryCredentials credentials) throws IOException {
        var root = JSON.createObjectNode();
        root.putObject("auths").putObject(hostOf(registry)).put("auth", credentials.basicToken());
        Files.deleteIfExists(target);
        Files.createFile(target);
        try {
            Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the temporary directory's own permissions are what protect it
        }
        Files.writeString(target, JSON.writeValueAsString(root), StandardCharsets.UTF_8);
    }

    @Override
    public Optional<RegistryCredentials> lookup(String registry) {
        String host = hostOf(registry);
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (sameRegistry(host, hostOf(entry.getKey()))) {
                Optional<RegistryCredentials> found = credentialsOf(entry.getKey(), entry.getValue());
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<RegistryCredentials> credentialsOf(String key, JsonNode entry) {
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new RegistryException("The 'auth' entry for '" + key + "' in " + file
                        + " is not valid base64; log in again (docker login / buildah login) to rewrite it");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new RegistryException("The 'auth' entry for '" + key + "' in " + file
                        + " is not base64 of user:password; log in again (docker login / buildah login) to rewrite it");
            }
            return Optional.of(new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        String user = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        return user.isEmpty() || password.isEmpty() ? Optional.empty() : Optional.of(new RegistryCredentials(user, password));
    }

    /** The host[:port] of a config.json key, which may be a bare host or a URL such as https://index.docker.io/v1/. */
    static String hostOf(String key) {
        String host = key.strip();
        int scheme = host.indexOf("://");
        if (scheme >= 0) {
            host = host.substring(scheme + 3);
        }
        int slash = host.indexOf('/');
        return (slash >= 0 ? host.substring(0, slash) : host).toLowerCase(java.util.Locale.ROOT);
    }

    static boolean sameRegistry(String a, String b) {
        return a.equals(b) || (DOCKER_HUB_HOSTS.contains(a) && DOCKER_HUB_HOSTS.contains(b));
    }

    @Override
    public String toString() {
        return "AuthFile[" + file + "]";
    }
}

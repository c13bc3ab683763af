package io.mtd.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds the credentials for a registry host: given by the caller, or read from a docker config.json style file. */
@FunctionalInterface
public interface CredentialSource {

    /** Anonymous access everywhere. */
    CredentialSource NONE = registry -> Optional.empty();

    /** The credentials for {@code registry} (host and optional port as written in the image reference), if any. */
    Optional<RegistryCredentials> lookup(String registry);

    /** This source, and where it has nothing for a registry, {@code fallback}. */
    default CredentialSource orElse(CredentialSource fallback) {
        return registry -> {
            Optional<RegistryCredentials> mine = lookup(registry);
            return mine.isPresent() ? mine : fallback.lookup(registry);
        };
    }

    /** Credentials the caller holds for one registry (e.g. from Jenkins credentials). */
    static CredentialSource of(String registry, RegistryCredentials credentials) {
        String host = AuthFile.hostOf(registry);
        return r -> AuthFile.sameRegistry(host, AuthFile.hostOf(r)) ? Optional.of(credentials) : Optional.empty();
    }

    /**
     * The files the container tools read, in their order: {@code REGISTRY_AUTH_FILE}, then
     * {@code $XDG_RUNTIME_DIR/containers/auth.json}, then {@code $DOCKER_CONFIG/config.json} or
     * {@code ~/.docker/config.json}. Files that do not exist are skipped.
     */
    static CredentialSource machineDefaults(Map<String, String> env, Path home) {
        List<Path> candidates = new ArrayList<>();
        String authFile = env.get("REGISTRY_AUTH_FILE");
        if (authFile != null && !authFile.isBlank()) {
            candidates.add(Path.of(authFile));
        }
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            candidates.add(Path.of(runtimeDir, "containers", "auth.json"));
        }
        String dockerConfig = env.get("DOCKER_CONFIG");
        candidates.add(dockerConfig != null && !dockerConfig.isBlank()
                ? Path.of(dockerConfig, "config.json")
                : home.resolve(".docker").resolve("config.json"));
        CredentialSource source = NONE;
        for (int i = candidates.size() - 1; i >= 0; i--) {
            Path file = candidates.get(i);
            CredentialSource next = source;
            source = registry -> Files.isRegularFile(file) ? AuthFile.read(file).lookup(registry).or(() -> next.lookup(registry))
                    : next.lookup(registry);
        }
        return source;
    }
}

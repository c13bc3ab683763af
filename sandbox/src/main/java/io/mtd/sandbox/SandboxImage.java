package io.mtd.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the sandbox kubelet knows of a container image: its default working directory, its ENTRYPOINT (used when a
 * container has no {@code command}; the container's {@code args} are appended) and the environment it bakes in.
 */
public record SandboxImage(Path workingDir, List<String> entrypoint, Map<String, String> env) {
    public SandboxImage {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        env = env == null ? Map.of() : Map.copyOf(env);
    }
}

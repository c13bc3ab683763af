package io.mtd.image;

import java.nio.file.Path;
import java.util.Map;

/** Builds with podman, whose build and push are buildah's with other subcommand names, in the same CI-friendly settings. */
final class PodmanBuilder extends BuildahBuilder {

    PodmanBuilder(Path executable, Map<String, String> env) {
        super(executable, env);
    }

    @Override
    public String name() {
        return "podman";
    }

    @Override
    String buildVerb() {
        return "build";
    }
}

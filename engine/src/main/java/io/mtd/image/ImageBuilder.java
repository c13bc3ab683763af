package io.mtd.image;

import java.util.Optional;
import java.util.function.Consumer;

/** Builds an image from a context directory and pushes it to its registry, with one container tool (buildah, podman, docker). */
public interface ImageBuilder {

    /** The tool's name as the plan's {@code build.builder} spells it, e.g. {@code buildah}. */
    String name();

    /**
     * Builds {@code request.image()} into the tool's local storage, passing every output line to {@code log} as it comes.
     *
     * @throws ImageBuildException naming the failing step when the build fails
     */
    void build(BuildRequest request, Consumer<String> log);

    /**
     * Pushes {@code request.image()} to its registry, passing every output line to {@code log}.
     *
     * @return the manifest digest the tool reports having pushed, where it reports one
     * @throws ImageBuildException when the push fails
     */
    Optional<String> push(BuildRequest request, Consumer<String> log);
}

package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * How to build the application image before the first environment; absent for a prebuilt image.
 *
 * @param context build context directory, relative to the plan's working directory
 * @param dockerfile Dockerfile path, relative to the context ({@code Dockerfile} when absent)
 * @param args build arguments
 * @param target multi-stage target, if any
 * @param builder {@code auto} (default), {@code buildah}, {@code podman} or {@code docker}
 * @param authFile registry credentials file (docker config.json format); default REGISTRY_AUTH_FILE or ~/.docker/config.json
 * @param tlsVerify whether the registry's TLS certificate is verified (default true; false for a local plain-HTTP registry)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Build(
        String context,
        String dockerfile,
        Map<String, String> args,
        String target,
        String builder,
        String authFile,
        Boolean tlsVerify) {

    public Build {
        args = args == null ? Map.of() : Map.copyOf(args);
    }

    public String contextOrDefault() {
        return context == null || context.isBlank() ? "." : context;
    }

    public String dockerfileOrDefault() {
        return dockerfile == null || dockerfile.isBlank() ? "Dockerfile" : dockerfile;
    }

    public String builderOrDefault() {
        return builder == null || builder.isBlank() ? "auto" : builder;
    }

    public boolean verifiesTls() {
        return tlsVerify == null || tlsVerify;
    }
}

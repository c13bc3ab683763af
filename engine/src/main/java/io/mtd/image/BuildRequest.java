package io.mtd.image;

import java.nio.file.Path;
import java.util.Map;

/**
 * What to build and where to push it, with every path already resolved against the workspace.
 *
 * @param image the tag to build and push
 * @param context build context directory
 * @param dockerfile the Dockerfile or Containerfile
 * @param args build arguments
 * @param target multi-stage target, or null for the last stage
 * @param authFile registry credentials file in docker config.json format, or null for the tool's own defaults
 * @param tlsVerify whether the registry's TLS certificate is verified
 */
public record BuildRequest(
        ImageReference image, Path context, Path dockerfile, Map<String, String> args, String target, Path authFile,
        boolean tlsVerify) {

    public BuildRequest {
        args = args == null ? Map.of() : Map.copyOf(args);
    }
}

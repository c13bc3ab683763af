package io.mtd.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Builds with buildah, daemonless, in the settings that work on CI agents and in containers.
 *
 * <p>RUN steps use {@code --isolation chroot} unless {@code BUILDAH_ISOLATION} says otherwise: the default OCI
 * isolation needs a runtime that can create cgroups and namespaces, which a containerised agent usually cannot
 * ("cgroups in hybrid mode not supported"). Storage: the tool's own default (overlay) is tried first and, when it
 * cannot be opened there and {@code STORAGE_DRIVER} does not choose one, {@code --storage-driver vfs} is used.
 */
class BuildahBuilder extends CliImageBuilder {

    static final Pattern STEP = Pattern.compile("^((?:\\[\\d+/\\d+\\] )?STEP \\d+/\\d+: .*)$");

    private volatile List<String> storageOptions;

    BuildahBuilder(Path executable, Map<String, String> env) {
        super(executable, env, STEP);
    }

    @Override
    public String name() {
        return "buildah";
    }

    /** The subcommand that builds from a Dockerfile; {@code bud} is understood by every buildah release. */
    String buildVerb() {
        return "bud";
    }

    @Override
    public void build(BuildRequest request, Consumer<String> log) {
        List<String> args = new ArrayList<>(storageOptions(log));
        args.add(buildVerb());
        args.add("--isolation");
        args.add(env().getOrDefault("BUILDAH_ISOLATION", "chroot"));
        args.add("--tls-verify=" + request.tlsVerify());
        addAuthFile(args, request);
        args.add("-f");
        args.add(request.dockerfile().toString());
        args.add("-t");
        args.add(request.image().toString());
        addBuildArgs(args, request);
        args.add(request.context().toString());
        run(args, Map.of(), "Building " + request.image() + " with " + name(), log);
    }

    @Override
    public Optional<String> push(BuildRequest request, Consumer<String> log) {
        Path digestFile;
        try {
            digestFile = Files.createTempFile("mtd-digest-", ".txt");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary file for the pushed digest", e);
        }
        try {
            List<String> args = new ArrayList<>(storageOptions(log));
            args.add("push");
            args.add("--tls-verify=" + request.tlsVerify());
            addAuthFile(args, request);
            args.add("--digestfile");
            args.add(digestFile.toString());
            args.add(request.image().toString());
            args.add("docker://" + request.image());
            run(args, Map.of(), "Pushing " + request.image() + " with " + name(), log);
            String digest = Files.readString(digestFile, StandardCharsets.UTF_8).strip();
            return digest.isEmpty() ? Optional.empty() : Optional.of(digest);
        } catch (IOException e) {
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(digestFile);
            } catch (IOException e) {
                // a stray temporary file holding a public digest is harmless
            }
        }
    }

    private static void addAuthFile(List<String> args, BuildRequest request) {
        if (request.authFile() != null) {
            args.add("--authfile");
            args.add(request.authFile().toString());
        }
    }

    /** The global options that open a usable storage, found once per builder by asking the tool for its info. */
    List<String> storageOptions(Consumer<String> log) {
        List<String> options = storageOptions;
        if (options != null) {
            return options;
        }
        synchronized (this) {
            if (storageOptions != null) {
                return storageOptions;
            }
            List<String> discard = new ArrayList<>();
            try {
                run(List.of("info"), Map.of(), "Opening " + name() + "'s storage", discard::add);
                options = List.of();
            } catch (ImageBuildException defaultFailed) {
                if (env().containsKey("STORAGE_DRIVER")) {
                    throw defaultFailed;
                }
                options = List.of("--storage-driver", "vfs");
                try {
                    run(List.of("--storage-driver", "vfs", "info"), Map.of(), "Opening " + name() + "'s vfs storage", discard::add);
                } catch (ImageBuildException vfsFailed) {
                    throw new ImageBuildException(defaultFailed.getMessage() + "; with --storage-driver vfs too: "
                            + vfsFailed.getMessage() + ". Check " + name() + "'s storage.conf and that this user may use it");
                }
                log.accept(name() + ": the default storage cannot be used here (" + defaultFailed.getMessage()
                        + "); using --storage-driver vfs");
            }
            storageOptions = options;
            return options;
        }
    }
}

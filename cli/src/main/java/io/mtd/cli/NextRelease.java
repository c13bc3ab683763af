package io.mtd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A later version of an example app, as {@code mtd demo --incompatible} releases it: a copy of the example with an
 * overlay (the files the release changes or adds, such as a model and its migration) laid over it.
 */
final class NextRelease {

    /** The directory of an example that holds its incompatible next release's files. */
    static final String INCOMPATIBLE = "incompatible";

    /** The directory of an example that holds its release sequence's overlays, one directory per version. */
    static final String RELEASES = "releases";

    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    private NextRelease() {}

    /**
     * Copies {@code example} into {@code into}, then {@code overlay}'s files over it: the example's own overlay
     * directory, bytecode caches and the overlay's README are left out.
     *
     * @return {@code into}
     */
    static Path layOver(Path example, Path overlay, Path into) {
        return layOver(example, List.of(overlay), into);
    }

    /**
     * As {@link #layOver(Path, Path, Path)} with several overlays laid one after the other, as the versions of a release
     * sequence build on each other ({@code releases/1.1.0}, then {@code releases/1.2.0}, ...).
     *
     * @return {@code into}
     */
    static Path layOver(Path example, List<Path> overlays, Path into) {
        copy(example, into, List.of(example.resolve(INCOMPATIBLE), example.resolve(RELEASES)));
        for (Path overlay : overlays) {
            copy(overlay, into, List.of(overlay.resolve("README.md")));
        }
        return into;
    }

    /** The image of the release after {@code image}: its semantic version's next minor ({@code 1.0.0 -> 1.1.0}), else {@code TAG-next}. */
    static String nextImage(String image) {
        int at = image.indexOf('@');
        String ref = at < 0 ? image : image.substring(0, at);
        int colon = ref.lastIndexOf(':');
        if (colon <= ref.lastIndexOf('/')) {
            return ref + ":next";
        }
        String tag = ref.substring(colon + 1);
        Matcher m = SEMVER.matcher(tag);
        String next = m.matches() ? m.group(1) + "." + (Integer.parseInt(m.group(2)) + 1) + ".0" : tag + "-next";
        return ref.substring(0, colon + 1) + next;
    }

    /** Deletes {@code dir} and everything in it. */
    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to, List<Path> except) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (except.stream().anyMatch(f::startsWith) || f.toString().contains("__pycache__")) {
                    continue;
                }
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.mtd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    private NextRelease() {}

    /**
     * Copies {@code example} into {@code into}, then {@code overlay}'s files over it: the example's own overlay
     * directory, bytecode caches and the overlay's README are left out.
     *
     * @return {@code into}
     */
    static Path layOver(Path example, Path overlay, Path into) {
        copy(example, into, example.resolve(INCOMPATIBLE));
        copy(overlay, into, overlay.resolve("README.md"));
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

    private static void copy(Path from, Path to, Path except) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.startsWith(except) || f.toString().contains("__pycache__")) {
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

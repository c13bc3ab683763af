package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Pod's {@code configMap}, {@code secret} and {@code emptyDir} volumes materialized as host directories, a
 * {@code persistentVolumeClaim} as the claim's own directory (kept across Pods, as a bound volume is), and the
 * container's mounts as a map from mount path to host directory. The process shares the host's file system, so paths
 * under a mount path are {@link #rewrite rewritten} to the volume's host directory.
 */
final class PodVolumes {

    private PodVolumes() {
    }

    /**
     * Writes the volumes of {@code pod} under {@code podDir}/volumes and returns {@code container}'s mounts, longest mount
     * path first (so that a nested mount wins over its parent when paths are rewritten). A claim's files live under
     * {@code claims}/NAMESPACE/CLAIM, whichever Pod wrote them.
     */
    static Map<String, Path> materialize(Pod pod, Container container, Path podDir, Path claims, NamespaceData data) {
        Map<String, Path> hostDirs = new LinkedHashMap<>();
        try {
            if (pod.getSpec().getVolumes() != null) {
                for (Volume volume : pod.getSpec().getVolumes()) {
                    Path dir = volume.getPersistentVolumeClaim() != null
                            ? claimDirectory(claims, pod.getMetadata().getNamespace(), volume.getPersistentVolumeClaim().getClaimName())
                            : podDir.resolve("volumes").resolve(volume.getName());
                    Files.createDirectories(dir);
                    if (volume.getConfigMap() != null) {
                        Map<String, String> values = data.configMap(volume.getConfigMap().getName());
                        writeFiles(dir, values == null ? Map.of() : values, volume.getConfigMap().getItems());
                    } else if (volume.getSecret() != null) {
                        Map<String, String> values = data.secret(volume.getSecret().getSecretName());
                        writeFiles(dir, values == null ? Map.of() : values, volume.getSecret().getItems());
                    }
                    hostDirs.put(volume.getName(), dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot materialize the volumes of Pod " + pod.getMetadata().getNamespace() + "/"
                    + pod.getMetadata().getName(), e);
        }
        Map<String, Path> mounts = new LinkedHashMap<>();
        if (container.getVolumeMounts() != null) {
            List<VolumeMount> sorted = new ArrayList<>(container.getVolumeMounts());
            sorted.sort(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed());
            for (VolumeMount mount : sorted) {
                Path dir = hostDirs.get(mount.getName());
                if (dir != null) {
                    mounts.put(mount.getMountPath(), mount.getSubPath() == null || mount.getSubPath().isEmpty() ? dir
                            : dir.resolve(mount.getSubPath()));
                }
            }
        }
        return mounts;
    }

    /** Where the files of claim {@code claim} in {@code namespace} live on the host. */
    static Path claimDirectory(Path claims, String namespace, String claim) {
        return claims.resolve(namespace).resolve(claim);
    }

    private static void writeFiles(Path dir, Map<String, String> data, List<KeyToPath> items) throws IOException {
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, String> e : data.entrySet()) {
                Files.writeString(dir.resolve(e.getKey()), e.getValue());
            }
            return;
        }
        for (KeyToPath item : items) {
            if (data.containsKey(item.getKey())) {
                Path file = dir.resolve(item.getPath());
                Files.createDirectories(file.getParent());
                Files.writeString(file, data.get(item.getKey()));
            }
        }
    }

    /**
     * Rewrites every mount path in a value to the volume's host directory: where the value starts with it, and where it
     * follows a space, {@code =}, {@code :} or a quote (so {@code sh -c "cat /sql/x"} and
     * {@code -locations=filesystem:/sql} work too), provided a {@code /}, a space, a quote, {@code ;} or the end follows.
     */
    static String rewrite(String value, Map<String, Path> mounts) {
        String result = value;
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            String mountPath = mount.getKey().endsWith("/") && mount.getKey().length() > 1
                    ? mount.getKey().substring(0, mount.getKey().length() - 1) : mount.getKey();
            Pattern at = Pattern.compile("(?<=^|[\\s=:'\"])" + Pattern.quote(mountPath) + "(?=$|[/\\s'\";:,])");
            result = at.matcher(result).replaceAll(Matcher.quoteReplacement(mount.getValue().toString()));
        }
        return result;
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PodVolumesTest {

    @TempDir
    Path podDir;

    @TempDir
    Path claims;

    private final NamespaceData data = new NamespaceData() {
        @Override
        public Map<String, String> secret(String name) {
            return "creds".equals(name) ? Map.of("password", "s3cret") : null;
        }

        @Override
        public Map<String, String> configMap(String name) {
            return "sql".equals(name) ? Map.of("V1__init.sql", "create table t(id int);", "V2__more.sql", "select 1;") : null;
        }
    };

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata().withNewSpec()
                .addNewVolume().withName("sql").withNewConfigMap().withName("sql").addNewItem().withKey("V1__init.sql")
                .withPath("nested/V1__init.sql").endItem().endConfigMap().endVolume()
                .addNewVolume().withName("all-sql").withNewConfigMap().withName("sql").endConfigMap().endVolume()
                .addNewVolume().withName("creds").withNewSecret().withSecretName("creds").endSecret().endVolume()
                .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("c").withImage("x/y:1")
                .addNewVolumeMount().withName("all-sql").withMountPath("/flyway").endVolumeMount()
                .addNewVolumeMount().withName("sql").withMountPath("/flyway/sql").endVolumeMount()
                .addNewVolumeMount().withName("creds").withMountPath("/etc/creds").withSubPath("password").endVolumeMount()
                .addNewVolumeMount().withName("scratch").withMountPath("/scratch/").endVolumeMount()
                .endContainer().endSpec().build();
    }

    @Test
    void volumesAreWrittenAsFilesAndMountsAreListedLongestPathFirst() throws Exception {
        Pod pod = pod();

        Map<String, Path> mounts = PodVolumes.materialize(pod, pod.getSpec().getContainers().get(0), podDir, claims, data);

        Path volumes = podDir.resolve("volumes");
        assertThat(Files.readString(volumes.resolve("sql/nested/V1__init.sql"))).isEqualTo("create table t(id int);");
        assertThat(volumes.resolve("sql/V2__more.sql")).doesNotExist();
        assertThat(Files.readString(volumes.resolve("all-sql/V2__more.sql"))).isEqualTo("select 1;");
        assertThat(Files.readString(volumes.resolve("creds/password"))).isEqualTo("s3cret");
        assertThat(volumes.resolve("scratch")).isDirectory();
        assertThat(mounts.keySet()).containsExactly("/flyway/sql", "/etc/creds", "/scratch/", "/flyway");
        assertThat(mounts.get("/etc/creds")).isEqualTo(volumes.resolve("creds/password"));
    }

    @Test
    void aMissingSecretOrConfigMapGivesAnEmptyVolume() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata().withNewSpec()
                .addNewVolume().withName("gone").withNewSecret().withSecretName("absent").endSecret().endVolume()
                .addNewContainer().withName("c").endContainer().endSpec().build();

        PodVolumes.materialize(pod, pod.getSpec().getContainers().get(0), podDir, claims, data);

        try (var files = Files.list(podDir.resolve("volumes/gone"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aClaimsFilesOutliveThePodThatWroteThemAndAreSharedByTheNextOne() throws Exception {
        Pod first = claimPod("backup-1");
        Map<String, Path> mounts = PodVolumes.materialize(first, first.getSpec().getContainers().get(0), podDir, claims, data);
        Files.writeString(mounts.get("/backup").resolve("shop.dump"), "dump");
        Pod second = claimPod("backup-2");
        Map<String, Path> again = PodVolumes.materialize(second, second.getSpec().getContainers().get(0),
                podDir.resolveSibling("backup-2"), claims, data);

        assertThat(again.get("/backup")).isEqualTo(PodVolumes.claimDirectory(claims, "shop", "shop-backups"))
                .isNotEqualTo(podDir.resolve("volumes/backups"));
        assertThat(Files.readString(again.get("/backup").resolve("shop.dump"))).isEqualTo("dump");
        assertThat(PodVolumes.claimDirectory(claims, "shop-staging", "shop-backups")).doesNotExist();
    }

    private static Pod claimPod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").endMetadata().withNewSpec()
                .addNewVolume().withName("backups").withNewPersistentVolumeClaim().withClaimName("shop-backups")
                .endPersistentVolumeClaim().endVolume()
                .addNewContainer().withName("c").addNewVolumeMount().withName("backups").withMountPath("/backup")
                .endVolumeMount().endContainer().endSpec().build();
    }

    @Test
    void mountPathsAreRewrittenWhereAPathCanStart() {
        Map<String, Path> mounts = new LinkedHashMap<>();
        mounts.put("/flyway/sql", Path.of("/host/sql"));
        mounts.put("/scratch/", Path.of("/host/scratch"));

        assertThat(PodVolumes.rewrite("/flyway/sql", mounts)).isEqualTo("/host/sql");
        assertThat(PodVolumes.rewrite("/flyway/sql/V1.sql", mounts)).isEqualTo("/host/sql/V1.sql");
        assertThat(PodVolumes.rewrite("cat /flyway/sql/V1.sql; ls '/scratch'", mounts)).isEqualTo("cat /host/sql/V1.sql; ls '/host/scratch'");
        assertThat(PodVolumes.rewrite("-locations=filesystem:/flyway/sql,x", mounts)).isEqualTo("-locations=filesystem:/host/sql,x");
        assertThat(PodVolumes.rewrite("/flyway/sqlite", mounts)).isEqualTo("/flyway/sqlite");
        assertThat(PodVolumes.rewrite("x/flyway/sql", mounts)).isEqualTo("x/flyway/sql");
    }
}

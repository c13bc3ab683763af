package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerEnvironmentTest {

    private final Map<String, Map<String, String>> secrets = new HashMap<>();
    private final Map<String, Map<String, String>> configMaps = new HashMap<>();
    private final NamespaceData data = new NamespaceData() {
        @Override
        public Map<String, String> secret(String name) {
            return secrets.get(name);
        }

        @Override
        public Map<String, String> configMap(String name) {
            return configMaps.get(name);
        }
    };
    private static final ObjectMeta POD = new ObjectMetaBuilder().withName("migrate-x1").withNamespace("shop").withUid("u-7").build();

    @Test
    void envFromSourcesComeFirstWithTheirPrefixAndEnvEntriesWin() throws Exception {
        secrets.put("db", Map.of("URL", "postgres://db", "USER", "shop"));
        configMaps.put("settings", Map.of("MODE", "strict", "URL", "from-configmap"));
        Container container = new ContainerBuilder()
                .addNewEnvFrom().withNewSecretRef().withName("db").endSecretRef().endEnvFrom()
                .addNewEnvFrom().withPrefix("APP_").withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("USER").withValue("override").endEnv()
                .build();

        Map<String, String> env = ContainerEnvironment.resolve(POD, container, data);

        assertThat(env).containsEntry("URL", "postgres://db").containsEntry("USER", "override")
                .containsEntry("APP_MODE", "strict").containsEntry("APP_URL", "from-configmap");
    }

    @Test
    void valuesReferToEarlierVariablesAndLeaveUnknownReferencesAsWritten() throws Exception {
        Container container = new ContainerBuilder()
                .addNewEnv().withName("HOST").withValue("db").endEnv()
                .addNewEnv().withName("URL").withValue("postgres://$(HOST)/$(LATER)/$(NOPE)").endEnv()
                .addNewEnv().withName("LATER").withValue("x").endEnv()
                .build();

        Map<String, String> env = ContainerEnvironment.resolve(POD, container, data);

        assertThat(env.get("URL")).isEqualTo("postgres://db/$(LATER)/$(NOPE)");
        assertThat(ContainerEnvironment.expand("echo $(HOST) $(URL)", env)).isEqualTo("echo db postgres://db/$(LATER)/$(NOPE)");
    }

    @Test
    void keyReferencesAndPodFieldsAreResolved() throws Exception {
        secrets.put("db", Map.of("password", "s3cret"));
        configMaps.put("settings", Map.of("mode", "strict"));
        Container container = new ContainerBuilder()
                .addNewEnv().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef().withName("db").withKey("password")
                .endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef().withName("settings").withKey("mode")
                .endConfigMapKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("UID").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.uid").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef()
                .endValueFrom().endEnv()
                .build();

        assertThat(ContainerEnvironment.resolve(POD, container, data)).containsEntry("PASSWORD", "s3cret")
                .containsEntry("MODE", "strict").containsEntry("POD", "migrate-x1").containsEntry("NS", "shop")
                .containsEntry("UID", "u-7").containsEntry("IP", "127.0.0.1").containsEntry("NODE", "sandbox");
    }

    @Test
    void aMissingSecretConfigMapOrKeyIsTheKubeletsConfigError() {
        secrets.put("db", Map.of("password", "s3cret"));
        assertThatThrownBy(() -> ContainerEnvironment.resolve(POD, new ContainerBuilder()
                .addNewEnvFrom().withNewSecretRef().withName("absent").endSecretRef().endEnvFrom().build(), data))
                .isInstanceOf(ContainerConfigError.class).hasMessage("secret \"absent\" not found");
        assertThatThrownBy(() -> ContainerEnvironment.resolve(POD, new ContainerBuilder()
                .addNewEnvFrom().withNewConfigMapRef().withName("absent").endConfigMapRef().endEnvFrom().build(), data))
                .isInstanceOf(ContainerConfigError.class).hasMessage("configmap \"absent\" not found");
        assertThatThrownBy(() -> ContainerEnvironment.resolve(POD, new ContainerBuilder()
                .addNewEnv().withName("URL").withNewValueFrom().withNewSecretKeyRef().withName("db").withKey("url")
                .endSecretKeyRef().endValueFrom().endEnv().build(), data))
                .isInstanceOf(ContainerConfigError.class).hasMessage("couldn't find key url in Secret shop/db");
        configMaps.put("settings", Map.of());
        assertThatThrownBy(() -> ContainerEnvironment.resolve(POD, new ContainerBuilder()
                .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef().withName("settings").withKey("mode")
                .endConfigMapKeyRef().endValueFrom().endEnv().build(), data))
                .isInstanceOf(ContainerConfigError.class).hasMessage("couldn't find key mode in ConfigMap shop/settings");
    }

    @Test
    void optionalSourcesAndKeysThatAreMissingAreLeftOut() throws Exception {
        Container container = new ContainerBuilder()
                .addNewEnvFrom().withNewSecretRef().withName("absent").withOptional(true).endSecretRef().endEnvFrom()
                .addNewEnv().withName("KEY").withNewValueFrom().withNewSecretKeyRef().withName("absent").withKey("k")
                .withOptional(true).endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("EMPTY").endEnv()
                .build();

        assertThat(ContainerEnvironment.resolve(POD, container, data)).containsOnlyKeys("EMPTY").containsEntry("EMPTY", "");
    }
}

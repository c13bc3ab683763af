package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PodPortsTest {

    private static Container web() {
        return new ContainerBuilder().withName("web")
                .addNewPort().withName("http").withContainerPort(8000).endPort()
                .addNewPort().withName("dns").withContainerPort(53).withProtocol("UDP").endPort()
                .addNewPort().withName("metrics").withContainerPort(9090).endPort()
                .withNewLivenessProbe().withNewHttpGet().withPort(new IntOrString(8081)).endHttpGet().endLivenessProbe()
                .withNewReadinessProbe().withNewHttpGet().withPort(new IntOrString("http")).endHttpGet().endReadinessProbe()
                .build();
    }

    @Test
    void everyDeclaredTcpPortAndEveryProbedNumberGetsAFreeLoopbackPortOfItsOwn() {
        List<PodPorts> pods = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                pods.add(PodPorts.allocate(web()));
            }
            PodPorts first = pods.get(0);
            assertThat(first.hostPorts()).containsOnlyKeys(8000, 9090, 8081);
            assertThat(pods.stream().flatMap(p -> p.hostPorts().values().stream()))
                    .as("no two Pods share a host port").doesNotHaveDuplicates();
        } finally {
            pods.forEach(PodPorts::release);
        }
    }

    @Test
    void theProcessLearnsItsPortsFromItsEnvironment() {
        PodPorts ports = new PodPorts(Map.of(8000, 41000));
        PodPorts two = new PodPorts(linked(8000, 41000, 9090, 41001));

        assertThat(ports.environment()).containsExactlyEntriesOf(linkedStrings("PORT", "41000", "PORT_8000", "41000"));
        assertThat(two.environment()).containsExactlyEntriesOf(
                linkedStrings("PORT", "41000", "PORT_8000", "41000", "PORT_9090", "41001"));
        assertThat(PodPorts.none().environment()).isEmpty();
    }

    @Test
    void theMappingRoundTripsThroughThePodsAnnotationAndResolvesNamedPorts() {
        PodPorts ports = new PodPorts(linked(8000, 41000, 9090, 41001));
        Pod pod = new PodBuilder().withNewMetadata().withName("web-1")
                .addToAnnotations(PodPorts.ANNOTATION, ports.annotation()).endMetadata().build();

        PodPorts read = PodPorts.of(pod);

        assertThat(ports.annotation()).isEqualTo("8000=41000,9090=41001");
        assertThat(read).isEqualTo(ports);
        assertThat(read.resolve(new IntOrString("metrics"), web())).isEqualTo(41001);
        assertThat(read.resolve(new IntOrString(8000), web())).isEqualTo(41000);
        assertThat(read.resolve(new IntOrString("grpc"), web())).isNull();
        assertThat(read.resolve(new IntOrString(8081), web())).isNull();
    }

    @Test
    void aPodWithoutOrWithAnUnreadableAnnotationHasNoPorts() {
        Pod bare = new PodBuilder().withNewMetadata().withName("web-1").endMetadata().build();
        Pod garbled = new PodBuilder().withNewMetadata().withName("web-1")
                .addToAnnotations(PodPorts.ANNOTATION, "8000=x,9090=41001,oops").endMetadata().build();

        assertThat(PodPorts.of(bare).hostPorts()).isEmpty();
        assertThat(PodPorts.of(garbled).hostPorts()).containsExactly(Map.entry(9090, 41001));
    }

    private static Map<Integer, Integer> linked(int... pairs) {
        Map<Integer, Integer> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static Map<String, String> linkedStrings(String... pairs) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}

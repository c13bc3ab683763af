package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The slices the endpoint-slice controller wants for a Service, from its Pods. */
class EndpointSliceControllerTest {

    private static Service service(boolean publishNotReady, IntOrString target) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").withUid("svc-1").endMetadata()
                .withNewSpec().addToSelector("app", "web").withPublishNotReadyAddresses(publishNotReady)
                .addNewPort().withName("http").withPort(80).withTargetPort(target).endPort()
                .addNewPort().withName("metrics").withPort(9090).endPort()
                .endSpec().build();
    }

    /** A Pod of app web (unless {@code app} says otherwise) with port 8000 "http" mapped to {@code hostPort}. */
    private static PodBuilder pod(String name, String app, int hostPort, boolean ready) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").withUid("uid-" + name)
                .addToLabels("app", app).addToAnnotations(PodPorts.ANNOTATION, "8000=" + hostPort).endMetadata()
                .withNewSpec().addNewContainer().withName("web").addNewPort().withName("http").withContainerPort(8000)
                .endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus();
    }

    private static String conditions(Endpoint e) {
        return e.getTargetRef().getName() + " ready=" + e.getConditions().getReady() + " serving="
                + e.getConditions().getServing() + " terminating=" + e.getConditions().getTerminating();
    }

    @Test
    void eachPodIsAnEndpointWithTheRealConditionsOnTheHostPortItsTargetPortIsMappedTo() {
        List<Pod> pods = List.of(
                pod("web-a", "web", 41001, true).build(),
                pod("web-b", "web", 41002, false).build(),
                pod("web-c", "web", 41003, true).editMetadata().withDeletionTimestamp("2026-12-01T10:00:00Z").endMetadata().build(),
                pod("other", "api", 41004, true).build(),
                pod("web-pending", "web", 41005, false).editStatus().withPodIP(null).withPhase("Pending").endStatus().build(),
                pod("web-done", "web", 41006, true).editStatus().withPhase("Succeeded").endStatus().build(),
                pod("web-placeholder", "web", 0, true).editMetadata().withAnnotations(null).endMetadata().build());

        List<EndpointSlice> slices = EndpointSliceController.desired(service(false, new IntOrString("http")), pods);

        assertThat(slices).hasSize(3);
        assertThat(slices.stream().flatMap(s -> s.getEndpoints().stream()).map(EndpointSliceControllerTest::conditions))
                .containsExactly("web-a ready=true serving=true terminating=false",
                        "web-b ready=false serving=false terminating=false",
                        "web-c ready=false serving=true terminating=true");
        EndpointSlice first = slices.get(0);
        assertThat(first.getMetadata().getName()).matches("web-[a-z0-9]{5}");
        assertThat(first.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web")
                .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        assertThat(first.getAddressType()).isEqualTo("IPv4");
        assertThat(first.getEndpoints().get(0).getAddresses()).containsExactly("127.0.0.1");
        assertThat(first.getEndpoints().get(0).getTargetRef().getUid()).isEqualTo("uid-web-a");
        // "metrics" (9090) is not a port of the Pods: only "http" resolves
        assertThat(first.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(41001);
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
    }

    @Test
    void aNumericTargetPortResolvesToo() {
        List<EndpointSlice> slices = EndpointSliceController.desired(service(false, new IntOrString(8000)),
                List.of(pod("web-a", "web", 41001, true).build()));

        assertThat(slices).singleElement().satisfies(s -> assertThat(s.getPorts().get(0).getPort()).isEqualTo(41001));
    }

    @Test
    void publishNotReadyAddressesMakesEveryPodServingAndReadyUnlessTerminating() {
        List<EndpointSlice> slices = EndpointSliceController.desired(service(true, new IntOrString("http")),
                List.of(pod("web-b", "web", 41002, false).build(),
                        pod("web-c", "web", 41003, false).editMetadata().withDeletionTimestamp("2026-12-01T10:00:00Z")
                                .endMetadata().build()));

        assertThat(slices.stream().flatMap(s -> s.getEndpoints().stream()).map(EndpointSliceControllerTest::conditions))
                .containsExactly("web-b ready=true serving=true terminating=false",
                        "web-c ready=false serving=true terminating=true");
    }

    @Test
    void aServiceWithoutSelectorOrOfTypeExternalNameHasNoSlices() {
        Service noSelector = new ServiceBuilder(service(false, new IntOrString("http"))).editSpec().withSelector(null).endSpec()
                .build();
        Service external = new ServiceBuilder(service(false, new IntOrString("http"))).editSpec().withType("ExternalName")
                .endSpec().build();
        List<Pod> pods = List.of(pod("web-a", "web", 41001, true).build());

        assertThat(EndpointSliceController.desired(noSelector, pods)).isEmpty();
        assertThat(EndpointSliceController.desired(external, pods)).isEmpty();
    }
}

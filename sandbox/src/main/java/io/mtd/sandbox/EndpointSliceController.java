package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The endpoint-slice controller: for every Service with a selector, the Pods it selects (those with an IP that have not
 * ended) as EndpointSlices labelled {@value #SERVICE_NAME}, one slice per set of resolved ports, as the real controller
 * groups them. Each endpoint's conditions are the real ones: {@code serving} when the Pod is Ready, {@code terminating}
 * when it is being deleted, and {@code ready} when serving and not terminating ({@code publishNotReadyAddresses} makes
 * every Pod ready and serving). A Service's {@code targetPort} (a number, or the name of a container port; the Service's
 * {@code port} when absent) resolves to the host port the kubelet mapped it to ({@link PodPorts}); a Pod on which no
 * port of the Service resolves (a placeholder, which listens on nothing) is left out.
 *
 * <p>It also tells the kubelet when a deleted Pod's termination is published ({@link #terminationPublished}): after
 * the pass that wrote the Pod as terminating into every slice that holds it, with the Services those are.
 */
final class EndpointSliceController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EndpointSliceController.class.getName());
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String CONTROLLER = "endpointslice-controller.k8s.io";
    private static final long RETRY_MS = 200;

    private final KubernetesClient client;
    private final SharedIndexInformer<Pod> pods;
    private final ReconcileLoop loop = new ReconcileLoop("sandbox-endpointslice-controller", this::reconcileAll, false);
    /** What this controller last wrote per slice (namespace/name), ahead of its cache. */
    private final Map<String, EndpointSlice> written = new HashMap<>();
    /** Per deleted Pod (uid): the Services whose slices show it terminating, once written. */
    private final Map<String, CompletableFuture<Set<String>>> published = new ConcurrentHashMap<>();
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<EndpointSlice> slices;

    EndpointSliceController(KubernetesClient client, SharedIndexInformer<Pod> pods) {
        this.client = client;
        this.pods = pods;
    }

    void start() {
        services = client.services().inAnyNamespace().inform(loop.pokeOnChange(), 0);
        slices = client.discovery().v1().endpointSlices().inAnyNamespace().withLabel(MANAGED_BY, CONTROLLER)
                .inform(loop.<EndpointSlice>pokeOnChange(slice -> {
                    // deleted by anyone: what this controller wrote is no longer there, so the next pass writes it again
                    written.remove(key(slice.getMetadata().getNamespace(), slice.getMetadata().getName()));
                }), 0);
        pods.addEventHandler(loop.<Pod>pokeOnChange());
        loop.start();
    }

    /**
     * Completes with the Services ({@code namespace/name}) whose slices show the deleted {@code pod} as terminating,
     * once they were written (none when no Service selects it).
     */
    CompletableFuture<Set<String>> terminationPublished(Pod pod) {
        CompletableFuture<Set<String>> future = published.computeIfAbsent(pod.getMetadata().getUid(),
                uid -> new CompletableFuture<>());
        loop.poke();
        return future;
    }

    /** Stops (or resumes) writing slices, as a controller manager that is down: no Pod leaves or joins a rotation. */
    void pause(boolean pause) {
        loop.pause(pause);
    }

    private void reconcileAll() {
        Map<String, Set<String>> servicesOf = new HashMap<>();
        Set<String> failed = new HashSet<>();
        Set<String> wanted = new HashSet<>();
        List<Pod> allPods = pods.getStore().list();
        for (Service service : services.getStore().list()) {
            String key = key(service.getMetadata().getNamespace(), service.getMetadata().getName());
            List<EndpointSlice> desired = desired(service, allPods);
            for (EndpointSlice slice : desired) {
                wanted.add(key(slice.getMetadata().getNamespace(), slice.getMetadata().getName()));
                for (Endpoint endpoint : slice.getEndpoints()) {
                    servicesOf.computeIfAbsent(endpoint.getTargetRef().getUid(), uid -> new HashSet<>()).add(key);
                }
            }
            try {
                desired.forEach(this::write);
            } catch (KubernetesClientException e) {
                failed.add(key);
                LOG.log(Level.FINE, "could not write the endpoint slices of Service " + key + ", retrying", e);
            }
        }
        try {
            removeUnwanted(wanted);
        } catch (KubernetesClientException e) {
            failed.add("");
            LOG.log(Level.FINE, "could not delete endpoint slices, retrying", e);
        }
        acknowledge(allPods, servicesOf, failed);
        if (!failed.isEmpty()) {
            loop.pokeAt(Instant.now().plusMillis(RETRY_MS));
        }
    }

    /** Completes the termination of every deleted Pod whose slices were all written in this pass. */
    private void acknowledge(List<Pod> allPods, Map<String, Set<String>> servicesOf, Set<String> failed) {
        Set<String> present = new HashSet<>();
        for (Pod pod : allPods) {
            String uid = pod.getMetadata().getUid();
            present.add(uid);
            if (!PodAvailability.isTerminating(pod)) {
                continue;
            }
            Set<String> in = servicesOf.getOrDefault(uid, Set.of());
            if (in.stream().noneMatch(failed::contains)) {
                published.computeIfAbsent(uid, k -> new CompletableFuture<>()).complete(Set.copyOf(in));
            }
        }
        // a Pod gone from the cache is no longer waited for
        published.entrySet().removeIf(e -> {
            if (present.contains(e.getKey())) {
                return false;
            }
            e.getValue().complete(Set.of());
            return true;
        });
    }

    /** The slices {@code service} should have now; none for a Service without selector. */
    static List<EndpointSlice> desired(Service service, List<Pod> allPods) {
        Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
        if (selector == null || selector.isEmpty() || "ExternalName".equals(service.getSpec().getType())) {
            return List.of();
        }
        String namespace = service.getMetadata().getNamespace();
        boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        Map<List<EndpointPort>, List<Endpoint>> groups = new LinkedHashMap<>();
        List<Pod> selected = allPods.stream()
                .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
                .filter(p -> matches(selector, p.getMetadata().getLabels()))
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null && PodAvailability.isActive(p))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        for (Pod pod : selected) {
            List<EndpointPort> ports = ports(service, pod);
            if (ports.isEmpty()) {
                continue;
            }
            boolean serving = publishNotReady || PodAvailability.isReady(pod);
            boolean terminating = PodAvailability.isTerminating(pod);
            groups.computeIfAbsent(ports, k -> new ArrayList<>()).add(new EndpointBuilder()
                    .withAddresses(pod.getStatus().getPodIP())
                    .withNewConditions().withReady(serving && !terminating).withServing(serving).withTerminating(terminating)
                    .endConditions()
                    .withNewTargetRef().withKind("Pod").withNamespace(namespace).withName(pod.getMetadata().getName())
                    .withUid(pod.getMetadata().getUid()).endTargetRef()
                    .withNodeName("sandbox")
                    .build());
        }
        List<EndpointSlice> slices = new ArrayList<>();
        groups.forEach((ports, endpoints) -> slices.add(new EndpointSliceBuilder()
                .withNewMetadata().withName(service.getMetadata().getName() + "-" + hash(ports)).withNamespace(namespace)
                .addToLabels(SERVICE_NAME, service.getMetadata().getName()).addToLabels(MANAGED_BY, CONTROLLER)
                .withOwnerReferences(new OwnerReference("v1", true, true, "Service", service.getMetadata().getName(),
                        service.getMetadata().getUid()))
                .endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints).withPorts(ports)
                .build()));
        return slices;
    }

    /** The Service's TCP ports resolved on {@code pod}: each as the host port its target port is mapped to. */
    private static List<EndpointPort> ports(Service service, Pod pod) {
        List<EndpointPort> ports = new ArrayList<>();
        if (service.getSpec().getPorts() == null) {
            return ports;
        }
        PodPorts mapped = PodPorts.of(pod);
        Container container = pod.getSpec().getContainers().get(0);
        for (ServicePort port : service.getSpec().getPorts()) {
            if (port.getProtocol() != null && !"TCP".equals(port.getProtocol())) {
                continue;
            }
            IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
            Integer host = mapped.resolve(target, container);
            if (host != null) {
                ports.add(new EndpointPortBuilder().withName(port.getName() == null ? "" : port.getName()).withPort(host)
                        .withProtocol("TCP").withAppProtocol(port.getAppProtocol()).build());
            }
        }
        return ports;
    }

    private void write(EndpointSlice slice) {
        String key = key(slice.getMetadata().getNamespace(), slice.getMetadata().getName());
        EndpointSlice current = newer(written.get(key), slices.getStore().getByKey(key));
        if (current != null && sameContent(current, slice)) {
            return;
        }
        var resource = client.discovery().v1().endpointSlices().inNamespace(slice.getMetadata().getNamespace()).resource(slice);
        EndpointSlice stored;
        if (current == null) {
            try {
                stored = resource.create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                stored = resource.update();
            }
        } else {
            stored = resource.update();
        }
        written.put(key, stored);
    }

    /** Deletes the slices this controller manages that no Service wants any more. */
    private void removeUnwanted(Set<String> wanted) {
        Set<String> known = new HashSet<>(written.keySet());
        slices.getStore().list().forEach(s -> known.add(key(s.getMetadata().getNamespace(), s.getMetadata().getName())));
        for (String key : known) {
            if (wanted.contains(key)) {
                continue;
            }
            String[] parts = key.split("/", 2);
            client.discovery().v1().endpointSlices().inNamespace(parts[0]).withName(parts[1]).delete();
            written.remove(key);
        }
    }

    /** The later of what this controller wrote and what its cache shows, by resourceVersion. */
    private static EndpointSlice newer(EndpointSlice written, EndpointSlice cached) {
        if (written == null || cached == null) {
            return written == null ? cached : written;
        }
        return resourceVersion(cached) > resourceVersion(written) ? cached : written;
    }

    static long resourceVersion(EndpointSlice slice) {
        try {
            return Long.parseLong(slice.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static boolean sameContent(EndpointSlice a, EndpointSlice b) {
        return Objects.equals(a.getEndpoints(), b.getEndpoints()) && Objects.equals(a.getPorts(), b.getPorts())
                && Objects.equals(a.getAddressType(), b.getAddressType())
                && Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels());
    }

    private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return labels != null && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static String hash(List<EndpointPort> ports) {
        StringBuilder text = new StringBuilder();
        ports.forEach(p -> text.append(p.getName()).append(':').append(p.getPort()).append(','));
        return DeploymentController.safeHash(text.toString(), 5);
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public void close() {
        loop.close();
        if (services != null) {
            services.close();
        }
        if (slices != null) {
            slices.close();
        }
        published.values().forEach(f -> f.complete(Set.of()));
    }
}

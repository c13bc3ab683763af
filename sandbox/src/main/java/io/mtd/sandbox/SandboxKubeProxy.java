package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The sandbox's kube-proxy: every Service with a cluster IP (not headless, not ExternalName) is proxied port by port
 * ({@link ServiceProxy}) on 127.0.0.1, to the endpoints its EndpointSlices mark ready, as kube-proxy reads them (a
 * terminating endpoint is never ready; kube-proxy's fallback to serving terminating endpoints when none is ready is not
 * made). Where each port is proxied is written on the Service: {@value #ADDRESS} for its first port
 * ({@code 127.0.0.1:PORT}) and {@value #ADDRESSES} for all ({@code http=127.0.0.1:41000,metrics=127.0.0.1:41001}, by
 * port name, or number when unnamed); the address stays the same for as long as the Service exists.
 *
 * <p>It also tells the kubelet when a deleted Pod is out of rotation ({@link #outOfRotation}): once it has seen the Pod
 * terminating in the slices of every Service the endpoint-slice controller published it in, no new connection goes to
 * it.
 */
final class SandboxKubeProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SandboxKubeProxy.class.getName());
    static final String ADDRESS = "sandbox.mtd.io/address";
    static final String ADDRESSES = "sandbox.mtd.io/addresses";

    private final KubernetesClient client;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    private final NetClient connector = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000)
            .setTcpNoDelay(true));
    /** Every change of state happens on this one thread. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(SandboxKubelet.daemon("sandbox-kube-proxy"));
    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, Map<String, EndpointSlice>> slices = new HashMap<>();
    private final Map<String, Map<String, ServiceProxy>> proxies = new ConcurrentHashMap<>();
    /** {@code uid + " " + service}: the Pod was seen terminating in the Service's slices. */
    private final Set<String> terminatingSeen = new HashSet<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final List<Lookup> lookups = new ArrayList<>();
    private SharedIndexInformer<Service> serviceInformer;
    private SharedIndexInformer<EndpointSlice> sliceInformer;

    /** A deleted Pod waiting to be out of the rotation of {@code services}. */
    private record Waiter(String uid, Set<String> services, CompletableFuture<Void> done) {
    }

    /** A caller waiting for where {@code service}'s {@code port} is proxied. */
    private record Lookup(String service, String port, CompletableFuture<InetSocketAddress> address) {
    }

    SandboxKubeProxy(KubernetesClient client) {
        this.client = client;
    }

    void start() {
        serviceInformer = client.services().inAnyNamespace().inform(handler(this::apply, this::remove), 0);
        sliceInformer = client.discovery().v1().endpointSlices().inAnyNamespace().withLabel(EndpointSliceController.SERVICE_NAME)
                .inform(handler(this::apply, this::remove), 0);
    }

    /**
     * Where {@code namespace/name}'s port {@code port} (its name, or its number as text; null: its first port) is
     * proxied, once it is.
     */
    CompletableFuture<InetSocketAddress> address(String namespace, String name, String port) {
        CompletableFuture<InetSocketAddress> address = new CompletableFuture<>();
        run(() -> {
            lookups.add(new Lookup(EndpointSliceController.key(namespace, name), port, address));
            answerLookups();
        });
        return address;
    }

    /**
     * Completes once no new connection to any of {@code services} goes to the Pod {@code uid}: the Pod was seen
     * terminating in each one's slices (or the Service is not proxied).
     */
    CompletableFuture<Void> outOfRotation(String uid, Set<String> services) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        run(() -> {
            waiters.add(new Waiter(uid, services, done));
            answerWaiters();
        });
        return done;
    }

    /** The proxy of {@code service}'s port (for tests), or null. */
    ServiceProxy proxy(String namespace, String name, String port) {
        Map<String, ServiceProxy> ports = proxies.get(EndpointSliceController.key(namespace, name));
        if (ports == null || ports.isEmpty()) {
            return null;
        }
        return port == null ? ports.values().iterator().next() : ports.get(port);
    }

    private void apply(Service service) {
        String key = EndpointSliceController.key(service.getMetadata().getNamespace(), service.getMetadata().getName());
        services.put(key, service);
        List<ServicePort> ports = proxiedPorts(service);
        Map<String, ServiceProxy> current = new LinkedHashMap<>(proxies.getOrDefault(key, Map.of()));
        Map<String, ServiceProxy> next = new LinkedHashMap<>();
        for (ServicePort port : ports) {
            String portKey = portKey(port);
            ServiceProxy proxy = current.remove(portKey);
            next.put(portKey, proxy != null ? proxy : ServiceProxy.open(vertx, connector, key + ":" + portKey));
        }
        current.values().forEach(ServiceProxy::close);
        if (next.isEmpty()) {
            proxies.remove(key);
        } else {
            proxies.put(key, java.util.Collections.unmodifiableMap(next));
        }
        route(key);
        annotate(service, next);
        answerLookups();
        answerWaiters();
    }

    private void remove(Service service) {
        String key = EndpointSliceController.key(service.getMetadata().getNamespace(), service.getMetadata().getName());
        services.remove(key);
        Map<String, ServiceProxy> gone = proxies.remove(key);
        if (gone != null) {
            gone.values().forEach(ServiceProxy::close);
        }
        answerWaiters();
    }

    private void apply(EndpointSlice slice) {
        String key = serviceOf(slice);
        slices.computeIfAbsent(key, k -> new HashMap<>()).put(slice.getMetadata().getName(), slice);
        route(key);
        answerWaiters();
    }

    private void remove(EndpointSlice slice) {
        String key = serviceOf(slice);
        Map<String, EndpointSlice> of = slices.get(key);
        if (of != null) {
            of.remove(slice.getMetadata().getName());
            if (of.isEmpty()) {
                slices.remove(key);
            }
        }
        route(key);
        answerWaiters();
    }

    /** Points each of the Service's proxies at its ready endpoints, and notes the terminating ones. */
    private void route(String key) {
        Map<String, EndpointSlice> of = slices.getOrDefault(key, Map.of());
        Set<String> present = new HashSet<>();
        for (EndpointSlice slice : of.values()) {
            for (Endpoint endpoint : endpoints(slice)) {
                if (endpoint.getTargetRef() == null || endpoint.getTargetRef().getUid() == null) {
                    continue;
                }
                present.add(endpoint.getTargetRef().getUid());
                if (endpoint.getConditions() != null && Boolean.TRUE.equals(endpoint.getConditions().getTerminating())) {
                    terminatingSeen.add(endpoint.getTargetRef().getUid() + " " + key);
                }
            }
        }
        terminatingSeen.removeIf(seen -> seen.endsWith(" " + key) && !present.contains(seen.substring(0, seen.indexOf(' '))));
        Service service = services.get(key);
        Map<String, ServiceProxy> ports = proxies.get(key);
        if (service == null || ports == null) {
            return;
        }
        for (ServicePort port : proxiedPorts(service)) {
            ServiceProxy proxy = ports.get(portKey(port));
            if (proxy == null) {
                continue;
            }
            String name = port.getName() == null ? "" : port.getName();
            List<ServiceProxy.Backend> ready = new ArrayList<>();
            for (EndpointSlice slice : of.values()) {
                EndpointPort endpointPort = slice.getPorts() == null ? null : slice.getPorts().stream()
                        .filter(p -> name.equals(p.getName() == null ? "" : p.getName())).findFirst().orElse(null);
                if (endpointPort == null || endpointPort.getPort() == null) {
                    continue;
                }
                for (Endpoint endpoint : endpoints(slice)) {
                    // an endpoint without conditions is ready, as the API defines it
                    boolean isReady = endpoint.getConditions() == null || endpoint.getConditions().getReady() == null
                            || endpoint.getConditions().getReady();
                    if (isReady && endpoint.getAddresses() != null && !endpoint.getAddresses().isEmpty()) {
                        ready.add(new ServiceProxy.Backend(endpoint.getAddresses().get(0), endpointPort.getPort(),
                                endpoint.getTargetRef() == null ? "" : endpoint.getTargetRef().getName(),
                                endpoint.getTargetRef() == null ? "" : endpoint.getTargetRef().getUid()));
                    }
                }
            }
            ready.sort(java.util.Comparator.comparing(ServiceProxy.Backend::pod));
            proxy.route(ready);
        }
    }

    private void answerWaiters() {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            boolean out = waiter.services().stream().allMatch(service -> !proxies.containsKey(service)
                    || terminatingSeen.contains(waiter.uid() + " " + service));
            if (out) {
                it.remove();
                waiter.done().complete(null);
            }
        }
    }

    private void answerLookups() {
        for (Iterator<Lookup> it = lookups.iterator(); it.hasNext(); ) {
            Lookup lookup = it.next();
            Map<String, ServiceProxy> ports = proxies.get(lookup.service());
            if (ports == null || ports.isEmpty()) {
                continue;
            }
            ServiceProxy proxy = lookup.port() == null ? ports.values().iterator().next() : ports.get(lookup.port());
            if (proxy != null) {
                it.remove();
                lookup.address().complete(proxy.address());
            }
        }
    }

    /** Writes where the Service is proxied on it, when it does not say so yet. */
    private void annotate(Service service, Map<String, ServiceProxy> ports) {
        if (ports.isEmpty()) {
            return;
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        wanted.put(ADDRESS, text(ports.values().iterator().next().address()));
        wanted.put(ADDRESSES, ports.entrySet().stream().map(e -> e.getKey() + "=" + text(e.getValue().address()))
                .collect(Collectors.joining(",")));
        Map<String, String> present = service.getMetadata().getAnnotations() == null ? Map.of()
                : service.getMetadata().getAnnotations();
        if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(present.get(e.getKey())))) {
            return;
        }
        try {
            client.services().inNamespace(service.getMetadata().getNamespace()).withName(service.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE),
                            Serialization.asJson(Map.of("metadata", Map.of("annotations", wanted))));
        } catch (KubernetesClientException e) {
            // gone meanwhile, or the API server failed: the next event of the Service tries again
            LOG.log(Level.FINE, "could not write the proxied address on Service " + service.getMetadata().getName(), e);
        }
    }

    /** The Service's TCP ports, when it is proxied at all (a cluster IP: not headless, not ExternalName). */
    private static List<ServicePort> proxiedPorts(Service service) {
        if (service.getSpec() == null || service.getSpec().getPorts() == null
                || "ExternalName".equals(service.getSpec().getType()) || "None".equals(service.getSpec().getClusterIP())) {
            return List.of();
        }
        return service.getSpec().getPorts().stream().filter(p -> p.getProtocol() == null || "TCP".equals(p.getProtocol()))
                .toList();
    }

    private static String portKey(ServicePort port) {
        return port.getName() != null && !port.getName().isEmpty() ? port.getName() : String.valueOf(port.getPort());
    }

    private static String serviceOf(EndpointSlice slice) {
        return EndpointSliceController.key(slice.getMetadata().getNamespace(),
                slice.getMetadata().getLabels().get(EndpointSliceController.SERVICE_NAME));
    }

    private static List<Endpoint> endpoints(EndpointSlice slice) {
        return slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
    }

    private static String text(InetSocketAddress address) {
        return "127.0.0.1:" + address.getPort();
    }

    private <T> ResourceEventHandler<T> handler(Consumer<T> apply, Consumer<T> remove) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                run(() -> apply.accept(object));
            }

            @Override
            public void onUpdate(T before, T object) {
                run(() -> apply.accept(object));
            }

            @Override
            public void onDelete(T object, boolean unknown) {
                run(() -> remove.accept(object));
            }
        };
    }

    private void run(Runnable change) {
        try {
            thread.execute(() -> {
                try {
                    change.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "the sandbox's kube-proxy failed to apply a change", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** The rotation a deleted Pod must leave before its container is stopped: see {@link #outOfRotation}. */
    static CompletableFuture<Void> outOfRotation(EndpointSliceController slices, SandboxKubeProxy proxy, Pod pod) {
        return slices.terminationPublished(pod).thenCompose(services -> proxy.outOfRotation(pod.getMetadata().getUid(), services));
    }

    @Override
    public void close() {
        if (serviceInformer != null) {
            serviceInformer.close();
        }
        if (sliceInformer != null) {
            sliceInformer.close();
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        waiters.forEach(w -> w.done().complete(null));
        lookups.forEach(l -> l.address().completeExceptionally(new IllegalStateException("the sandbox was closed")));
        proxies.values().forEach(ports -> ports.values().forEach(p -> {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing a Service proxy failed", e);
            }
        }));
        connector.close();
        vertx.close();
    }
}

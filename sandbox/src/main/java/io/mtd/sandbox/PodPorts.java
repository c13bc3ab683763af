package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Pod's network on the sandbox node, which has no network namespaces: every Pod's IP is 127.0.0.1, so each TCP port
 * its container declares ({@code ports[].containerPort}) or probes by number is mapped to a free 127.0.0.1 port of its
 * own, the same for every restart of the container. The process learns its ports from its environment ({@link #ENV}
 * for the first, {@code PORT_<containerPort>} for each), and everyone else from the Pod's {@value #ANNOTATION}
 * annotation, which the kubelet writes before the Pod gets its IP: {@code "8000=41234,9090=41235"}.
 */
record PodPorts(Map<Integer, Integer> hostPorts) {

    /** The Pod annotation with the mapping, {@code containerPort=hostPort} pairs separated by commas. */
    static final String ANNOTATION = "sandbox.mtd.io/ports";
    /** The variable that holds the host port of the container's first port. */
    static final String ENV = "PORT";
    /** Host ports handed out to Pods that still run, so that two Pods never get the same one. */
    private static final Set<Integer> IN_USE = Collections.synchronizedSet(new HashSet<>());

    PodPorts {
        hostPorts = Collections.unmodifiableMap(new LinkedHashMap<>(hostPorts));
    }

    /** No ports at all: a Pod that declares none, or one whose kubelet has not mapped them yet. */
    static PodPorts none() {
        return new PodPorts(Map.of());
    }

    /**
     * Maps every TCP port {@code container} declares, then every numeric port its probes name that it does not declare,
     * to free 127.0.0.1 ports.
     */
    static PodPorts allocate(Container container) {
        List<Integer> wanted = new ArrayList<>();
        if (container.getPorts() != null) {
            for (ContainerPort port : container.getPorts()) {
                if (port.getContainerPort() != null && (port.getProtocol() == null || "TCP".equals(port.getProtocol()))
                        && !wanted.contains(port.getContainerPort())) {
                    wanted.add(port.getContainerPort());
                }
            }
        }
        for (Probe probe : probes(container)) {
            IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort()
                    : probe.getTcpSocket() != null ? probe.getTcpSocket().getPort() : null;
            if (port != null && port.getIntVal() != null && !wanted.contains(port.getIntVal())) {
                wanted.add(port.getIntVal());
            }
        }
        Map<Integer, Integer> mapped = new LinkedHashMap<>();
        for (int containerPort : wanted) {
            mapped.put(containerPort, freePort());
        }
        return new PodPorts(mapped);
    }

    /** The mapping the kubelet wrote on {@code pod}, or {@link #none()}. */
    static PodPorts of(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(ANNOTATION);
        if (value == null || value.isBlank()) {
            return none();
        }
        Map<Integer, Integer> mapped = new LinkedHashMap<>();
        for (String pair : value.split(",")) {
            String[] kv = pair.trim().split("=", 2);
            try {
                mapped.put(Integer.parseInt(kv[0].trim()), Integer.parseInt(kv[1].trim()));
            } catch (RuntimeException e) {
                // an annotation someone else wrote: a pair that cannot be read maps nothing
            }
        }
        return new PodPorts(mapped);
    }

    /** The annotation's value for this mapping. */
    String annotation() {
        return hostPorts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** The host port of {@code containerPort}, or null when it is not mapped. */
    Integer hostPort(int containerPort) {
        return hostPorts.get(containerPort);
    }

    /**
     * The host port of a port as a probe or a Service's targetPort names it: a number, or the name of one of
     * {@code container}'s ports; null when it is not mapped.
     */
    Integer resolve(IntOrString port, Container container) {
        if (port == null) {
            return null;
        }
        if (port.getIntVal() != null) {
            return hostPort(port.getIntVal());
        }
        Integer number = containerPort(port.getStrVal(), container);
        return number == null ? null : hostPort(number);
    }

    /** The number of {@code container}'s port called {@code name}, or null. */
    static Integer containerPort(String name, Container container) {
        if (name == null || container.getPorts() == null) {
            return null;
        }
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElse(null);
    }

    /** What the container's process is told: {@code PORT} (the first port) and {@code PORT_<containerPort>} for each. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        hostPorts.values().stream().findFirst().ifPresent(first -> env.put(ENV, String.valueOf(first)));
        hostPorts.forEach((container, host) -> env.put(ENV + "_" + container, String.valueOf(host)));
        return env;
    }

    /** Gives this mapping's host ports back, once the Pod no longer runs. */
    void release() {
        IN_USE.removeAll(hostPorts.values());
    }

    private static List<Probe> probes(Container container) {
        List<Probe> probes = new ArrayList<>();
        for (Probe probe : new Probe[] {container.getReadinessProbe(), container.getLivenessProbe(), container.getStartupProbe()}) {
            if (probe != null) {
                probes.add(probe);
            }
        }
        return probes;
    }

    private static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("the sandbox kubelet cannot find a free port on 127.0.0.1", e);
            }
            if (IN_USE.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("the sandbox kubelet found no free port on 127.0.0.1 that no Pod holds");
    }
}

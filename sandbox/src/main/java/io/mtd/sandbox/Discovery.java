package io.mtd.sandbox;

import io.fabric8.mockwebserver.http.MockResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The API discovery documents ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>/<version>}) for the
 * built-in kinds the sandbox serves, which kubectl reads before anything else and the CRUD mock does not answer.
 */
final class Discovery {

    private static final String ALL_VERBS = "[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\","
            + "\"update\",\"watch\"]";

    /** One resource of a group version: plural name, kind, namespaced or not, short names, subresources. */
    private record Resource(String name, String singular, String kind, boolean namespaced, List<String> shortNames,
            List<String> subresources) {
    }

    private static final Map<String, List<Resource>> GROUP_VERSIONS = new LinkedHashMap<>();

    static {
        GROUP_VERSIONS.put("v1", List.of(
                new Resource("pods", "pod", "Pod", true, List.of("po"), List.of("log", "status")),
                new Resource("secrets", "secret", "Secret", true, List.of(), List.of()),
                new Resource("configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of()),
                new Resource("namespaces", "namespace", "Namespace", false, List.of("ns"), List.of("status")),
                new Resource("services", "service", "Service", true, List.of("svc"), List.of("status")),
                new Resource("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of()),
                new Resource("events", "event", "Event", true, List.of("ev"), List.of())));
        GROUP_VERSIONS.put("batch/v1", List.of(
                new Resource("jobs", "job", "Job", true, List.of(), List.of("status")),
                new Resource("cronjobs", "cronjob", "CronJob", true, List.of("cj"), List.of("status"))));
        GROUP_VERSIONS.put("apps/v1", List.of(
                new Resource("deployments", "deployment", "Deployment", true, List.of("deploy"), List.of("status", "scale")),
                new Resource("replicasets", "replicaset", "ReplicaSet", true, List.of("rs"), List.of("status", "scale")),
                new Resource("statefulsets", "statefulset", "StatefulSet", true, List.of("sts"), List.of("status", "scale")),
                new Resource("daemonsets", "daemonset", "DaemonSet", true, List.of("ds"), List.of("status"))));
        GROUP_VERSIONS.put("discovery.k8s.io/v1", List.of(
                new Resource("endpointslices", "endpointslice", "EndpointSlice", true, List.of(), List.of())));
        GROUP_VERSIONS.put("coordination.k8s.io/v1", List.of(
                new Resource("leases", "lease", "Lease", true, List.of(), List.of())));
        GROUP_VERSIONS.put("rbac.authorization.k8s.io/v1", List.of(
                new Resource("roles", "role", "Role", true, List.of(), List.of()),
                new Resource("rolebindings", "rolebinding", "RoleBinding", true, List.of(), List.of())));
    }

    private Discovery() {
    }

    /** The discovery document for a GET of {@code path}, or null when the path is not a discovery path. */
    static MockResponse respond(String method, String path) {
        if (!"GET".equals(method) || path == null) {
            return null;
        }
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/api")) {
            return ApiResponses.json(200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
                    + "\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}");
        }
        if (p.equals("/apis")) {
            String groups = GROUP_VERSIONS.keySet().stream().filter(gv -> gv.contains("/"))
                    .map(Discovery::group).collect(Collectors.joining(","));
            return ApiResponses.json(200, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups + "]}");
        }
        if (p.equals("/api/v1")) {
            return ApiResponses.json(200, resourceList("v1"));
        }
        if (p.startsWith("/apis/")) {
            String rest = p.substring("/apis/".length());
            if (GROUP_VERSIONS.containsKey(rest) && rest.contains("/")) {
                return ApiResponses.json(200, resourceList(rest));
            }
            if (!rest.contains("/")) {
                for (String gv : GROUP_VERSIONS.keySet()) {
                    if (gv.startsWith(rest + "/")) {
                        return ApiResponses.json(200, group(gv).replaceFirst("\\{", "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\","));
                    }
                }
            }
        }
        return null;
    }

    /**
     * The apiVersion and list kind (say {@code apps/v1} and {@code ReplicaSetList}) of a collection path, or null when
     * the path is not a collection of a known kind; typed clients such as kubectl's reject the mock's generic "List".
     */
    static String[] listKind(String path) {
        String[] parts = path.split("/");
        String groupVersion;
        int rest;
        if (parts.length >= 4 && parts[1].equals("api")) {
            groupVersion = parts[2];
            rest = 3;
        } else if (parts.length >= 5 && parts[1].equals("apis")) {
            groupVersion = parts[2] + "/" + parts[3];
            rest = 4;
        } else {
            return null;
        }
        String plural;
        if (parts.length == rest + 1) {
            plural = parts[rest];
        } else if (parts.length == rest + 3 && parts[rest].equals("namespaces")) {
            plural = parts[rest + 2];
        } else {
            return null;
        }
        List<Resource> resources = GROUP_VERSIONS.get(groupVersion);
        if (resources == null) {
            return null;
        }
        for (Resource r : resources) {
            if (r.name().equals(plural)) {
                return new String[] {groupVersion, r.kind() + "List"};
            }
        }
        return null;
    }

    private static String group(String groupVersion) {
        String name = groupVersion.substring(0, groupVersion.indexOf('/'));
        String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
        String gv = "{\"groupVersion\":\"" + groupVersion + "\",\"version\":\"" + version + "\"}";
        return "{\"name\":\"" + name + "\",\"versions\":[" + gv + "],\"preferredVersion\":" + gv + "}";
    }

    private static String resourceList(String groupVersion) {
        List<String> entries = new ArrayList<>();
        for (Resource r : GROUP_VERSIONS.get(groupVersion)) {
            String shortNames = r.shortNames().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(","));
            entries.add("{\"name\":\"" + r.name() + "\",\"singularName\":\"" + r.singular() + "\",\"namespaced\":"
                    + r.namespaced() + ",\"kind\":\"" + r.kind() + "\",\"verbs\":" + ALL_VERBS
                    + (shortNames.isEmpty() ? "" : ",\"shortNames\":[" + shortNames + "]") + "}");
            for (String sub : r.subresources()) {
                String verbs = sub.equals("log") ? "[\"get\"]" : "[\"get\",\"patch\",\"update\"]";
                String kind = sub.equals("scale") ? "Scale" : r.kind();
                entries.add("{\"name\":\"" + r.name() + "/" + sub + "\",\"singularName\":\"\",\"namespaced\":" + r.namespaced()
                        + ",\"kind\":\"" + kind + "\",\"verbs\":" + verbs + "}");
            }
        }
        return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" + groupVersion
                + "\",\"resources\":[" + String.join(",", entries) + "]}";
    }
}

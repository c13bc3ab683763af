package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The API server's table convertor: what {@code kubectl get} shows comes from the server as a {@code meta.k8s.io}
 * {@code Table} when its Accept header asks for one ({@code application/json;as=Table;v=v1;g=meta.k8s.io}), with the
 * columns of Kubernetes' own printers (v1.31) for Jobs, Pods, Deployments, ReplicaSets, Leases, ConfigMaps, Secrets,
 * Namespaces, ServiceAccounts, RoleBindings and, with the default columns (Name, Created At), Roles. Other kinds are
 * answered as objects, which kubectl prints with NAME and AGE.
 */
final class TableConvertor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME_DOC = "Name must be unique within a namespace.";
    private static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this object was created.";

    /** One column of a printer. */
    private record Column(String name, String type, String format, int priority, String description) {
        static Column of(String name, String type, String description) {
            return new Column(name, type, "", 0, description);
        }

        static Column wide(String name, String description) {
            return new Column(name, "string", "", 1, description);
        }
    }

    /** A kind's columns and how one object fills them. */
    private record Printer(List<Column> columns, BiFunction<JsonNode, Instant, List<Object>> row) {
    }

    private static final Column NAME = new Column("Name", "string", "name", 0, NAME_DOC);
    private static final Column AGE = Column.of("Age", "string", AGE_DOC);
    private static final Column CONTAINERS = Column.wide("Containers", "Names of each container in the template.");
    private static final Column IMAGES = Column.wide("Images", "Images referenced by each container in the template.");
    private static final Column SELECTOR = Column.wide("Selector", "A label query over pods that should match the pod count.");

    private static final Map<String, Printer> PRINTERS = Map.ofEntries(
            Map.entry("Pod", new Printer(List.of(NAME,
                    Column.of("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                    Column.of("Status", "string", "The aggregate status of the containers in this pod."),
                    Column.of("Restarts", "string", "The number of times the containers in this pod have been restarted and "
                            + "when the last container in this pod has restarted."),
                    AGE,
                    Column.wide("IP", "podIP address allocated to the pod."),
                    Column.wide("Node", "NodeName indicates in which node this pod is scheduled."),
                    Column.wide("Nominated Node", "nominatedNodeName is set when this pod preempts other pods on the node."),
                    Column.wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.")),
                    TableConvertor::pod)),
            Map.entry("Job", new Printer(List.of(NAME,
                    Column.of("Status", "string", "Status of the job."),
                    Column.of("Completions", "string", "The number of pods which reached phase Succeeded."),
                    Column.of("Duration", "string", "Time required to complete the job."),
                    AGE, CONTAINERS, IMAGES, SELECTOR), TableConvertor::job)),
            Map.entry("Deployment", new Printer(List.of(NAME,
                    Column.of("Ready", "string", "Number of the pod with ready state"),
                    Column.of("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that "
                            + "have the desired template spec."),
                    Column.of("Available", "string", "Total number of available pods (ready for at least minReadySeconds) "
                            + "targeted by this deployment."),
                    AGE, CONTAINERS, IMAGES, SELECTOR), TableConvertor::deployment)),
            Map.entry("ReplicaSet", new Printer(List.of(NAME,
                    Column.of("Desired", "integer", "Replicas is the number of desired replicas."),
                    Column.of("Current", "integer", "Replicas is the most recently observed number of replicas."),
                    Column.of("Ready", "integer", "readyReplicas is the number of pods targeted by this ReplicaSet with a "
                            + "Ready Condition."),
                    AGE, CONTAINERS, IMAGES, SELECTOR), TableConvertor::replicaSet)),
            Map.entry("Lease", new Printer(List.of(NAME,
                    Column.of("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."),
                    AGE), (o, now) -> List.of(name(o), o.path("spec").path("holderIdentity").asText(""), age(o, now)))),
            Map.entry("ConfigMap", new Printer(List.of(NAME,
                    Column.of("Data", "string", "Data contains the configuration data."), AGE),
                    (o, now) -> List.of(name(o), o.path("data").size() + o.path("binaryData").size(), age(o, now)))),
            Map.entry("Secret", new Printer(List.of(NAME,
                    Column.of("Type", "string", "Used to facilitate programmatic handling of secret data."),
                    Column.of("Data", "string", "Data contains the secret data."), AGE),
                    (o, now) -> List.of(name(o), o.path("type").asText("Opaque"), o.path("data").size(), age(o, now)))),
            Map.entry("Namespace", new Printer(List.of(NAME,
                    Column.of("Status", "string", "The status of the namespace"), AGE),
                    (o, now) -> List.of(name(o), o.path("status").path("phase").asText("Active"), age(o, now)))),
            Map.entry("ServiceAccount", new Printer(List.of(NAME,
                    Column.of("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods "
                            + "running using this ServiceAccount are allowed to use."), AGE),
                    (o, now) -> List.of(name(o), o.path("secrets").size(), age(o, now)))),
            Map.entry("RoleBinding", new Printer(List.of(NAME,
                    Column.of("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in "
                            + "the global namespace."), AGE,
                    Column.wide("Users", "Users in the roleBinding"), Column.wide("Groups", "Groups in the roleBinding"),
                    Column.wide("ServiceAccounts", "ServiceAccounts in the roleBinding")), TableConvertor::roleBinding)),
            Map.entry("Role", new Printer(List.of(NAME, new Column("Created At", "date", "", 0, AGE_DOC)),
                    (o, now) -> List.of(name(o), o.path("metadata").path("creationTimestamp").asText("")))));

    private TableConvertor() {
    }

    /**
     * The Table version ({@code v1} or {@code v1beta1}) the first acceptable media type of {@code accept} asks for, or
     * null when it asks for none before plain JSON.
     */
    static String requested(String accept) {
        if (accept == null) {
            return null;
        }
        for (String mediaType : accept.split(",")) {
            String[] parts = mediaType.trim().split(";");
            Map<String, String> params = new TreeMap<>();
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].trim().split("=", 2);
                params.put(kv[0].trim(), kv.length == 2 ? kv[1].trim() : "");
            }
            if ("Table".equals(params.get("as")) && "meta.k8s.io".equals(params.get("g"))
                    && ("v1".equals(params.get("v")) || "v1beta1".equals(params.get("v")))) {
                return params.get("v");
            }
            if (parts[0].trim().equals("application/json") && !params.containsKey("as")) {
                return null;
            }
        }
        return null;
    }

    /** The Content-Type of a Table answer of {@code version}. */
    static String contentType(String version) {
        return "application/json;as=Table;v=" + version + ";g=meta.k8s.io";
    }

    /**
     * {@code body} (an object or a list of them) as a Table of {@code version}, with each row's object as
     * {@code includeObject} says (None, Metadata, the default, or Object); null when the kind has no printer here.
     * {@code withColumns} false leaves the column definitions out, as the second and later events of a watch do.
     */
    static String table(JsonNode body, String version, String includeObject, boolean withColumns, Instant now) {
        String kind = body.path("kind").asText("");
        boolean list = kind.endsWith("List") && body.has("items");
        Printer printer = PRINTERS.get(list ? kind.substring(0, kind.length() - "List".length()) : kind);
        if (printer == null) {
            return null;
        }
        ObjectNode table = JSON.createObjectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/" + version);
        ObjectNode metadata = table.putObject("metadata");
        String resourceVersion = body.path("metadata").path("resourceVersion").asText("");
        if (!resourceVersion.isEmpty()) {
            metadata.put("resourceVersion", resourceVersion);
        }
        if (list && body.path("metadata").hasNonNull("continue")) {
            metadata.put("continue", body.path("metadata").path("continue").asText());
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        if (withColumns) {
            for (Column c : printer.columns()) {
                columns.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
                        .put("description", c.description()).put("priority", c.priority());
            }
        }
        ArrayNode rows = table.putArray("rows");
        List<JsonNode> objects = new ArrayList<>();
        if (list) {
            body.path("items").forEach(objects::add);
        } else {
            objects.add(body);
        }
        String itemKind = list ? kind.substring(0, kind.length() - "List".length()) : kind;
        for (JsonNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object cell : printer.row().apply(object, now)) {
                if (cell instanceof Integer i) {
                    cells.add(i);
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            if ("Pod".equals(itemKind)) {
                podRowConditions(object, row);
            }
            if ("Object".equals(includeObject)) {
                ObjectNode whole = object.deepCopy();
                whole.put("kind", itemKind);
                row.set("object", whole);
            } else if (!"None".equals(includeObject)) {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/" + version);
                partial.set("metadata", object.path("metadata").deepCopy());
            }
        }
        return table.toString();
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText("");
    }

    private static String age(JsonNode object, Instant now) {
        return since(object.path("metadata").path("creationTimestamp").asText(""), now);
    }

    /** The time since {@code timestamp} as kubectl shows an age, or {@code <unknown>}. */
    private static String since(String timestamp, Instant now) {
        Instant at = instant(timestamp);
        return at == null ? "<unknown>" : humanDuration(Duration.between(at, now));
    }

    private static Instant instant(String timestamp) {
        if (timestamp == null || timestamp.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Kubernetes' duration.HumanDuration: two significant units at most, coarser as the duration grows. */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = d.toMinutes();
        if (minutes < 10) {
            return units(minutes, "m", seconds % 60, "s");
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = d.toHours();
        if (hours < 8) {
            return units(hours, "h", minutes % 60, "m");
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            return units(hours / 24, "d", hours % 24, "h");
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            return units(hours / 24 / 365, "y", hours / 24 % 365, "d");
        }
        return hours / 24 / 365 + "y";
    }

    /** {@code major} with its unit, then {@code minor} with its unit unless it is 0 ("2m5s", "5m"). */
    private static String units(long major, String majorUnit, long minor, String minorUnit) {
        return minor == 0 ? major + majorUnit : major + majorUnit + minor + minorUnit;
    }

    /** Container names and images of a Pod template, comma-separated, as the wide output lays them out. */
    private static List<Object> containerCells(JsonNode podSpec) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        podSpec.path("containers").forEach(c -> {
            names.add(c.path("name").asText(""));
            images.add(c.path("image").asText(""));
        });
        return List.of(String.join(",", names), String.join(",", images));
    }

    /** A label selector as {@code metav1.FormatLabelSelector} writes it: requirements sorted by key. */
    static String selector(JsonNode selector) {
        if (selector.isMissingNode() || selector.isNull()) {
            return "<none>";
        }
        TreeMap<String, List<String>> requirements = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            requirements.computeIfAbsent(label.getKey(), k -> new ArrayList<>()).add(label.getKey() + "=" + label.getValue().asText());
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            List<String> values = new ArrayList<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            values.sort(null);
            String requirement = switch (expression.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " " + expression.path("operator").asText();
            };
            requirements.computeIfAbsent(key, k -> new ArrayList<>()).add(requirement);
        }
        List<String> all = new ArrayList<>();
        requirements.values().forEach(all::addAll);
        return all.isEmpty() ? "<none>" : String.join(",", all);
    }

    private static boolean condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    private static List<Object> job(JsonNode job, Instant now) {
        JsonNode spec = job.path("spec");
        JsonNode status = job.path("status");
        int succeeded = status.path("succeeded").asInt(0);
        String completions;
        if (spec.hasNonNull("completions")) {
            completions = succeeded + "/" + spec.path("completions").asInt();
        } else if (spec.path("parallelism").asInt(0) > 1) {
            completions = succeeded + "/1 of " + spec.path("parallelism").asInt();
        } else {
            completions = succeeded + "/1";
        }
        Instant start = instant(status.path("startTime").asText(null));
        Instant end = instant(status.path("completionTime").asText(null));
        String duration = start == null ? "" : humanDuration(Duration.between(start, end == null ? now : end));
        String state;
        if (condition(status, "Complete")) {
            state = "Complete";
        } else if (condition(status, "Failed")) {
            state = "Failed";
        } else if (job.path("metadata").hasNonNull("deletionTimestamp")) {
            state = "Terminating";
        } else if (condition(status, "Suspended")) {
            state = "Suspended";
        } else if (condition(status, "FailureTarget")) {
            state = "FailureTarget";
        } else {
            state = "Running";
        }
        List<Object> cells = new ArrayList<>(List.of(name(job), state, completions, duration, age(job, now)));
        cells.addAll(containerCells(spec.path("template").path("spec")));
        cells.add(selector(spec.path("selector")));
        return cells;
    }

    private static List<Object> deployment(JsonNode deployment, Instant now) {
        JsonNode spec = deployment.path("spec");
        JsonNode status = deployment.path("status");
        // the API server defaults replicas to 1
        int desired = spec.path("replicas").asInt(1);
        List<Object> cells = new ArrayList<>(List.of(name(deployment), status.path("readyReplicas").asInt(0) + "/" + desired,
                status.path("updatedReplicas").asInt(0), status.path("availableReplicas").asInt(0), age(deployment, now)));
        cells.addAll(containerCells(spec.path("template").path("spec")));
        String selector = selector(spec.path("selector"));
        cells.add("<none>".equals(selector) ? "" : selector);
        return cells;
    }

    private static List<Object> replicaSet(JsonNode replicaSet, Instant now) {
        JsonNode spec = replicaSet.path("spec");
        JsonNode status = replicaSet.path("status");
        List<Object> cells = new ArrayList<>(List.of(name(replicaSet), spec.path("replicas").asInt(1),
                status.path("replicas").asInt(0), status.path("readyReplicas").asInt(0), age(replicaSet, now)));
        cells.addAll(containerCells(spec.path("template").path("spec")));
        cells.add(selector(spec.path("selector")));
        return cells;
    }

    private static List<Object> roleBinding(JsonNode binding, Instant now) {
        JsonNode ref = binding.path("roleRef");
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> accounts = new ArrayList<>();
        for (JsonNode subject : binding.path("subjects")) {
            String name = subject.path("name").asText("");
            switch (subject.path("kind").asText("")) {
                case "User" -> users.add(name);
                case "Group" -> groups.add(name);
                case "ServiceAccount" -> accounts.add(subject.path("namespace").asText("") + "/" + name);
                default -> { }
            }
        }
        return List.of(name(binding), ref.path("kind").asText("") + "/" + ref.path("name").asText(""), age(binding, now),
                String.join(", ", users), String.join(", ", groups), String.join(", ", accounts));
    }

    /** kubectl's Pod STATUS, READY and RESTARTS (the sandbox reports no init containers). */
    private static List<Object> pod(JsonNode pod, Instant now) {
        JsonNode status = pod.path("status");
        // the API server stores a new Pod as Pending; the sandbox's store may not have a status yet
        String phase = status.path("phase").asText("Pending");
        String reason = status.path("reason").asText("").isEmpty() ? phase : status.path("reason").asText();
        for (JsonNode c : status.path("conditions")) {
            if ("PodScheduled".equals(c.path("type").asText()) && "SchedulingGated".equals(c.path("reason").asText())) {
                reason = "SchedulingGated";
            }
        }
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        int restarts = 0;
        Instant lastRestart = null;
        boolean hasRunning = false;
        JsonNode containers = status.path("containerStatuses");
        for (int i = containers.size() - 1; i >= 0; i--) {
            JsonNode container = containers.get(i);
            restarts += container.path("restartCount").asInt(0);
            Instant finished = instant(container.path("lastState").path("terminated").path("finishedAt").asText(null));
            if (finished != null && (lastRestart == null || lastRestart.isBefore(finished))) {
                lastRestart = finished;
            }
            JsonNode state = container.path("state");
            JsonNode terminated = state.path("terminated");
            if (!state.path("waiting").path("reason").asText("").isEmpty()) {
                reason = state.path("waiting").path("reason").asText();
            } else if (!terminated.isMissingNode() && !terminated.path("reason").asText("").isEmpty()) {
                reason = terminated.path("reason").asText();
            } else if (!terminated.isMissingNode()) {
                int signal = terminated.path("signal").asInt(0);
                reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + terminated.path("exitCode").asInt(0);
            } else if (container.path("ready").asBoolean(false) && !state.path("running").isMissingNode()) {
                hasRunning = true;
                ready++;
            }
        }
        if ("Completed".equals(reason) && hasRunning) {
            reason = condition(status, "Ready") ? "Running" : "NotReady";
        }
        boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
        if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
            if ("NodeLost".equals(status.path("reason").asText(""))) {
                reason = "Unknown";
            } else if (!terminal) {
                reason = "Terminating";
            }
        }
        String restartCell = restarts != 0 && lastRestart != null
                ? restarts + " (" + humanDuration(Duration.between(lastRestart, now)) + " ago)" : String.valueOf(restarts);
        String ip = status.path("podIPs").path(0).path("ip").asText(status.path("podIP").asText(""));
        String node = pod.path("spec").path("nodeName").asText("");
        return List.of(name(pod), ready + "/" + total, reason, restartCell, age(pod, now),
                ip.isEmpty() ? "<none>" : ip, node.isEmpty() ? "<none>" : node,
                status.path("nominatedNodeName").asText("").isEmpty() ? "<none>" : status.path("nominatedNodeName").asText(),
                readinessGates(pod));
    }

    private static String readinessGates(JsonNode pod) {
        JsonNode gates = pod.path("spec").path("readinessGates");
        if (gates.size() == 0) {
            return "<none>";
        }
        int passed = 0;
        for (JsonNode gate : gates) {
            if (condition(pod.path("status"), gate.path("conditionType").asText())) {
                passed++;
            }
        }
        return passed + "/" + gates.size();
    }

    /** The row condition the API server sets on a finished Pod's row. */
    private static void podRowConditions(JsonNode pod, ObjectNode row) {
        String phase = pod.path("status").path("phase").asText("");
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            row.putArray("conditions").addObject().put("type", "Completed").put("status", "True").put("reason", phase)
                    .put("message", "Succeeded".equals(phase) ? "The pod has completed successfully." : "The pod failed.");
        }
    }
}

package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's handling of a plain request (not a watch, a log or discovery), over fabric8's CRUD dispatcher:
 * what the mock lacks and clients rely on is added here. {@code /version}; access reviews (answered by RBAC); a new
 * Job's default selector and Pod labels; a Secret's {@code stringData} folded into {@code data} on every write;
 * strategic merge patch; lists of their real kind ({@code ReplicaSetList}, not the mock's {@code List}); a new Pod whose
 * service account does not exist refused, as the ServiceAccount admission plugin does.
 */
final class ApiRequests {

    private static final Pattern JOBS_PATH = Pattern.compile("^/apis/batch/v1/namespaces/[^/]+/jobs/?(\\?.*)?$");
    private static final Pattern PODS_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/?(\\?.*)?$");
    private static final Pattern SECRETS_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/secrets(/[^/?]+)?/?(\\?.*)?$");
    private static final String GENERIC_LIST = "{\"apiVersion\":\"v1\",\"kind\":\"List\",";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxCrudDispatcher dispatcher;
    private final RbacAuthorizer rbac;

    ApiRequests(SandboxCrudDispatcher dispatcher, RbacAuthorizer rbac) {
        this.dispatcher = dispatcher;
        this.rbac = rbac;
    }

    /** {@code event} with {@code body} as the CRUD dispatcher reads a request. */
    static RecordedRequest recorded(HttpServerRequest event, io.vertx.core.buffer.Buffer body) {
        return new RecordedRequest(event.version().alpnName().toUpperCase(Locale.ROOT), HttpMethod.fromVertx(event.method()),
                event.uri(), Headers.builder().addAll(event.headers()).build(),
                new Buffer(body == null || body.length() == 0 ? null : body.getBytes()));
    }

    /** The API server's answer to {@code request}. */
    MockResponse handle(RecordedRequest request) {
        MockResponse response = dispatch(request);
        if (request.method() == HttpMethod.GET && response.code() == 200) {
            response = typedList(pathOf(request), response);
            String table = TableConvertor.requested(request.getHeader("Accept"));
            if (table != null) {
                response = asTable(request, response, table);
            }
        }
        return response;
    }

    /** The value of query parameter {@code name} of {@code path}, or null. */
    static String queryParameter(String path, String name) {
        int query = path.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String param : path.substring(query + 1).split("&")) {
            String[] kv = param.split("=", 2);
            if (URLDecoder.decode(kv[0], StandardCharsets.UTF_8).equals(name)) {
                return kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            }
        }
        return null;
    }

    /** An object or list as the Table kubectl asked for, when its kind has printer columns here. */
    private static MockResponse asTable(RecordedRequest request, MockResponse response, String version) {
        if (response.getBody() == null) {
            return response;
        }
        String body = response.getBody().readUtf8();
        String table;
        try {
            table = TableConvertor.table(JSON.readTree(body), version, queryParameter(request.getPath(), "includeObject"),
                    true, Instant.now());
        } catch (IOException e) {
            table = null;
        }
        if (table == null) {
            return response.setBody(body);
        }
        return response.setBody(table).setHeader("Content-Type", TableConvertor.contentType(version));
    }

    private MockResponse dispatch(RecordedRequest request) {
        if (request.getPath().equals("/version") || request.getPath().startsWith("/version?")) {
            return ApiResponses.json(200, "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0-sandbox\",\"platform\":\"linux/amd64\"}");
        }
        if (request.method() == HttpMethod.POST && (request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                || request.getPath().startsWith("/apis/authentication.k8s.io/v1/selfsubjectreviews"))) {
            return rbac.review(request);
        }
        if (request.method() == HttpMethod.POST && JOBS_PATH.matcher(request.getPath()).matches()) {
            request = withJobDefaults(request);
        }
        if (request.method() == HttpMethod.POST && PODS_PATH.matcher(request.getPath()).matches()) {
            MockResponse refused = missingServiceAccount(request);
            if (refused != null) {
                return refused;
            }
        }
        boolean secret = SECRETS_PATH.matcher(request.getPath()).matches();
        if (secret && (request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT)) {
            request = withStringDataFolded(request);
        }
        String contentType = request.getHeader("Content-Type");
        if (request.method() == HttpMethod.PATCH && contentType != null
                && contentType.startsWith("application/strategic-merge-patch+json")) {
            return strategicMergePatch(request, secret);
        }
        MockResponse response = dispatcher.dispatch(request);
        return secret && request.method() == HttpMethod.PATCH ? foldStored(request, response) : response;
    }

    /**
     * The request's body, left in place: {@code RecordedRequest.getUtf8Body} empties it, so that a request passed on
     * unchanged after a look at its body reached the CRUD mock without one ("No resource or invalid resource provided").
     */
    private static String body(RecordedRequest request) {
        return request.getBody() == null ? null : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
    }

    private static String pathOf(RecordedRequest request) {
        String path = request.getPath();
        return path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    }

    /**
     * A Secret as the API server stores it: {@code stringData} folded into {@code data} (base64), its value winning for
     * a key in both, and gone; readers (the kubelet, the engine) then see only {@code data}, as on a real cluster.
     */
    private static Secret folded(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>(secret.getData() == null ? Map.of() : secret.getData());
        secret.getStringData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(
                (v == null ? "" : v).getBytes(StandardCharsets.UTF_8))));
        secret.setData(data);
        secret.setStringData(null);
        return secret;
    }

    private static RecordedRequest withStringDataFolded(RecordedRequest request) {
        Secret secret;
        try {
            secret = Serialization.unmarshal(body(request), Secret.class);
        } catch (RuntimeException e) {
            return request; // the CRUD mock answers an unreadable body itself
        }
        if (secret == null || secret.getStringData() == null) {
            return request;
        }
        return withBody(request, Serialization.asJson(folded(secret)).getBytes(StandardCharsets.UTF_8));
    }

    /** After a patch that left stringData on a stored Secret: folds it in with a replace, answering as the patch would. */
    private MockResponse foldStored(RecordedRequest request, MockResponse patched) {
        if (patched.code() / 100 != 2 || patched.getBody() == null) { // the CRUD mock answers a patch with 202
            return patched;
        }
        String body = patched.getBody().readUtf8();
        Secret secret = Serialization.unmarshal(body, Secret.class);
        if (secret == null || secret.getStringData() == null) {
            return patched.setBody(body);
        }
        folded(secret).getMetadata().setResourceVersion(null);
        return replace(request, Serialization.asJson(secret).getBytes(StandardCharsets.UTF_8));
    }

    /** The request with another body (and its length). */
    private static RecordedRequest withBody(RecordedRequest request, byte[] body) {
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders()
                .newBuilder().removeAll("Content-Length").add("Content-Length", String.valueOf(body.length)).build(),
                new Buffer(body));
    }

    /** Replaces the resource the request names (its query dropped) with {@code json}, as a PUT would. */
    private MockResponse replace(RecordedRequest request, byte[] json) {
        return dispatcher.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PUT, pathOf(request),
                Headers.builder().add("Content-Type", "application/json").add("Content-Length", String.valueOf(json.length))
                        .build(), new Buffer(json)));
    }

    /** Gives a collection response its real apiVersion and kind (ReplicaSetList...) instead of the mock's "List". */
    private static MockResponse typedList(String path, MockResponse response) {
        String[] kind = Discovery.listKind(path);
        if (kind == null || response.getBody() == null) {
            return response;
        }
        String body = response.getBody().readUtf8();
        if (!body.startsWith(GENERIC_LIST)) {
            return response.setBody(body);
        }
        return response.setBody("{\"apiVersion\":\"" + kind[0] + "\",\"kind\":\"" + kind[1] + "\","
                + body.substring(GENERIC_LIST.length()));
    }

    /**
     * Applies a strategic merge patch as a read, a merge and a replace, since the CRUD mock knows only the others; a
     * Secret's merged stringData is folded into data before the replace, as every write of a Secret is.
     */
    private MockResponse strategicMergePatch(RecordedRequest request, boolean secret) {
        MockResponse current = dispatcher.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, request.getPath(),
                Headers.builder().build(), new Buffer()));
        if (current.code() != 200) {
            return current;
        }
        JsonNode merged;
        try {
            String resource = current.getBody().readUtf8();
            JsonNode target = JSON.readTree(resource);
            merged = StrategicMergePatch.apply(target, JSON.readTree(body(request)));
        } catch (IOException | RuntimeException e) {
            return ApiResponses.status(422, "Invalid", "invalid strategic merge patch: " + e.getMessage());
        }
        if (merged.has("metadata") && merged.get("metadata").isObject()) {
            ((ObjectNode) merged.get("metadata")).remove("resourceVersion");
        }
        String json = merged.toString();
        if (secret && merged.hasNonNull("stringData")) {
            json = Serialization.asJson(folded(Serialization.unmarshal(json, Secret.class)));
        }
        return replace(request, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The ServiceAccount admission plugin's refusal of a new Pod whose service account does not exist, or null. The
     * {@code default} account, which a cluster creates in every namespace, always exists.
     */
    private MockResponse missingServiceAccount(RecordedRequest request) {
        Pod pod;
        try {
            pod = Serialization.unmarshal(body(request), Pod.class);
        } catch (RuntimeException e) {
            return null;
        }
        if (pod == null || pod.getSpec() == null || pod.getMetadata() == null) {
            return null;
        }
        String account = pod.getSpec().getServiceAccountName() != null ? pod.getSpec().getServiceAccountName()
                : pod.getSpec().getServiceAccount();
        if (account == null || account.isEmpty() || "default".equals(account)) {
            return null;
        }
        Matcher path = PODS_PATH.matcher(request.getPath());
        String namespace = path.matches() ? path.group(1) : pod.getMetadata().getNamespace();
        MockResponse found = dispatcher.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET,
                "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + account, Headers.builder().build(), new Buffer()));
        if (found.code() != 404) {
            return null;
        }
        String name = pod.getMetadata().getName() != null ? pod.getMetadata().getName() : pod.getMetadata().getGenerateName();
        return ApiResponses.status(403, "Forbidden", "pods \"" + name + "\" is forbidden: error looking up service account "
                + namespace + "/" + account + ": serviceaccount \"" + account + "\" not found");
    }

    /**
     * Defaults a new Job's selector and Pod template labels as the API server does (kubectl finds a Job's Pods through
     * its selector), on the job-name label because the uid the real selector uses is not known before creation.
     */
    private static RecordedRequest withJobDefaults(RecordedRequest request) {
        Job job;
        try {
            job = Serialization.unmarshal(body(request), Job.class);
        } catch (RuntimeException e) {
            return request;
        }
        if (job == null || job.getMetadata() == null || job.getMetadata().getName() == null || job.getSpec() == null
                || job.getSpec().getTemplate() == null || job.getSpec().getSelector() != null) {
            return request;
        }
        String name = job.getMetadata().getName();
        job.getSpec().setSelector(new LabelSelectorBuilder().addToMatchLabels("batch.kubernetes.io/job-name", name).build());
        if (job.getSpec().getTemplate().getMetadata() == null) {
            job.getSpec().getTemplate().setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("job-name", name);
        labels.put("batch.kubernetes.io/job-name", name);
        job.getSpec().getTemplate().getMetadata().setLabels(labels);
        return withBody(request, Serialization.asJson(job).getBytes(StandardCharsets.UTF_8));
    }
}

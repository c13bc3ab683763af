package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class ApiRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SandboxCrudDispatcher dispatcher = new SandboxCrudDispatcher();
    private final ApiRequests requests = new ApiRequests(dispatcher, new RbacAuthorizer(dispatcher));

    private MockResponse send(HttpMethod method, String path, String contentType, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Headers.Builder headers = Headers.builder();
        if (contentType != null) {
            headers.add("Content-Type", contentType).add("Content-Length", String.valueOf(bytes.length));
        }
        return requests.handle(new RecordedRequest("HTTP/1.1", method, path, headers.build(),
                new Buffer(body == null ? null : bytes)));
    }

    private static JsonNode json(MockResponse response) throws Exception {
        return JSON.readTree(response.getBody().readUtf8());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void versionIsAnswered() throws Exception {
        JsonNode version = json(send(HttpMethod.GET, "/version", null, null));

        assertThat(version.path("gitVersion").asText()).startsWith("v1.");
    }

    /** Creates Job {@code name} in namespace shop with {@code selector} (JSON, or empty) and {@code labels} on its Pods. */
    private JsonNode createJob(String name, String selector, String labels) throws Exception {
        MockResponse created = send(HttpMethod.POST, "/apis/batch/v1/namespaces/shop/jobs", "application/json",
                "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"shop\"},"
                        + "\"spec\":{" + selector + "\"template\":{\"metadata\":{\"labels\":" + labels + "},\"spec\":{"
                        + "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"m\",\"image\":\"x/y:1\"}]}}}}");
        assertThat(created.code()).as(created.getBody() == null ? "" : created.getBody().readUtf8()).isEqualTo(201);
        return json(send(HttpMethod.GET, "/apis/batch/v1/namespaces/shop/jobs/" + name, null, null));
    }

    @Test
    void aNewJobGetsItsDefaultSelectorAndPodLabels() throws Exception {
        JsonNode job = createJob("migrate", "", "{\"app\":\"shop\"}");

        assertThat(job.at("/spec/selector/matchLabels/batch.kubernetes.io~1job-name").asText()).isEqualTo("migrate");
        JsonNode labels = job.at("/spec/template/metadata/labels");
        assertThat(labels.path("app").asText()).isEqualTo("shop");
        assertThat(labels.path("job-name").asText()).isEqualTo("migrate");
        assertThat(labels.path("batch.kubernetes.io/job-name").asText()).isEqualTo("migrate");
    }

    @Test
    void aJobWithItsOwnSelectorKeepsIt() throws Exception {
        JsonNode job = createJob("own", "\"selector\":{\"matchLabels\":{\"mine\":\"yes\"}},", "{\"mine\":\"yes\"}");

        assertThat(job.at("/spec/selector/matchLabels").toString()).isEqualTo("{\"mine\":\"yes\"}");
        assertThat(job.at("/spec/template/metadata/labels").has("job-name")).isFalse();
    }

    @Test
    void aSecretsStringDataIsFoldedIntoDataOnCreateReplaceAndBothPatches() throws Exception {
        String path = "/api/v1/namespaces/shop/secrets";
        send(HttpMethod.POST, path, "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\","
                + "\"namespace\":\"shop\"},\"data\":{\"url\":\"" + b64("postgres://a") + "\"},\"stringData\":{\"user\":\"shop\"}}");
        JsonNode created = json(send(HttpMethod.GET, path + "/db", null, null));
        assertThat(created.has("stringData")).isFalse();
        assertThat(created.at("/data/user").asText()).isEqualTo(b64("shop"));

        send(HttpMethod.PATCH, path + "/db", "application/merge-patch+json", "{\"stringData\":{\"user\":\"merged\"}}");
        assertThat(json(send(HttpMethod.GET, path + "/db", null, null)).at("/data/user").asText()).isEqualTo(b64("merged"));

        send(HttpMethod.PATCH, path + "/db", "application/strategic-merge-patch+json", "{\"stringData\":{\"user\":\"strategic\"}}");
        JsonNode patched = json(send(HttpMethod.GET, path + "/db", null, null));
        assertThat(patched.at("/data/user").asText()).isEqualTo(b64("strategic"));
        assertThat(patched.at("/data/url").asText()).isEqualTo(b64("postgres://a"));
        assertThat(patched.has("stringData")).isFalse();
    }

    @Test
    void aStrategicMergePatchMergesContainersByName() throws Exception {
        String path = "/api/v1/namespaces/shop/pods";
        send(HttpMethod.POST, path, "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                + "\"namespace\":\"shop\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x/a:1\"},{\"name\":\"b\",\"image\":\"x/b:1\"}]}}");

        send(HttpMethod.PATCH, path + "/p", "application/strategic-merge-patch+json",
                "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x/b:2\"}]}}");

        JsonNode containers = json(send(HttpMethod.GET, path + "/p", null, null)).at("/spec/containers");
        assertThat(containers.size()).isEqualTo(2);
        assertThat(containers.get(0).path("image").asText()).isEqualTo("x/a:1");
        assertThat(containers.get(1).path("image").asText()).isEqualTo("x/b:2");
    }

    @Test
    void anUnreadableStrategicMergePatchIsInvalid() throws Exception {
        send(HttpMethod.POST, "/api/v1/namespaces/shop/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"shop\"}}");

        MockResponse response = send(HttpMethod.PATCH, "/api/v1/namespaces/shop/configmaps/c",
                "application/strategic-merge-patch+json", "{not json");

        assertThat(response.code()).isEqualTo(422);
        assertThat(json(response).path("reason").asText()).isEqualTo("Invalid");
    }

    @Test
    void listsHaveTheirRealKind() throws Exception {
        send(HttpMethod.POST, "/apis/apps/v1/namespaces/shop/replicasets", "application/json",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\"}}");

        JsonNode list = json(send(HttpMethod.GET, "/apis/apps/v1/namespaces/shop/replicasets?limit=500", null, null));

        assertThat(list.path("kind").asText()).isEqualTo("ReplicaSetList");
        assertThat(list.path("apiVersion").asText()).isEqualTo("apps/v1");
        assertThat(list.path("items").size()).isEqualTo(1);
    }

    @Test
    void aPodWhoseServiceAccountDoesNotExistIsRefusedAsByTheServiceAccountAdmissionPlugin() throws Exception {
        String pods = "/api/v1/namespaces/shop/pods";
        String withAccount = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"NAME\",\"namespace\":\"shop\"},"
                + "\"spec\":{ACCOUNT\"containers\":[{\"name\":\"m\",\"image\":\"x/y:1\"}]}}";

        MockResponse refused = send(HttpMethod.POST, pods, "application/json",
                withAccount.replace("NAME", "m-1").replace("ACCOUNT", "\"serviceAccountName\":\"migrator\","));

        assertThat(refused.code()).isEqualTo(403);
        JsonNode status = json(refused);
        assertThat(status.path("reason").asText()).isEqualTo("Forbidden");
        assertThat(status.path("message").asText()).isEqualTo("pods \"m-1\" is forbidden: error looking up service account "
                + "shop/migrator: serviceaccount \"migrator\" not found");
        assertThat(send(HttpMethod.GET, pods + "/m-1", null, null).code()).isEqualTo(404);
        assertThat(send(HttpMethod.POST, pods, "application/json", withAccount.replace("NAME", "m-2")
                .replace("ACCOUNT", "\"serviceAccountName\":\"default\",")).code()).isEqualTo(201);
        assertThat(send(HttpMethod.POST, pods, "application/json", withAccount.replace("NAME", "m-3")
                .replace("ACCOUNT", "")).code()).isEqualTo(201);

        send(HttpMethod.POST, "/api/v1/namespaces/shop/serviceaccounts", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"migrator\",\"namespace\":\"shop\"}}");
        assertThat(send(HttpMethod.POST, pods, "application/json", withAccount.replace("NAME", "m-1")
                .replace("ACCOUNT", "\"serviceAccountName\":\"migrator\",")).code()).isEqualTo(201);
    }
}

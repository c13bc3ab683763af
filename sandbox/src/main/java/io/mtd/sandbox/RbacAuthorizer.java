package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RBAC as the API server enforces it, for requests whose bearer token belongs to a service account the sandbox issued:
 * the namespace's RoleBindings naming that account grant the rules of their Roles, and anything else is answered 403
 * with the API server's own message. Requests without such a token (the sandbox's kubeconfig, the controllers) are
 * cluster-admin.
 */
final class RbacAuthorizer {

    /** /api/v1/namespaces/NS/RESOURCE[/NAME[/SUB]] and /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME[/SUB]]. */
    private static final Pattern NAMESPACED = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/([^/]+)/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?/?(?:\\?.*)?$");
    private static final Pattern CLUSTER_SCOPED = Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)/([^/?]+)(?:/([^/?]+))?/?(?:\\?.*)?$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxCrudDispatcher store;
    private final Map<String, String[]> accounts = new ConcurrentHashMap<>();

    RbacAuthorizer(SandboxCrudDispatcher store) {
        this.store = store;
    }

    /** Issues a token for the service account {@code namespace/name}: requests with it get only what Roles grant it. */
    String token(String namespace, String name) {
        String token = "sa-" + namespace + "-" + name + "-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        accounts.put(token, new String[] {namespace, name});
        return token;
    }

    /** Answers a SelfSubjectAccessReview (may I?) or a SelfSubjectReview (who am I?) as the API server does. */
    MockResponse review(RecordedRequest request) {
        String[] account = account(request.getHeader("Authorization"));
        JsonNode body;
        try {
            body = JSON.readTree(request.getUtf8Body());
        } catch (IOException | RuntimeException e) {
            return ApiResponses.json(400, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":400}");
        }
        com.fasterxml.jackson.databind.node.ObjectNode answer = body.deepCopy();
        if (request.getPath().contains("selfsubjectaccessreviews")) {
            JsonNode a = body.path("spec").path("resourceAttributes");
            String resource = a.path("resource").asText() + (a.path("subresource").asText().isEmpty() ? "" : "/" + a.path("subresource").asText());
            boolean allowed = account == null
                    || allowed(a.path("namespace").asText(), account, a.path("group").asText(), resource, a.path("verb").asText());
            answer.putObject("status").put("allowed", allowed);
        } else {
            answer.putObject("status").putObject("userInfo").put("username",
                    account == null ? "sandbox-admin" : user(account));
        }
        return ApiResponses.json(201, answer.toString());
    }

    /** The service account {namespace, name} whose token the Authorization header bears, or null. */
    private String[] account(String authorization) {
        return authorization == null || !authorization.startsWith("Bearer ") ? null
                : accounts.get(authorization.substring("Bearer ".length()).trim());
    }

    /** The user name the API server gives a service account. */
    private static String user(String[] account) {
        return "system:serviceaccount:" + account[0] + ":" + account[1];
    }

    /** A refused request: the API server's message and its 403 response. */
    record Denial(String message, MockResponse response) {}

    /** Null when the request may proceed, else the 403 to answer. */
    Denial deny(String method, String uri, String authorization, boolean watch) {
        String[] account = account(authorization);
        if (account == null) {
            return null;
        }
        String user = user(account);
        if (uri.matches("^/apis/(authorization|authentication)\\.k8s\\.io/v1/selfsubject[a-z]*reviews.*")) {
            return null; // asking what one may do, and who one is, is open to every authenticated user (system:basic-user)
        }
        Matcher m = NAMESPACED.matcher(uri);
        if (!m.matches()) {
            Matcher c = CLUSTER_SCOPED.matcher(uri);
            if (!c.matches()) {
                return null; // discovery, /version, /openapi: open to every authenticated user, as on a real cluster
            }
            String group = c.group(1) == null ? "" : c.group(1);
            String verb = verb(method, c.group(3) != null, watch);
            return forbidden(c.group(2), c.group(3), group, verb, user, null);
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String namespace = m.group(2);
        String resource = m.group(3);
        String name = m.group(4);
        String sub = m.group(5);
        String verb = verb(method, name != null, watch);
        String full = sub == null ? resource : resource + "/" + sub;
        if (allowed(namespace, account, group, full, verb)) {
            return null;
        }
        return forbidden(resource + (sub == null ? "" : "/" + sub), name, group, verb, user, namespace);
    }

    private static String verb(String method, boolean named, boolean watch) {
        switch (method) {
            case "GET":
                return watch ? "watch" : named ? "get" : "list";
            case "POST":
                return "create";
            case "PUT":
                return "update";
            case "PATCH":
                return "patch";
            case "DELETE":
                return named ? "delete" : "deletecollection";
            default:
                return method.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private boolean allowed(String namespace, String[] account, String group, String resource, String verb) {
        JsonNode bindings = get("/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace + "/rolebindings");
        for (JsonNode binding : bindings.path("items")) {
            boolean boundToAccount = false;
            for (JsonNode subject : binding.path("subjects")) {
                boundToAccount |= "ServiceAccount".equals(subject.path("kind").asText())
                        && account[1].equals(subject.path("name").asText())
                        && account[0].equals(subject.path("namespace").asText(namespace));
            }
            if (!boundToAccount || !"Role".equals(binding.path("roleRef").path("kind").asText())) {
                continue;
            }
            JsonNode role = get("/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace + "/roles/"
                    + binding.path("roleRef").path("name").asText());
            for (JsonNode rule : role.path("rules")) {
                if (contains(rule.path("apiGroups"), group) && contains(rule.path("resources"), resource)
                        && contains(rule.path("verbs"), verb)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode item : list) {
            if (item.asText().equals(value) || item.asText().equals("*")) {
                return true;
            }
        }
        return false;
    }

    private JsonNode get(String path) {
        MockResponse r = store.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, path, Headers.builder().build(),
                new io.fabric8.mockwebserver.http.Buffer()));
        if (r.code() != 200 || r.getBody() == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(r.getBody().readUtf8());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The API server's 403, word for word, so that clients see what a real cluster would tell them. */
    private static Denial forbidden(String resource, String name, String group, String verb, String user, String namespace) {
        String kind = group.isEmpty() ? resource.replaceFirst("/.*", "") : resource.replaceFirst("/.*", "") + "." + group;
        String message = (name == null ? kind : kind + " \"" + name + "\"") + " is forbidden: User \"" + user
                + "\" cannot " + verb + " resource \"" + resource + "\" in API group \"" + group + "\""
                + (namespace == null ? " at the cluster scope" : " in the namespace \"" + namespace + "\"");
        return new Denial(message, ApiResponses.json(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":" + ApiResponses.jsonString(message) + ",\"reason\":\"Forbidden\",\"details\":{"
                + (name == null ? "" : "\"name\":" + ApiResponses.jsonString(name) + ",")
                + "\"group\":" + ApiResponses.jsonString(group) + ",\"kind\":"
                + ApiResponses.jsonString(resource.replaceFirst("/.*", "")) + "},\"code\":403}"));
    }
}

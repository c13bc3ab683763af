package io.mtd.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Asks a registry, through the Registry HTTP API v2, which manifest digest a tag or digest reference names.
 *
 * <p>Handles the registry's 401 challenges: {@code Bearer} (a token fetched from the challenge's realm, with the
 * caller's credentials where it has some) and {@code Basic}. With TLS verification off it accepts plain HTTP and,
 * where the registry speaks HTTPS only, HTTPS without checking the certificate, as the container tools do for an
 * insecure registry.
 */
public final class RegistryClient {

    /** Index types first: a multi-architecture image must be pinned by its index, so every node pulls its own platform. */
    static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))");

    private final CredentialSource credentials;
    private final Duration timeout;
    private volatile HttpClient verifyingClient;
    private volatile HttpClient trustingClient;

    public RegistryClient(CredentialSource credentials) {
        this(credentials, Duration.ofSeconds(30));
    }

    /** @param timeout how long one HTTP exchange with the registry or its token service may take */
    public RegistryClient(CredentialSource credentials, Duration timeout) {
        this.credentials = credentials;
        this.timeout = timeout;
    }

    /** The digest ({@code sha256:...}) of the manifest the registry serves for {@code image}'s digest, or else its tag. */
    public String manifestDigest(ImageReference image, boolean tlsVerify) {
        String path = "/v2/" + image.repository() + "/manifests/" + image.manifestReference();
        URI https = URI.create("https://" + image.apiHost() + path);
        if (tlsVerify) {
            return manifestDigest(image, https, client(true));
        }
        // Plain HTTP first: an HTTPS-only registry rejects it at once (HTTP 400 or a closed connection) and no credentials
        // are sent before a challenge, whereas a plain-HTTP server may never answer a TLS handshake at all.
        try {
            return manifestDigest(image, URI.create("http://" + image.apiHost() + path), client(false));
        } catch (RegistryException plainFailed) {
            if (!(plainFailed instanceof NotPlainHttp) && !(plainFailed.getCause() instanceof IOException)) {
                throw plainFailed;
            }
            try {
                return manifestDigest(image, https, client(false));
            } catch (RegistryException tlsFailed) {
                throw plainFailed.getCause() instanceof ConnectException && tlsFailed.getCause() instanceof ConnectException
                        ? plainFailed : tlsFailed;
            }
        }
    }

    /** A plain-HTTP request answered with 400: the registry speaks HTTPS only. */
    private static final class NotPlainHttp extends RegistryException {
        NotPlainHttp(String message) {
            super(message);
        }
    }

    private String manifestDigest(ImageReference image, URI uri, HttpClient client) {
        HttpResponse<byte[]> response = send(client, manifestRequest(uri, "HEAD", null), image.registry(), uri);
        if (response.statusCode() == 400 && uri.getScheme().equals("http")) {
            throw new NotPlainHttp("Registry " + image.registry() + " answered HTTP 400 to plain HTTP at " + uri);
        }
        if (response.statusCode() == 401) {
            String authorization = authorize(image, client, response);
            response = send(client, manifestRequest(uri, "HEAD", authorization), image.registry(), uri);
            if (response.statusCode() == 401) {
                throw new RegistryException(refused(image, " refused the credentials for " + userFor(image)));
            }
            return digestFrom(image, uri, client, response, authorization);
        }
        return digestFrom(image, uri, client, response, null);
    }

    private String digestFrom(ImageReference image, URI uri, HttpClient client, HttpResponse<byte[]> response, String authorization) {
        int status = response.statusCode();
        if (status == 404) {
            throw new RegistryException("Registry " + image.registry() + " has no image " + image
                    + " (manifest '" + image.manifestReference() + "' not found in repository '" + image.repository()
                    + "'); push it first or correct the plan's image reference");
        }
        if (status == 403) {
            throw new RegistryException(refused(image, " denied access (HTTP 403) for " + userFor(image)));
        }
        if (status / 100 != 2) {
            throw new RegistryException("Registry " + image.registry() + " answered HTTP " + status + " for the manifest of "
                    + image + " (" + uri + ")");
        }
        Optional<String> header = response.headers().firstValue("Docker-Content-Digest");
        if (header.isPresent() && !header.get().isBlank()) {
            return header.get().strip();
        }
        // some registries leave the header out of HEAD answers: the digest is then that of the manifest's bytes
        HttpResponse<byte[]> full = send(client, manifestRequest(uri, "GET", authorization), image.registry(), uri);
        if (full.statusCode() / 100 != 2) {
            throw new RegistryException("Registry " + image.registry() + " answered HTTP " + full.statusCode()
                    + " when the manifest of " + image + " was fetched (" + uri + ")");
        }
        return full.headers().firstValue("Docker-Content-Digest").orElseGet(() -> sha256(full.body()));
    }

    /** The Authorization header value that answers the registry's challenge. */
    private String authorize(ImageReference image, HttpClient client, HttpResponse<byte[]> challenged) {
        String header = challenged.headers().firstValue("WWW-Authenticate").orElse("");
        Optional<RegistryCredentials> creds = credentials.lookup(image.registry());
        int space = header.indexOf(' ');
        String scheme = (space < 0 ? header : header.substring(0, space)).strip().toLowerCase(Locale.ROOT);
        if (scheme.equals("basic")) {
            return "Basic " + creds.orElseThrow(() -> new RegistryException(refused(image, " requires a user name and password")))
                    .basicToken();
        }
        if (!scheme.equals("bearer")) {
            throw new RegistryException("Registry " + image.registry() + " asked for authentication the engine does not speak ("
                    + (scheme.isEmpty() ? "no WWW-Authenticate header" : scheme) + "); only Bearer and Basic are supported");
        }
        Map<String, String> params = challengeParams(header.substring(space + 1));
        String realm = params.get("realm");
        if (realm == null || realm.isBlank()) {
            throw new RegistryException("Registry " + image.registry() + " sent a Bearer challenge without a realm; it cannot be answered");
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        }
        String scope = params.getOrDefault("scope", "repository:" + image.repository() + ":pull");
        query.append(query.length() == 0 ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        URI tokenUri;
        try {
            tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        } catch (IllegalArgumentException e) {
            throw new RegistryException("Registry " + image.registry() + " sent a Bearer challenge whose realm is not a URL: " + realm);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).timeout(timeout).GET();
        creds.ifPresent(c -> request.header("Authorization", "Basic " + c.basicToken()));
        HttpResponse<byte[]> response = send(client, request.build(), image.registry(), tokenUri);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new RegistryException(refused(image, "'s token service " + realm + " refused "
                    + (creds.isPresent() ? "the credentials for " + userFor(image) : "anonymous access")));
        }
        if (response.statusCode() / 100 != 2) {
            throw new RegistryException("The token service " + realm + " of registry " + image.registry()
                    + " answered HTTP " + response.statusCode());
        }
        String token;
        try {
            JsonNode body = JSON.readTree(response.body());
            token = body.path("token").asText(body.path("access_token").asText(""));
        } catch (IOException e) {
            token = "";
        }
        if (token.isEmpty()) {
            throw new RegistryException("The token service " + realm + " of registry " + image.registry()
                    + " answered without a token (expected JSON with 'token' or 'access_token')");
        }
        return "Bearer " + token;
    }

    static Map<String, String> challengeParams(String params) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(params);
        while (m.find()) {
            out.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
        }
        return out;
    }

    private String userFor(ImageReference image) {
        return credentials.lookup(image.registry()).map(c -> "user '" + c.username() + "'").orElse("anonymous access");
    }

    private static String refused(ImageReference image, String what) {
        return "Registry " + image.registry() + what + " while resolving " + image
                + "; give credentials for " + image.registry() + " in build.authFile, REGISTRY_AUTH_FILE or ~/.docker/config.json"
                + " (docker login / buildah login writes them), or through the caller's credentials";
    }

    private HttpRequest manifestRequest(URI uri, String method, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", ACCEPT)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    private HttpResponse<byte[]> send(HttpClient client, HttpRequest request, String registry, URI uri) {
        // the message names the host and path only: a realm's query string may carry nothing secret, but the headers do
        String where = uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw new RegistryException("Cannot reach registry " + registry + " at " + where + ": connection timed out after "
                    + timeout.toSeconds() + "s; check the host and port in the image reference and that the registry is up"
                    + (uri.getScheme().equals("https") ? " (for a registry speaking plain HTTP, set build.tlsVerify: false)" : ""), e);
        } catch (HttpTimeoutException e) {
            throw new RegistryException("Registry " + registry + " did not answer within " + timeout.toSeconds() + "s at " + where, e);
        } catch (ConnectException e) {
            throw new RegistryException("Cannot reach registry " + registry + " at " + where + ": connection refused; check "
                    + "the host and port in the image reference and that the registry is running", e);
        } catch (SSLException e) {
            throw new RegistryException("TLS with registry " + registry + " at " + where + " failed (" + e.getMessage()
                    + "); trust its certificate, or set build.tlsVerify: false for a registry without valid TLS", e);
        } catch (IOException e) {
            throw new RegistryException("Cannot talk to registry " + registry + " at " + where + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("Interrupted while asking registry " + registry + " at " + where, e);
        }
    }

    private HttpClient client(boolean verifyTls) {
        if (verifyTls) {
            HttpClient c = verifyingClient;
            if (c == null) {
                verifyingClient = c = builder().build();
            }
            return c;
        }
        HttpClient c = trustingClient;
        if (c == null) {
            trustingClient = c = builder().sslContext(trustingEverything()).build();
        }
        return c;
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL);
    }

    private static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** For build.tlsVerify: false only. An extended trust manager also skips the host name check, as intended here. */
    private static SSLContext trustingEverything() {
        X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {trustAll}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is part of every Java runtime", e);
        }
    }
}

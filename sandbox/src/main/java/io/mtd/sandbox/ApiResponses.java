package io.mtd.sandbox;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The API server's JSON answers (an object with its HTTP code, or a {@code Status} failure as Kubernetes writes it) and
 * how an answer is written to a connection.
 */
final class ApiResponses {

    private ApiResponses() {
    }

    static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    /** A {@code Status} of a failed request: {@code reason} is the API's (NotFound, BadRequest...), {@code message} the text. */
    static MockResponse status(int code, String reason, String message) {
        return json(code, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":" + jsonString(message) + ",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }

    /** {@code s} as a JSON string literal. */
    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Writes {@code mock}'s code, headers and body as the answer to {@code event}. */
    static void send(HttpServerRequest event, MockResponse mock) {
        HttpServerResponse response = event.response();
        response.setStatusCode(mock.code());
        mock.getHeaders().toMultimap().forEach((k, v) -> response.headers().add(k, v));
        if (mock.getBody() != null && mock.getBody().size() > 0) {
            response.send(Buffer.buffer(mock.getBody().getBytes()));
        } else {
            response.end();
        }
    }

    /** Answers 500 with {@code err}'s message, unless an answer has begun. */
    static void failed(HttpServerRequest event, Throwable err) {
        if (!event.response().headWritten()) {
            event.response().setStatusCode(500).end(String.valueOf(err.getMessage()));
        }
    }
}

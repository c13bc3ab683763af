package io.mtd.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One sandbox per test class and a client to it, for {@code @RegisterExtension static}: started before the class's
 * first test, closed after its last; the faults a test injected are cleared after it.
 */
final class SandboxExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private Sandbox sandbox;
    private KubernetesClient client;

    Sandbox sandbox() {
        return sandbox;
    }

    KubernetesClient client() {
        return client;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        sandbox = Sandbox.start();
        client = sandbox.client();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        sandbox.kubelet().clearFaults();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        client.close();
        sandbox.close();
    }
}

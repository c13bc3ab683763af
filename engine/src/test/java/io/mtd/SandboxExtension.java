package io.mtd;

import io.mtd.sandbox.SandboxDatabase;
import io.mtd.sandbox.flyway.FlywayCli;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One sandbox cluster per test class, for tests of whole runs: started before the class's first test, closed after its
 * last, and given to the class's static {@link SandboxFixture} fields and to test and lifecycle methods that take one.
 * A class with a static {@link SandboxDatabase} field also gets one real PostgreSQL for its tests, closed after them,
 * and the sandbox kubelet runs the Flyway image against it ({@link FlywayCli}).
 *
 * <pre>{@code
 * @ExtendWith(SandboxExtension.class)
 * class MigrationRunTest {
 *     static SandboxFixture cluster;   // set by the extension
 *     static SandboxDatabase database; // optional: started, and closed, by the extension
 * }
 * }</pre>
 */
public final class SandboxExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SandboxExtension.class);

    /** The fixture in the class's store: JUnit closes it once the class's tests are done. */
    private record Cluster(SandboxFixture fixture) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            fixture.close();
        }
    }

    /** The class's database in its store, closed with the class as the cluster is. */
    private record Database(SandboxDatabase database) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            database.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        SandboxFixture fixture = fixture(context);
        for (Class<?> c = context.getRequiredTestClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || Modifier.isFinal(f.getModifiers())) {
                    continue;
                }
                if (f.getType() == SandboxFixture.class) {
                    f.setAccessible(true);
                    f.set(null, fixture);
                } else if (f.getType() == SandboxDatabase.class) {
                    f.setAccessible(true);
                    f.set(null, database(context, fixture));
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SandboxFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return fixture(context);
    }

    /** The class's database, started on first use, with the Flyway image registered to run against it. */
    private static SandboxDatabase database(ExtensionContext context, SandboxFixture fixture) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(Database.class, k -> {
            SandboxDatabase started = SandboxDatabase.start();
            FlywayCli.registerWith(fixture.sandbox.kubelet());
            return new Database(started);
        }, Database.class).database();
    }

    /** The class's fixture, started on first use. */
    private static SandboxFixture fixture(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get(); // a test, or a parameterized test's invocation, belongs to its class
        }
        return classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent(Cluster.class, k -> new Cluster(new SandboxFixture()), Cluster.class).fixture();
    }
}

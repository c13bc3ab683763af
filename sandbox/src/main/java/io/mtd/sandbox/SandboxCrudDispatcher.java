package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * fabric8's CRUD dispatcher, remembering deletions. The mock keeps no event history: a watch resumed from a
 * resourceVersion gets the current objects as ADDED events, which covers creations and changes but not deletions.
 * Knowing them lets the API server answer such a watch with 410 Gone, so that clients relist as they would against
 * an API server whose history no longer reaches back, instead of keeping deleted objects forever.
 */
final class SandboxCrudDispatcher extends KubernetesCrudDispatcher {

    private static final int REMEMBERED = 10_000;

    /** A deletion: the resourceVersion it was given and the deleted object's attributes. */
    private record Deletion(long resourceVersion, AttributeSet attributes) {
    }

    private final Deque<Deletion> deletions = new ConcurrentLinkedDeque<>();

    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
            GenericKubernetesResource resource, String newState) {
        if (newState == null && oldAttributes != null && map.containsKey(oldAttributes)) {
            // A deletion is a change with its own resourceVersion, as in the API server.
            deletions.addLast(new Deletion(requestResourceVersion(), oldAttributes));
            while (deletions.size() > REMEMBERED) {
                deletions.pollFirst();
            }
        }
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    }

    /** Whether an object that the watch at {@code watchPath} would see was deleted after {@code resourceVersion}. */
    boolean deletedSince(long resourceVersion, String watchPath) {
        AttributeSet query = getAttributeExtractor().fromPath(watchPath);
        String name = watchedName(watchPath);
        if (name != null) {
            query = query.add(new Attribute("name", name));
        }
        for (Deletion deletion : deletions) {
            if (deletion.resourceVersion() > resourceVersion && deletion.attributes().matches(query)) {
                return true;
            }
        }
        return false;
    }

    private static String watchedName(String path) {
        int query = path.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String param : path.substring(query + 1).split("&")) {
            String decoded = URLDecoder.decode(param, StandardCharsets.UTF_8);
            if (decoded.startsWith("fieldSelector=metadata.name=")) {
                return decoded.substring("fieldSelector=metadata.name=".length());
            }
        }
        return null;
    }
}

package io.mtd.kube;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;

/** Who waits on which object of a shared informer, told on the informer's thread whenever that object changes. */
final class ChangeListeners {

    private final Map<String, Set<Runnable>> byName = new ConcurrentHashMap<>();

    void subscribe(String name, Runnable onChange) {
        byName.computeIfAbsent(name, k -> new CopyOnWriteArraySet<>()).add(onChange);
    }

    /** Removes {@code onChange}: the very instance given to {@link #subscribe}, not another lambda of the same method. */
    void unsubscribe(String name, Runnable onChange) {
        byName.computeIfPresent(name, (k, set) -> {
            set.remove(onChange);
            return set.isEmpty() ? null : set;
        });
    }

    /** How many wait on {@code name} now. */
    int count(String name) {
        Set<Runnable> set = byName.get(name);
        return set == null ? 0 : set.size();
    }

    /** An informer handler telling the listeners of the name {@code nameOf} gives each added, changed or deleted object. */
    <T> ResourceEventHandler<T> handler(Function<T, String> nameOf) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                changed(nameOf.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed(nameOf.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                changed(nameOf.apply(obj));
            }
        };
    }

    private void changed(String name) {
        Set<Runnable> set = byName.get(name);
        if (set != null) {
            set.forEach(Runnable::run);
        }
    }
}

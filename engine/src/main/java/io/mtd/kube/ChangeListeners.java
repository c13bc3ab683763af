package io.mtd.kube;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;

/** Who waits on which object of a shared informer, told on the informer's thread whenever that object changes. */
final class ChangeListeners {

    /** One subscription: its own identity, so that closing it removes exactly it (never an equal lambda's). */
    private static final class Listener {
        final Runnable onChange;

        Listener(Runnable onChange) {
            this.onChange = onChange;
        }
    }

    private final Map<String, Set<Listener>> byName = new ConcurrentHashMap<>();

    Changes.Subscription subscribe(String name, Runnable onChange) {
        Listener listener = new Listener(onChange);
        byName.computeIfAbsent(name, k -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> byName.computeIfPresent(name, (k, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** The changes of the object named {@code name}, for a {@link WatchWait}. */
    Changes of(String name, CompletableFuture<Void> synced) {
        return new Changes() {
            @Override
            public Subscription subscribe(Runnable onChange) {
                return ChangeListeners.this.subscribe(name, onChange);
            }

            @Override
            public CompletableFuture<Void> synced() {
                return synced;
            }
        };
    }

    /** How many wait on {@code name} now. */
    int count(String name) {
        Set<Listener> set = byName.get(name);
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
        Set<Listener> set = byName.get(name);
        if (set != null) {
            set.forEach(l -> l.onChange.run());
        }
    }
}

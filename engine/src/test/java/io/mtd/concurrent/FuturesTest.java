package io.mtd.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FuturesTest {

    @Test
    void unwrapFindsTheCauseUnderEveryWrapper() {
        IllegalStateException cause = new IllegalStateException("the gate is down");
        Throwable wrapped = new ExecutionException(new CompletionException(cause));

        assertThat(Futures.unwrap(wrapped)).isSameAs(cause);
        assertThat(Futures.unwrap(cause)).isSameAs(cause);
        Throwable seenDownstream = CompletableFuture.failedFuture(cause).thenApply(v -> v).handle((v, e) -> e).join();
        assertThat(seenDownstream).isInstanceOf(CompletionException.class);
        assertThat(Futures.unwrap(seenDownstream)).isSameAs(cause);
    }
}

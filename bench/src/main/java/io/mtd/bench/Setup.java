package io.mtd.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.MigrateThenDeploy;
import java.nio.file.Path;
import java.util.Optional;

/** What every measurement uses: the sandbox, a client of the harness's own, kubectl if installed, the engine. */
record Setup(RemoteSandbox sandbox, KubernetesClient client, MigrationJobs jobs, Optional<Kubectl> kubectl,
        MigrateThenDeploy engine, EngineEvents events, Path work) {}

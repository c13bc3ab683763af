/**
 * An in-process Kubernetes cluster for the demo and the tests: {@link io.mtd.sandbox.Sandbox} (fabric8's CRUD mock
 * API server behind a Vert.x front that adds live Pod logs, API discovery, HTTP watches and strategic merge patch),
 * {@link io.mtd.sandbox.SandboxKubelet} (Pods run as local processes, faults on demand), the Job, Deployment and
 * ReplicaSet controllers, and {@link io.mtd.sandbox.SandboxDatabase} (a real PostgreSQL).
 *
 * <p>Where the sandbox differs from Kubernetes: a Job runs one Pod at a time to one completion (no parallelism,
 * completions or indexed Jobs; restartPolicy OnFailure also fails the Pod and makes a new one); a Pod runs only its
 * first container (init and sidecar containers are ignored, so only the first container's runAsNonRoot is checked);
 * an image the sandbox has no config for (not registered, or registered from a directory without
 * {@value io.mtd.sandbox.SandboxImage#CONFIG_FILE}) is not checked against runAsNonRoot; a Job's default selector is its
 * job-name label, not its uid; Pods are available as soon as they are Ready (minReadySeconds is ignored); no Events are
 * recorded (a Job's FailedCreate is only retried); Pod log options other than follow and tailLines are ignored.
 */
package io.mtd.sandbox;

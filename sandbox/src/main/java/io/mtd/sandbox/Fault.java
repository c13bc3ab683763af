package io.mtd.sandbox;

/** A failure the sandbox kubelet injects into new Pods whose image has a given repository. */
public enum Fault {
    /** The image cannot be pulled: the container waits in ErrImagePull, then ImagePullBackOff, forever. */
    IMAGE_PULL_BACKOFF,
    /** The container is killed by the kernel's OOM killer shortly after it starts (exit code 137). */
    OOM_KILLED,
    /** No node fits the Pod: it stays Pending with PodScheduled=False, reason Unschedulable. */
    UNSCHEDULABLE,
    /** The node evicts the Pod shortly after it starts: phase Failed, reason Evicted. */
    EVICTED,
    /** The container runs but its readiness probe never passes (Deployment Pods). */
    NEVER_READY,
    /** The container keeps crashing: waiting CrashLoopBackOff with a growing restart count (Deployment Pods). */
    CRASH_LOOP
}

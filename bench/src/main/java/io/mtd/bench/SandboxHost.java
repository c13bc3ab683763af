package io.mtd.bench;

import io.mtd.sandbox.Fault;
import io.mtd.sandbox.Sandbox;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Runs a sandbox cluster in its own JVM for the benchmark, so that the threads and heap the harness measures are the
 * engine's alone, and answers a line protocol on stdin: {@code watches}, {@code requests}, {@code fault REPOSITORY FAULT},
 * {@code clear}, {@code quit}.
 */
public final class SandboxHost {

    private SandboxHost() {}

    /** Arguments: the kubeconfig file to write. Prints {@code ready URL} once the sandbox answers. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SandboxHost KUBECONFIG_PATH");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Sandbox sandbox = Sandbox.start()) {
            sandbox.writeKubeconfig(Path.of(args[0]));
            out.println("ready " + sandbox.config().getMasterUrl());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split("\\s+");
                switch (words[0]) {
                    case "watches":
                        out.println(sandbox.watchesOpened());
                        break;
                    case "requests":
                        out.println(sandbox.requestsServed());
                        break;
                    case "fault":
                        sandbox.kubelet().injectFault(words[1], Fault.valueOf(words[2]));
                        out.println("ok");
                        break;
                    case "clear":
                        sandbox.kubelet().clearFaults();
                        out.println("ok");
                        break;
                    case "quit":
                        return;
                    default:
                        out.println("error unknown command '" + words[0] + "': use watches, requests, fault, clear or quit");
                }
            }
        }
    }
}

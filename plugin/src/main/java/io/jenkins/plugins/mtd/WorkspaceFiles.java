package io.jenkins.plugins.mtd;

import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Run;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings what the engine reads from the workspace (a plan file, a Flyway plan's scripts) to the controller, where the
 * engine runs, through {@link FilePath}: so the workspace may be on any agent. The scripts are kept in the build's own
 * directory, so that a resumed step ships exactly the scripts it started with (their content names the migration Job),
 * and the build keeps a record of what it migrated.
 */
final class WorkspaceFiles {

    private WorkspaceFiles() {}

    /** The plan file's text, read from the workspace on whichever node holds it. */
    static String planFile(FilePath workspace, String path) throws IOException, InterruptedException {
        if (workspace == null) {
            throw new AbortException(Messages.MigrateThenDeployExecution_PlanNeedsWorkspace(path));
        }
        FilePath file = workspace.child(path);
        if (!file.exists()) {
            throw new AbortException(Messages.MigrateThenDeployExecution_PlanMissing(path, workspace.getRemote()));
        }
        return file.readToString();
    }

    /**
     * Copies the plan's Flyway locations from the workspace into a new directory of the build, which becomes the engine's
     * workspace; returns null when the plan ships nothing from the workspace.
     */
    static Path copyFlywayScripts(Plan plan, FilePath workspace, Run<?, ?> build) throws IOException, InterruptedException {
        Flyway flyway = plan.migration() == null ? null : plan.migration().flyway();
        if (flyway == null || !flyway.shipsFromWorkspace()) {
            return null;
        }
        if (workspace == null) {
            throw new AbortException(Messages.WorkspaceFiles_FlywayNeedsWorkspace(String.join(", ", flyway.locations())));
        }
        File parent = new File(build.getRootDir(), "migrate-then-deploy");
        Files.createDirectories(parent.toPath());
        Path copy = Files.createTempDirectory(parent.toPath(), "flyway-");
        FilePath target = new FilePath(copy.toFile());
        for (String location : flyway.locations()) {
            String relative = location;
            if (leavesWorkspace(relative)) {
                // checked before reading: a location must not read files outside the workspace
                throw new AbortException(Messages.WorkspaceFiles_LeavesWorkspace(location));
            }
            FilePath source = workspace.child(relative);
            if (!source.isDirectory()) {
                throw new AbortException(Messages.WorkspaceFiles_NotADirectory(location, workspace.getRemote()));
            }
            source.copyRecursiveTo("**/*", target.child(relative));
        }
        return copy;
    }

    static boolean leavesWorkspace(String relative) {
        String p = relative.replace('\\', '/');
        if (p.startsWith("/") || p.matches("^[A-Za-z]:.*")) {
            return true;
        }
        for (String segment : p.split("/")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return false;
    }
}

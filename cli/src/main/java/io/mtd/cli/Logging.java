package io.mtd.cli;

import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Keeps the libraries' own loggers (fabric8, Vert.x, Flyway, the PostgreSQL driver, embedded PostgreSQL) off the user's
 * terminal: mtd says what went wrong in its own words; {@code --debug} lets them through for a bug report.
 */
final class Logging {

    private Logging() {}

    static void configure(boolean debug) {
        // slf4j-simple reads these when its first logger is made; set before any library asks for one
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", debug ? "info" : "off");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        if (debug) {
            System.setProperty("org.slf4j.simpleLogger.log.io.vertx", "info");
            System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", "debug");
        } else {
            System.setProperty("org.slf4j.simpleLogger.log.io.vertx", "off");
            System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", "off");
            System.setProperty("org.slf4j.simpleLogger.log.io.zonky", "off");
        }
        // java.util.logging: the PostgreSQL driver, and Vert.x where it finds no SLF4J binding
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(debug ? Level.INFO : Level.OFF);
        if (debug) {
            root.addHandler(new java.util.logging.ConsoleHandler());
        }
    }
}

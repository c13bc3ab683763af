package io.mtd.lint;

/** How much a finding matters: an unacknowledged error stops the run before anything is touched. */
public enum Severity { ERROR, WARNING, INFO }
